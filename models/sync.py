"""Offline sync: each operation a phone queued, by the phone's own id, with the answer it got
(so a resent batch is answered again and applied never twice)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, SmallInteger, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at_column


class SyncOperation(Base):
    __tablename__ = "sync_operations"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    op_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    op_type: Mapped[str] = mapped_column(String(20), nullable=False)
    # sha256 of the type and body: the same id with another operation is refused.
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[int | None] = mapped_column(SmallInteger)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (Index("ix_sync_operations_created_at", "created_at"),)


class SyncPhoto(Base):
    """A photo a phone uploaded for one of its queued operations before the operation
    itself arrived; attached to the operation's case once it has one (the row and the
    stored original stay until the retention sweep, so a resend finds them)."""

    __tablename__ = "sync_photos"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    op_id: Mapped[str] = mapped_column(String(64), nullable=False)
    purpose: Mapped[str] = mapped_column(String(20), nullable=False)
    kind: Mapped[str | None] = mapped_column(String(10))  # 自行处置: before or after
    storage_key: Mapped[str] = mapped_column(String(200), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = created_at_column()
    attached_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("uq_sync_photos_user_op_sha", "user_id", "op_id", "sha256", unique=True),
        Index("ix_sync_photos_created_at", "created_at"),
    )
