"""Watch areas: a resident hears of new public cases and closures in an area or a circle."""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geography
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at_column


class WatchArea(Base):
    """Either an area of the tree (``area_id``) or a circle (``center`` + ``radius_m``)."""

    __tablename__ = "watch_areas"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"),
                                         nullable=False, index=True)
    area_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("areas.id", ondelete="CASCADE"), index=True)
    center = mapped_column(Geography("POINT", srid=4326, spatial_index=True))
    radius_m: Mapped[int | None] = mapped_column(Integer)
    # Major class codes (大类); empty: every category.
    category_groups: Mapped[list[str]] = mapped_column(ARRAY(String(12)), nullable=False,
                                                       server_default=text("'{}'"))
    daily_digest: Mapped[bool] = mapped_column(Boolean, nullable=False,
                                               server_default=text("false"))
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("(area_id IS NOT NULL AND center IS NULL AND radius_m IS NULL) OR "
                        "(area_id IS NULL AND center IS NOT NULL AND radius_m IS NOT NULL)",
                        name="area_or_circle"),
    )


class WatchNotice(Base):
    """That a watcher was told (or is to be told, in their digest) of a case: at most once
    per watcher, case and kind (``new`` or ``closed``)."""

    __tablename__ = "watch_notices"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    case_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("cases.id", ondelete="CASCADE"),
                                         primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    daily_digest: Mapped[bool] = mapped_column(Boolean, nullable=False)
    digested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        Index("ix_watch_notices_digest_pending", "created_at",
              postgresql_where=text("daily_digest AND digested_at IS NULL")),
    )
