"""Patrols (巡查): a grid worker's walk, its raw GPS fixes, and the time it spent in each
cell per day — the aggregate that outlives the fixes once they are purged."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    REAL,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at_column


class Patrol(Base):
    __tablename__ = "patrols"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    worker_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    # The phone's own id for the patrol: a retried start finds the patrol it began.
    client_ref: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_by: Mapped[str | None] = mapped_column(String(10))  # worker | system
    last_fix_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the phone last sent anything: an open patrol quiet for long is finished.
    last_activity_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                       server_default=text("now()"))
    fix_count: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    # Measures of the finished patrol (kept when the fixes are purged).
    walked_m: Mapped[float | None] = mapped_column(Float)
    walking_seconds: Mapped[int | None] = mapped_column(Integer)
    vehicle_m: Mapped[float | None] = mapped_column(Float)
    vehicle_seconds: Mapped[int | None] = mapped_column(Integer)
    gap_seconds: Mapped[int | None] = mapped_column(Integer)
    excluded: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False,
                                                     server_default=text("'{}'"))
    track_purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        Index("ix_patrols_worker_started", "worker_id", "started_at"),
        Index("uq_patrols_worker_client_ref", "worker_id", "client_ref", unique=True,
              postgresql_where=text("client_ref IS NOT NULL")),
        # One open patrol per worker; the quiet ones are found by the sweeper.
        Index("uq_patrols_one_open", "worker_id", unique=True,
              postgresql_where=text("finished_at IS NULL")),
        Index("ix_patrols_open_activity", "last_activity_at",
              postgresql_where=text("finished_at IS NULL")),
        CheckConstraint("finished_at IS NULL OR finished_at >= started_at",
                        name="finished_after_start"),
    )

    @property
    def is_open(self) -> bool:
        return self.finished_at is None


class PatrolFix(Base):
    """One GPS fix as the phone sent it (converted to WGS-84). One per patrol and instant:
    a resent batch stores nothing twice."""

    __tablename__ = "patrol_fixes"

    patrol_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("patrols.id", ondelete="CASCADE"), primary_key=True)
    t: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    geom = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=False)
    accuracy_m: Mapped[float] = mapped_column(REAL, nullable=False)
    speed_mps: Mapped[float | None] = mapped_column(REAL)


class PatrolCellDay(Base):
    """Walking time of one patrol in one grid cell on one local day."""

    __tablename__ = "patrol_cell_days"

    patrol_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("patrols.id", ondelete="CASCADE"), primary_key=True)
    cell_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    worker_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    seconds: Mapped[int] = mapped_column(Integer, nullable=False)
    first_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    last_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (
        Index("ix_patrol_cell_days_cell_day", "cell_id", "day"),
        Index("ix_patrol_cell_days_worker_day", "worker_id", "day"),
    )
