"""Exports: a case list or an indicator table written in the background for one person."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Enum, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at_column


class ExportStatus(enum.StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class Export(Base):
    __tablename__ = "exports"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)  # cases | indicators
    format: Mapped[str] = mapped_column(String(10), nullable=False)  # csv | xlsx | geojson
    params: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False,
                                                   server_default=text("'{}'"))
    status: Mapped[ExportStatus] = mapped_column(Enum(ExportStatus, name="export_status"),
                                                 nullable=False)
    rows_done: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    rows_total: Mapped[int | None] = mapped_column(Integer)
    storage_key: Mapped[str | None] = mapped_column(String(200))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_exports_user_created", "user_id", "created_at"),)
