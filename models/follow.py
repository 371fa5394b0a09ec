"""Residents following a public case ("me too", 我也遇到): they hear of its progress."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at_column


class CaseFollower(Base):
    __tablename__ = "case_followers"

    case_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("cases.id", ondelete="CASCADE"),
                                         primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    # "follow": asked to; "duplicate": their own report was rejected as a duplicate of it.
    via: Mapped[str] = mapped_column(String(20), nullable=False, server_default="follow")
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        Index("ix_case_followers_user_id", "user_id", "case_id"),
    )
