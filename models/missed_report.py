"""Missed reports (漏报): a case someone else reported where a grid worker had walked past
shortly before, in the worker's own cell; a candidate until a supervisor decides."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Float, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at_column


class MissedReport(Base):
    __tablename__ = "missed_reports"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    case_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False)
    worker_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    patrol_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("patrols.id", ondelete="CASCADE"), nullable=False)
    # The walking fix closest to the case, and how close it was.
    passed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    distance_m: Mapped[float] = mapped_column(Float, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False,
                                        server_default=text("'candidate'"))
    decided_by: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        Index("uq_missed_reports_case_worker", "case_id", "worker_id", unique=True),
    )


class MissedReportScan(Base):
    """A case already looked at for missed reports (so the sweep looks once)."""

    __tablename__ = "missed_report_scans"

    case_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    scanned_at: Mapped[datetime] = created_at_column()
