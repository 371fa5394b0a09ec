"""The closed loop as commands on one case: who may act, what each command records, and the
version check and row lock that keep concurrent actions from colliding."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grid_api.cases import commands as c
from grid_api.cases import deadlines, outcomes, policy, queries, tally
from grid_api.cases.audiences import announce
from grid_api.cases.settings import CaseSettings
from grid_api.errors import (
    BusinessRuleViolation,
    Conflict,
    InvalidTransition,
    PermissionDenied,
    StaleVersion,
    ValidationFailed,
)
from grid_api.identity.principal import SYSTEM, Principal
from grid_api.infra import outbox
from grid_api.notifications.inbox import notify_area_supervisors
from grid_api.working_time.calendar import WorkingCalendar
from models.attachment import Attachment
from models.case import DEADLINE_BY_STATUS, Case, CaseAction
from models.category import Category
from models.outbox import Topic
from models.outcome import OutcomeKind
from models.unit import Unit


@dataclass
class ActionContext:
    session: Session
    actor: Principal  # a signed-in user, or SYSTEM
    settings: CaseSettings
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    _calendar: WorkingCalendar | None = None

    @property
    def calendar(self) -> WorkingCalendar:
        if self._calendar is None:
            self._calendar = deadlines.calendar(self.session, self.settings)
        return self._calendar

    def deadline(self, case: Case, stage: str, start: datetime | None = None) -> datetime | None:
        """The deadline of ``stage`` started at ``start`` (now); urgent limits for 急要件."""
        category = self.session.get(Category, case.category_id)
        return deadlines.deadline(self.calendar, category, stage, start or self.now,
                                  urgent=case.urgent,
                                  urgent_percent=self.settings.urgent_limit_percent)

    def handle_deadline(self, case: Case) -> datetime | None:
        return self.deadline(case, "handle")


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when is not None else None


C = TypeVar("C", bound=c.Command)
Handler = Callable[[ActionContext, Case, Any], dict[str, Any]]
HANDLERS: dict[type[c.Command], Handler] = {}


def handles(command: type[C]) -> Callable[[Callable[[ActionContext, Case, C], dict[str, Any]]],
                                          Callable[[ActionContext, Case, C], dict[str, Any]]]:
    """Register what a command records on the case (its timeline data is the return value)."""
    def register(handler):
        HANDLERS[command] = handler
        return handler
    return register


@handles(c.Register)
def _register(ctx: ActionContext, case: Case, cmd: c.Register) -> dict[str, Any]:
    case.registered_at = ctx.now
    return {}


@handles(c.Reject)
def _reject(ctx: ActionContext, case: Case, cmd: c.Reject) -> dict[str, Any]:
    if cmd.reason == "duplicate":
        if cmd.duplicate_of is None:
            raise ValidationFailed(errors={"duplicate_of": ["Missing data for required field."]})
        original = ctx.session.get(Case, cmd.duplicate_of)
        if original is None or original.id == case.id or not policy.can_view(ctx.actor,
                                                                             original):
            raise ValidationFailed(errors={"duplicate_of": ["No such case."]})
        case.duplicate_of_id = original.id
    recorded = outcomes.record(ctx.session, case, ctx.actor, outcomes.reject_outcome(cmd), cmd)
    if case.duplicate_of_id is not None:
        outcomes.follow_original(ctx.session, case)
    return {"duplicate_of": case.duplicate_of_id, **recorded}


@handles(c.Dispatch)
@handles(c.Reassign)
def _dispatch(ctx: ActionContext, case: Case, cmd: c.Dispatch) -> dict[str, Any]:
    unit = ctx.session.get(Unit, cmd.unit_id)
    if unit is None:
        raise ValidationFailed(errors={"unit_id": ["No such unit."]})
    if case.unit_id == unit.id:
        raise BusinessRuleViolation("already_with_unit")
    previous = case.unit_id
    case.unit_id, case.dispatched_at = unit.id, ctx.now
    case.needs_manual_dispatch = False
    case.handle_deadline = ctx.handle_deadline(case)
    return {"unit_id": unit.id, "previous_unit_id": previous,
            "handle_deadline": _iso(case.handle_deadline)}


@handles(c.Accept)
@handles(c.Verify)
def _status_only(ctx: ActionContext, case: Case, cmd: c.Command) -> dict[str, Any]:
    return {}


@handles(c.Defer)
def _defer(ctx: ActionContext, case: Case, cmd: c.Defer) -> dict[str, Any]:
    case.deferred = True
    return {}


@handles(c.Return)
def _return(ctx: ActionContext, case: Case, cmd: c.Return) -> dict[str, Any]:
    returned_by = case.unit_id
    case.unit_id, case.handle_deadline = None, None
    case.return_count += 1
    return {"unit_id": returned_by, "return_count": case.return_count}


@handles(c.RequestExtension)
def _request_extension(ctx: ActionContext, case: Case, cmd: c.RequestExtension) -> dict:
    if case.extension_requested_until is not None:
        raise Conflict("extension_pending")
    if cmd.until <= max(ctx.now, case.handle_deadline or ctx.now):
        raise ValidationFailed(errors={"until": ["Must be after the current deadline."]})
    case.extension_requested_until = cmd.until
    return {"until": cmd.until.isoformat()}


@handles(c.DecideExtension)
def _decide_extension(ctx: ActionContext, case: Case, cmd: c.DecideExtension) -> dict:
    requested = case.extension_requested_until
    if requested is None:
        raise Conflict("no_extension_pending")
    if cmd.approve:
        case.handle_deadline = requested
    case.extension_requested_until = None
    return {"until": requested.isoformat(), "approved": cmd.approve}


@handles(c.Resolve)
def _resolve(ctx: ActionContext, case: Case, cmd: c.Resolve) -> dict[str, Any]:
    category = ctx.session.get(Category, case.category_id)
    if category.photo_required:
        photos = ctx.session.execute(select(func.count()).where(
            Attachment.case_id == case.id, Attachment.purpose == "resolution")).scalar()
        if not photos:
            raise BusinessRuleViolation("photo_required")
    case.resolved_at = ctx.now
    case.verify_deadline = ctx.deadline(case, "verify")
    return {"verify_deadline": _iso(case.verify_deadline)}


@handles(c.HandleOnSite)
def _handle_on_site(ctx: ActionContext, case: Case, cmd: c.HandleOnSite) -> dict[str, Any]:
    case.resolved_at = ctx.now
    return {"before_photo_id": cmd.before_photo_id, "after_photo_id": cmd.after_photo_id}


def _rework(ctx: ActionContext, case: Case) -> dict[str, Any]:
    case.rework_count += 1
    case.resolved_at, case.verify_deadline = None, None
    case.handle_deadline = ctx.handle_deadline(case)
    return {"rework_count": case.rework_count, "handle_deadline": _iso(case.handle_deadline)}


@handles(c.Reopen)
def _reopen(ctx: ActionContext, case: Case, cmd: c.Reopen) -> dict[str, Any]:
    return _rework(ctx, case)


@handles(c.Close)
def _close(ctx: ActionContext, case: Case, cmd: c.Close) -> dict[str, Any]:
    case.closed_at = ctx.now
    return outcomes.record(ctx.session, case, ctx.actor, OutcomeKind(cmd.outcome), cmd)


@handles(c.Comment)
def _comment(ctx: ActionContext, case: Case, cmd: c.Comment) -> dict[str, Any]:
    if cmd.internal and not ctx.actor.is_staff:
        raise PermissionDenied("internal_notes_are_for_staff")
    return {}


@handles(c.Rate)
def _rate(ctx: ActionContext, case: Case, cmd: c.Rate) -> dict[str, Any]:
    if case.rating is not None:
        raise Conflict("already_rated")
    case.rating = cmd.score
    return {"score": cmd.score}


@handles(c.Dispute)
def _dispute(ctx: ActionContext, case: Case, cmd: c.Dispute) -> dict[str, Any]:
    window = timedelta(days=ctx.settings.dispute_days)
    if case.closed_at is None or ctx.now > case.closed_at + window:
        raise BusinessRuleViolation("dispute_window_closed",
                                    params={"days": ctx.settings.dispute_days})
    case.closed_at = None
    outcomes.mark_disputed(ctx.session, case.id, ctx.now)
    return _rework(ctx, case)


# When the stage running in each status started: urgency re-times it from there.
_STAGE_STARTS = {"register_deadline": "created_at", "handle_deadline": "dispatched_at",
                 "verify_deadline": "resolved_at"}


@handles(c.MarkUrgent)
def _mark_urgent(ctx: ActionContext, case: Case, cmd: c.MarkUrgent) -> dict[str, Any]:
    """急要件: the running stage gets the urgent limit from its start (never a later
    deadline); clearing the flag gives the ordinary limit back (never an earlier one)."""
    if case.urgent == cmd.urgent:
        raise Conflict("urgent_unchanged")
    case.urgent = cmd.urgent
    data: dict[str, Any] = {"urgent": cmd.urgent}
    column = DEADLINE_BY_STATUS.get(case.status)
    if column is not None:
        current = getattr(case, column)
        start = getattr(case, _STAGE_STARTS[column]) or ctx.now
        fresh = ctx.deadline(case, column.removesuffix("_deadline"), start)
        if current is not None and fresh is not None:
            fresh = min(current, fresh) if cmd.urgent else max(current, fresh)
        setattr(case, column, fresh or current)
        data[column] = _iso(fresh or current)
    return data


def schedule_auto_dispatch(session: Session, case_id: int) -> None:
    """A registered case waits for dispatch by routing rules, once this transaction commits."""
    outbox.add(session, Topic.auto_dispatch, case_id=case_id)


def tell_watchers(session: Session, case_id: int, kind: str) -> None:
    """Residents watching the case's area hear that it is new (``new``: it became public)
    or closed (``closed``), once this transaction commits."""
    outbox.add(session, Topic.watch_fan_out, case_id=case_id, kind=kind)


def _apply(ctx: ActionContext, case: Case, cmd: c.Command) -> None:
    action = cmd.case_action
    data = HANDLERS[type(cmd)](ctx, case, cmd)
    event = case.apply(action, actor_id=ctx.actor.user_id, note=cmd.note, reason=cmd.reason,
                       data=data)
    event.internal = cmd.internal
    event.created_at = ctx.now  # the time its deadlines were measured against
    tally.record(ctx.session, case, event)
    ctx.session.flush()  # the event id, for whoever is told about it next
    announce(ctx.session, case, event)
    if action is CaseAction.register:
        if not (case.handled_on_site and ctx.actor.is_system):  # 自行处置 needs no unit
            schedule_auto_dispatch(ctx.session, case.id)
        tell_watchers(ctx.session, case.id, "new")
    elif action is CaseAction.close:
        tell_watchers(ctx.session, case.id, "closed")
    elif action is CaseAction.return_:
        case.needs_manual_dispatch = True
        notify_area_supervisors(ctx.session, case, kind="case_returned")
    elif action is CaseAction.verify and ctx.settings.auto_close_verified:
        _apply(dataclasses.replace(ctx, actor=SYSTEM), case, c.Close())


def _require_transition(case: Case, action: CaseAction) -> None:
    if not case.can(action):
        raise InvalidTransition(params={"action": action.value, "status": case.status.value})


def apply_as_system(ctx: ActionContext, case: Case, cmd: c.Command) -> None:
    """A step the system takes on a case it has locked. Raises InvalidTransition."""
    _require_transition(case, cmd.case_action)
    _apply(dataclasses.replace(ctx, actor=SYSTEM), case, cmd)


def act(ctx: ActionContext, case_id: int, cmd: c.Command, *,
        expected_versions: frozenset[int] | None = None) -> Case:
    """Carry out ``cmd`` on the case, serialised on its row lock.

    ``expected_versions``: the versions the caller saw (If-Match); None accepts any.
    Raises NotFound (cannot see it), StaleVersion (the case changed meanwhile),
    PermissionDenied, InvalidTransition (not in this status), ValidationFailed,
    BusinessRuleViolation, Conflict.
    """
    case = queries.get_visible_case(ctx.session, ctx.actor, case_id, for_update=True)
    if expected_versions is not None and case.version not in expected_versions:
        raise StaleVersion
    if not policy.can(ctx.actor, cmd.case_action, case):
        raise PermissionDenied
    _require_transition(case, cmd.case_action)
    _apply(ctx, case, cmd)
    return case
