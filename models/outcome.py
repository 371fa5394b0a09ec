"""Honest outcomes: why a case was closed or rejected, and who decided, by role and unit."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at_column


class OutcomeKind(enum.StrEnum):
    fixed = "fixed"
    not_fixable_now = "not_fixable_now"  # with a reason
    not_our_responsibility = "not_our_responsibility"  # with the body it belongs to
    duplicate = "duplicate"  # of another case
    invalid = "invalid"


class CaseOutcome(Base):
    """One closing or rejecting decision; the newest of a case is its public outcome. A
    dispute marks the decision it contests (the dispute rate per unit)."""

    __tablename__ = "case_outcomes"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    case_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("cases.id", ondelete="CASCADE"),
                                         nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    reason: Mapped[str | None] = mapped_column(Text)
    responsible_body: Mapped[str | None] = mapped_column(String(100))
    duplicate_of_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("cases.id"))
    # Who decided: a role and the unit or area they act for, never a person.
    decided_role: Mapped[str] = mapped_column(String(20), nullable=False)
    decided_unit: Mapped[str | None] = mapped_column(String(100))
    # The unit that handled the case when it was closed: disputes count against it.
    unit_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("units.id"), index=True)
    disputed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        Index("ix_case_outcomes_case_id_id", "case_id", "id"),
    )
