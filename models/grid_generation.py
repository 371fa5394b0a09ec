"""A grid generation too large for one request, run as a background job with its progress."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Float, ForeignKey, Integer, SmallInteger, String, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at_column


class GridGenerationJob(Base):
    __tablename__ = "grid_generation_jobs"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    area_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("areas.id"), nullable=False)
    requested_by_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id"))
    shape: Mapped[str] = mapped_column(String(10), nullable=False)
    size_m: Mapped[float] = mapped_column(Float, nullable=False)
    code_digits: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    name_prefix: Mapped[str | None] = mapped_column(String(80))
    # queued → running → done | failed (``error`` names the problem, e.g. area_has_children)
    status: Mapped[str] = mapped_column(String(10), nullable=False,
                                        server_default=text("'queued'"))
    estimated_cells: Mapped[int] = mapped_column(Integer, nullable=False)
    created_cells: Mapped[int | None] = mapped_column(Integer)
    progress: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default=text("0"))
    error: Mapped[str | None] = mapped_column(String(100))
    first_code: Mapped[str | None] = mapped_column(String(15))
    last_code: Mapped[str | None] = mapped_column(String(15))
    created_at: Mapped[datetime] = created_at_column()
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
