"""Check-ins (打卡): a grid worker signing on or off duty from inside their own cells."""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import REAL, BigInteger, DateTime, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at_column


class CheckIn(Base):
    __tablename__ = "check_ins"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    worker_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(3), nullable=False)  # on | off
    # When the phone says it happened (a check-in queued offline arrives later).
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    geom = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=False)
    accuracy_m: Mapped[float | None] = mapped_column(REAL)
    cell_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("areas.id", ondelete="CASCADE"), nullable=False)
    # The phone's own id: a resent check-in returns the first.
    client_ref: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        Index("ix_check_ins_worker_at", "worker_id", "at"),
        Index("uq_check_ins_worker_client_ref", "worker_id", "client_ref", unique=True,
              postgresql_where=text("client_ref IS NOT NULL")),
    )
