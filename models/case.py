"""Cases and the closed-loop state machine: one table of transitions and one method.

``Case.apply`` moves a case and appends its immutable event; it never commits, never
sends anything and never asks who the actor is (that is ``grid_api.cases.policy``'s job).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grid_api.errors import InvalidTransition
from models.base import Base, created_at_column


class CaseStatus(enum.StrEnum):
    reported = "reported"
    registered = "registered"
    dispatched = "dispatched"
    in_progress = "in_progress"
    resolved = "resolved"
    verified = "verified"
    closed = "closed"
    rejected = "rejected"


class CaseSource(enum.StrEnum):
    """The channel a case came in through (来源); set by the path that files it."""

    grid_worker = "grid_worker"  # 信息采集: a grid worker's report
    resident_app = "resident_app"  # a resident's report from the app
    patrol = "patrol"  # found on a patrol round
    hotline = "hotline"  # the 12345 hotline
    other_system = "other_system"  # Open311, mini-programs, other departments' platforms
    video = "video"  # video surveillance (视频)
    supervision = "supervision"  # 督查: the command centre's own inspection
    leader_assigned = "leader_assigned"  # 领导交办
    media = "media"  # 媒体


class CaseAction(enum.StrEnum):
    register = "register"
    reject = "reject"
    dispatch = "dispatch"
    reassign = "reassign"
    accept = "accept"
    return_ = "return"
    request_extension = "request_extension"
    approve_extension = "approve_extension"
    deny_extension = "deny_extension"
    defer = "defer"
    resolve = "resolve"
    verify = "verify"
    reopen = "reopen"
    close = "close"
    comment = "comment"
    rate = "rate"
    dispute = "dispute"
    mark_urgent = "urgent"  # 急要件: a supervisor sets or clears the urgent flag
    # 自行处置: the reporting grid worker fixed it on the spot (the system takes this step
    # once the before and after photos are in; nobody asks for it over the API)
    handle_on_site = "handle_on_site"


S, A = CaseStatus, CaseAction

# --- status groups: each "which cases" rule is named once, here ---------------------------
# Still being worked on: nearby-duplicate candidates, open counts.
OPEN_STATUSES: Final = frozenset(CaseStatus) - {S.closed, S.rejected}
# Registered (and later): others may see the redacted public form.
PUBLIC_STATUSES: Final = frozenset(CaseStatus) - {S.reported, S.rejected}
# The deadline that runs in each status; a verified case waits for closing only.
DEADLINE_BY_STATUS: Final[Mapping[CaseStatus, str]] = {
    S.reported: "register_deadline", S.registered: "register_deadline",
    S.dispatched: "handle_deadline", S.in_progress: "handle_deadline",
    S.resolved: "verify_deadline",
}
# Can run late, so can be flagged overdue and escalated.
ESCALATABLE_STATUSES: Final = frozenset(DEADLINE_BY_STATUS)
FREQUENT_RETURNS: Final = 2  # more returns than this flag the case (bounced between units)

TRANSITIONS: Final[Mapping[tuple[CaseStatus, CaseAction], CaseStatus]] = {
    (S.reported, A.register): S.registered,
    (S.reported, A.reject): S.rejected,
    (S.registered, A.dispatch): S.dispatched,
    (S.dispatched, A.reassign): S.dispatched,
    (S.in_progress, A.reassign): S.dispatched,
    (S.dispatched, A.accept): S.in_progress,
    (S.dispatched, A.return_): S.registered,
    (S.in_progress, A.return_): S.registered,
    (S.in_progress, A.request_extension): S.in_progress,
    (S.in_progress, A.approve_extension): S.in_progress,
    (S.in_progress, A.deny_extension): S.in_progress,
    (S.dispatched, A.defer): S.dispatched,
    (S.in_progress, A.defer): S.in_progress,
    (S.in_progress, A.resolve): S.resolved,
    (S.registered, A.handle_on_site): S.resolved,
    (S.resolved, A.verify): S.verified,
    (S.resolved, A.reopen): S.in_progress,  # 返工: verification failed
    (S.verified, A.reopen): S.in_progress,
    (S.verified, A.close): S.closed,
    (S.closed, A.rate): S.closed,
    (S.closed, A.dispute): S.in_progress,
    **{(status, A.comment): status for status in CaseStatus},
    **{(status, A.mark_urgent): status for status in OPEN_STATUSES},
}


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), nullable=False, unique=True)
    status: Mapped[CaseStatus] = mapped_column(Enum(CaseStatus, name="case_status"),
                                               nullable=False)
    category_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("categories.id"),
                                             nullable=False, index=True)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    location = mapped_column(Geometry("POINT", srid=4326, spatial_index=True), nullable=False)
    # What the public may see of the location: the point itself, or the grid cell's centre
    # where the category is sensitive. Kept by database triggers on cases and categories, so
    # every way of filing a case fills it (see the migration that added it).
    public_location = mapped_column(Geometry("POINT", srid=4326, spatial_index=True),
                                    deferred=True)
    source: Mapped[CaseSource] = mapped_column(Enum(CaseSource, name="case_source"),
                                               nullable=False)
    # 急要件: shorter time limits for every stage still ahead.
    urgent: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    # 自行处置: reported by a grid worker as fixed on the spot; waits in ``reported`` for its
    # before and after photos, then the system registers, resolves and closes it.
    handled_on_site: Mapped[bool] = mapped_column(Boolean, nullable=False,
                                                  server_default=text("false"))
    reported_crs: Mapped[str] = mapped_column(String(8), nullable=False, server_default="wgs84")
    address: Mapped[str | None] = mapped_column(String(200))
    seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reporter_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"), nullable=False,
                                             index=True)
    grid_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("areas.id"), nullable=False,
                                         index=True)
    # The cell's ancestor path, copied so area-scoped lists are one indexed prefix match.
    area_path: Mapped[str] = mapped_column(String(200), nullable=False)
    unit_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("units.id"), index=True)
    duplicate_of_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("cases.id"))
    register_deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    handle_deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verify_deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    extension_requested_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deferred: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    overdue: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    needs_manual_dispatch: Mapped[bool] = mapped_column(Boolean, nullable=False,
                                                        server_default=text("false"))
    # 0 while on time; 1 when the deadline passed; each further level climbs the area tree.
    escalation_level: Mapped[int] = mapped_column(SmallInteger, nullable=False,
                                                  server_default=text("0"))
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    return_count: Mapped[int] = mapped_column(SmallInteger, nullable=False,
                                              server_default=text("0"))
    rework_count: Mapped[int] = mapped_column(SmallInteger, nullable=False,
                                              server_default=text("0"))
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    registered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Bumped by every change: the ETag, and the If-Match precondition.
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("1"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                 server_default=func.now())

    events: Mapped[list[CaseEvent]] = relationship(back_populates="case",
                                                   order_by="CaseEvent.seq")

    __table_args__ = (
        Index("ix_cases_area_path", "area_path", postgresql_ops={"area_path": "text_pattern_ops"}),
        Index("ix_cases_created_id", "created_at", "id"),
        Index("ix_cases_reporter_created", "reporter_id", "created_at", "id"),
        Index("ix_cases_status", "status"),
    )

    @classmethod
    def report(cls, *, actor_id: int, **fields: Any) -> Case:
        """A new case in ``reported``, its timeline opened by the report itself."""
        case = cls(status=CaseStatus.reported, version=1, **fields)
        case.events.append(CaseEvent(action="report", from_status=None,
                                     to_status=CaseStatus.reported.value, actor_id=actor_id,
                                     seq=0, data={}))
        return case

    @property
    def frequently_returned(self) -> bool:
        return self.return_count > FREQUENT_RETURNS

    def can(self, action: CaseAction) -> bool:
        return (self.status, action) in TRANSITIONS

    def apply(self, action: CaseAction, *, actor_id: int | None, note: str | None = None,
              reason: str | None = None, data: Mapping[str, Any] | None = None) -> CaseEvent:
        """Move to the next status and append an audit event. Raises InvalidTransition."""
        target = TRANSITIONS.get((self.status, action))
        if target is None:
            raise InvalidTransition(params={"action": action.value, "status": self.status.value})
        event = CaseEvent(action=action.value, from_status=self.status.value,
                          to_status=target.value, actor_id=actor_id, note=note, reason=reason,
                          data=dict(data or {}), seq=self.version)
        self.status = target
        self.version += 1
        self.updated_at = func.now()
        self.events.append(event)
        return event


def due_deadline_sql() -> str:
    """SQL for the deadline running in a case's status (NULL where none runs)."""
    whens = " ".join(f"WHEN '{status.value}' THEN {column}"
                     for status, column in DEADLINE_BY_STATUS.items())
    return f"CASE status {whens} END"


def escalatable_statuses_sql() -> str:
    return ", ".join(f"'{status.value}'" for status in sorted(ESCALATABLE_STATUSES))


class CaseEvent(Base):
    """One step of a case's timeline. The database refuses to change or delete it."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    case_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("cases.id"), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    action: Mapped[str] = mapped_column(String(30), nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(String(40))
    # Staff-only notes are kept out of residents' and the public's timeline.
    internal: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default=text("'{}'"))
    created_at: Mapped[datetime] = created_at_column()

    case: Mapped[Case] = relationship(back_populates="events")

    __table_args__ = (
        Index("uq_case_events_case_id_seq", "case_id", "seq", unique=True),
    )
