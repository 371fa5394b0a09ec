"""Per-case counters: what the evaluation counts of one case, a projection of its timeline.

``fold`` applies one event; the workflow folds each new event in the transaction of its
step, and a rebuild folds every case's whole timeline. Times are the events' own and the
deadlines are the ones the events recorded when they set them, so the timeline alone
decides every field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.case import DEADLINE_BY_STATUS, CaseSource, CaseStatus
from models.tally import UNFINISHED

DEADLINES = ("register_deadline", "handle_deadline", "verify_deadline")
# What the live measures over the unfinished cases read (evaluation.indicators.LIVE_MEASURES).
LIVE_COLUMNS = ("area_path", "dispatched", "handled", "handle_deadline", "closed", "due_at",
                "late", "deferred")


class CaseCounter(Base):
    __tablename__ = "case_counters"

    case_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("cases.id", ondelete="CASCADE"),
                                         primary_key=True)
    # Copied from the case, so an indicator reads this one narrow table.
    area_path: Mapped[str] = mapped_column(String(200), nullable=False)
    category_code: Mapped[str] = mapped_column(String(12), nullable=False)
    source: Mapped[CaseSource] = mapped_column(Enum(CaseSource, name="case_source"),
                                               nullable=False)
    reporter_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    # From the timeline.
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    registered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    registered_on_time: Mapped[bool] = mapped_column(Boolean, nullable=False)
    rejected: Mapped[bool] = mapped_column(Boolean, nullable=False)
    dispatched: Mapped[bool] = mapped_column(Boolean, nullable=False)
    unit_id: Mapped[int | None] = mapped_column(BigInteger)  # the last unit dispatched to
    returns: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    handled: Mapped[bool] = mapped_column(Boolean, nullable=False)
    handled_on_time: Mapped[bool] = mapped_column(Boolean, nullable=False)  # the last fix
    checks: Mapped[int] = mapped_column(SmallInteger, nullable=False)  # 核查 on site
    checks_on_time: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    last_check_on_time: Mapped[bool] = mapped_column(Boolean, nullable=False)
    checker_id: Mapped[int | None] = mapped_column(BigInteger)
    verified: Mapped[bool] = mapped_column(Boolean, nullable=False)
    closed: Mapped[bool] = mapped_column(Boolean, nullable=False)
    closed_on_time: Mapped[bool] = mapped_column(Boolean, nullable=False)
    reworks: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    extensions: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    deferred: Mapped[bool] = mapped_column(Boolean, nullable=False)
    late: Mapped[bool] = mapped_column(Boolean, nullable=False)  # a finished stage ran over
    urgent: Mapped[bool] = mapped_column(Boolean, nullable=False)
    # 自行处置: fixed on the spot by the reporting grid worker, never dispatched.
    self_handled: Mapped[bool] = mapped_column(Boolean, nullable=False,
                                               server_default=text("false"))
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    register_deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    handle_deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verify_deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The running stage's deadline (None when nothing is due): overdue now = due_at < now.
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_case_counters_reported_at", "reported_at"),
        Index("ix_case_counters_registered_at", "registered_at"),
        Index("ix_case_counters_area_registered", "area_path", "registered_at",
              postgresql_ops={"area_path": "text_pattern_ops"}),
        # Reports per cell (the heat layer at low zoom) and per area subtree.
        Index("ix_case_counters_area_reported", "area_path", "reported_at",
              postgresql_ops={"area_path": "text_pattern_ops"}),
        Index("ix_case_counters_unit_registered", "unit_id", "registered_at"),
        Index("ix_case_counters_reporter_reported", "reporter_id", "reported_at"),
        # The overview's open cases and deadlines: only rows still running are indexed, and
        # each index holds every column its count reads, so a count never visits the table
        # (an index-only scan: a city's open cases are too many to fetch one by one).
        Index("ix_case_counters_open_area", "area_path", "status",
              postgresql_ops={"area_path": "text_pattern_ops"},
              postgresql_where=text("status NOT IN ('closed', 'rejected')")),
        Index("ix_case_counters_due_at", "due_at", postgresql_where=text("due_at IS NOT NULL"),
              postgresql_include=["area_path", "deferred"]),
        # The cases the tallies' clock-dependent measures are counted live over.
        Index("ix_case_counters_unfinished_registered", "registered_at",
              postgresql_where=text(UNFINISHED), postgresql_include=list(LIVE_COLUMNS)),
        Index("ix_case_counters_unfinished_reported", "reported_at",
              postgresql_where=text(UNFINISHED),
              postgresql_include=["registered_at", *LIVE_COLUMNS]),
    )

    @classmethod
    def opening(cls, *, case_id: int | None, area_path: str, category_code: str,
                source: CaseSource, reporter_id: int) -> CaseCounter:
        """The counters of a case before its first event."""
        return cls(case_id=case_id, area_path=area_path, category_code=category_code,
                   source=source, reporter_id=reporter_id, status="reported",
                   registered_on_time=False, rejected=False, dispatched=False, returns=0,
                   handled=False, handled_on_time=False, checks=0, checks_on_time=0,
                   last_check_on_time=False, verified=False, closed=False,
                   closed_on_time=False, reworks=0, extensions=0, deferred=False, late=False,
                   urgent=False, self_handled=False)

    def values(self) -> dict[str, Any]:
        return {column.key: getattr(self, column.key) for column in self.__table__.columns}


class Step(Protocol):
    """What the fold reads of an event."""

    action: str
    from_status: str | None
    to_status: str
    actor_id: int | None
    data: dict[str, Any]
    created_at: datetime


def _when(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def _in_time(at: datetime, deadline: datetime | None) -> bool:
    return deadline is None or at <= deadline


def _report(row: CaseCounter, step: Step) -> None:
    row.reported_at = step.created_at
    row.register_deadline = _when(step.data.get("register_deadline"))
    row.urgent = bool(step.data.get("urgent", False))


def _register(row: CaseCounter, step: Step) -> None:
    row.registered_at = step.created_at
    row.registered_on_time = _in_time(step.created_at, row.register_deadline)
    row.late = row.late or not row.registered_on_time


def _reject(row: CaseCounter, step: Step) -> None:
    row.rejected = True


def _dispatch(row: CaseCounter, step: Step) -> None:
    row.dispatched = True
    row.unit_id = step.data.get("unit_id")
    row.handle_deadline = _when(step.data.get("handle_deadline"))


def _return(row: CaseCounter, step: Step) -> None:
    row.returns += 1
    row.handle_deadline = None


def _approve_extension(row: CaseCounter, step: Step) -> None:
    row.extensions += 1
    row.handle_deadline = _when(step.data.get("until"))


def _defer(row: CaseCounter, step: Step) -> None:
    row.deferred = True


def _resolve(row: CaseCounter, step: Step) -> None:
    row.handled = True
    row.handled_on_time = _in_time(step.created_at, row.handle_deadline)
    row.late = row.late or not row.handled_on_time
    row.verify_deadline = _when(step.data.get("verify_deadline"))


def _check(row: CaseCounter, step: Step) -> None:
    on_time = _in_time(step.created_at, row.verify_deadline)
    row.checks += 1
    row.checks_on_time += on_time
    row.last_check_on_time = on_time
    row.late = row.late or not on_time
    row.checker_id = step.actor_id


def _verify(row: CaseCounter, step: Step) -> None:
    if row.self_handled:  # the photos are the evidence: no check on site (核查) took place
        return
    _check(row, step)
    row.verified = True


def _handle_on_site(row: CaseCounter, step: Step) -> None:
    """自行处置: counted apart from the units' fixes (处置), which follow a dispatch."""
    row.self_handled = True


def _rework(row: CaseCounter, step: Step) -> None:
    row.reworks += 1
    row.verified = row.closed = row.closed_on_time = False
    row.verify_deadline = None
    row.handle_deadline = _when(step.data.get("handle_deadline"))


def _reopen(row: CaseCounter, step: Step) -> None:
    if step.from_status == "resolved":  # the check on site failed
        _check(row, step)
    _rework(row, step)


def _close(row: CaseCounter, step: Step) -> None:
    row.closed = True
    row.closed_on_time = row.self_handled or (row.handled_on_time and row.last_check_on_time)


def _rate(row: CaseCounter, step: Step) -> None:
    row.rating = step.data.get("score")


def _mark_urgent(row: CaseCounter, step: Step) -> None:
    row.urgent = bool(step.data.get("urgent"))
    for name in DEADLINES:
        if name in step.data:
            setattr(row, name, _when(step.data[name]))


FOLDS = {
    "report": _report, "register": _register, "reject": _reject, "dispatch": _dispatch,
    "reassign": _dispatch, "return": _return, "approve_extension": _approve_extension,
    "defer": _defer, "resolve": _resolve, "verify": _verify, "reopen": _reopen,
    "close": _close, "rate": _rate, "dispute": _rework, "urgent": _mark_urgent,
    "handle_on_site": _handle_on_site,
}


def fold(row: CaseCounter, step: Step) -> CaseCounter:
    """Apply one event of the case's timeline to its counters."""
    handler = FOLDS.get(step.action)
    if handler is not None:
        handler(row, step)
    row.status = step.to_status
    running = DEADLINE_BY_STATUS.get(CaseStatus(step.to_status))
    row.due_at = getattr(row, running) if running else None
    return row
