"""The closed loop as actions on one case: who may act, what each action records, and the
preconditions (If-Match) and row lock that keep concurrent actions from colliding."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grid_api.cases import policy, queries
from grid_api.cases.audiences import announce
from grid_api.cases.queries import CaseSettings
from grid_api.errors import (
    BusinessRuleViolation,
    Conflict,
    InvalidTransition,
    PermissionDenied,
    StaleVersion,
    ValidationFailed,
)
from grid_api.identity.principal import Principal
from grid_api.notifications.inbox import notify_area_supervisors
from grid_api.working_time.calendar import WorkingCalendar
from models.attachment import Attachment
from models.case import Case, CaseAction
from models.category import Category
from models.unit import Unit

REJECT_REASONS = ("duplicate", "invalid", "out_of_scope", "other")
RETURN_REASONS = ("not_our_responsibility", "wrong_location", "insufficient_information",
                  "other")


@dataclass
class ActionContext:
    session: Session
    principal: Principal | None  # None: the system itself (automatic dispatch)
    settings: CaseSettings
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    _calendar: WorkingCalendar | None = None

    @property
    def calendar(self) -> WorkingCalendar:
        if self._calendar is None:
            self._calendar = queries.calendar(self.session, self.settings)
        return self._calendar

    def handle_deadline(self, case: Case) -> datetime | None:
        category = self.session.get(Category, case.category_id)
        return queries.deadline(self.calendar, category, "handle", self.now)


Handler = Callable[[ActionContext, Case, dict[str, Any]], dict[str, Any]]


def _required(params: dict[str, Any], name: str) -> Any:
    value = params.get(name)
    if value in (None, ""):
        raise ValidationFailed(errors={name: ["Missing data for required field."]})
    return value


def _register(ctx: ActionContext, case: Case, params: dict[str, Any]) -> dict[str, Any]:
    case.registered_at = ctx.now
    return {}


def _reject(ctx: ActionContext, case: Case, params: dict[str, Any]) -> dict[str, Any]:
    reason = _required(params, "reason")
    if reason == "duplicate":
        original_id = _required(params, "duplicate_of")
        original = ctx.session.get(Case, original_id)
        if original is None or original.id == case.id or not policy.can_view(ctx.principal,
                                                                             original):
            raise ValidationFailed(errors={"duplicate_of": ["No such case."]})
        case.duplicate_of_id = original.id
    return {"duplicate_of": case.duplicate_of_id}


def _dispatch(ctx: ActionContext, case: Case, params: dict[str, Any]) -> dict[str, Any]:
    unit = ctx.session.get(Unit, _required(params, "unit_id"))
    if unit is None:
        raise ValidationFailed(errors={"unit_id": ["No such unit."]})
    if case.unit_id == unit.id:
        raise BusinessRuleViolation("already_with_unit")
    previous = case.unit_id
    case.unit_id, case.dispatched_at = unit.id, ctx.now
    case.needs_manual_dispatch = False
    case.handle_deadline = ctx.handle_deadline(case)
    return {"unit_id": unit.id, "previous_unit_id": previous}


def _reassign(ctx: ActionContext, case: Case, params: dict[str, Any]) -> dict[str, Any]:
    _required(params, "note")
    return _dispatch(ctx, case, params)


def _accept(ctx: ActionContext, case: Case, params: dict[str, Any]) -> dict[str, Any]:
    return {}


def _return(ctx: ActionContext, case: Case, params: dict[str, Any]) -> dict[str, Any]:
    _required(params, "reason")
    returned_by = case.unit_id
    case.unit_id, case.handle_deadline = None, None
    case.return_count += 1
    return {"unit_id": returned_by, "return_count": case.return_count}


def _request_extension(ctx: ActionContext, case: Case, params: dict[str, Any]) -> dict:
    until = _required(params, "until")
    _required(params, "note")
    if case.extension_requested_until is not None:
        raise Conflict("extension_pending")
    if until <= max(ctx.now, case.handle_deadline or ctx.now):
        raise ValidationFailed(errors={"until": ["Must be after the current deadline."]})
    case.extension_requested_until = until
    return {"until": until.isoformat()}


def _decide_extension(approve: bool) -> Handler:
    def decide(ctx: ActionContext, case: Case, params: dict[str, Any]) -> dict[str, Any]:
        requested = case.extension_requested_until
        if requested is None:
            raise Conflict("no_extension_pending")
        if approve:
            case.handle_deadline = requested
        case.extension_requested_until = None
        return {"until": requested.isoformat(), "approved": approve}
    return decide


def _defer(ctx: ActionContext, case: Case, params: dict[str, Any]) -> dict[str, Any]:
    _required(params, "note")
    case.deferred = True
    return {}


def _resolve(ctx: ActionContext, case: Case, params: dict[str, Any]) -> dict[str, Any]:
    _required(params, "note")
    category = ctx.session.get(Category, case.category_id)
    if category.photo_required:
        photos = ctx.session.execute(select(func.count()).where(
            Attachment.case_id == case.id, Attachment.purpose == "resolution")).scalar()
        if not photos:
            raise BusinessRuleViolation("photo_required")
    case.resolved_at = ctx.now
    case.verify_deadline = queries.deadline(ctx.calendar, category, "verify", ctx.now)
    return {}


def _verify(ctx: ActionContext, case: Case, params: dict[str, Any]) -> dict[str, Any]:
    return {}


def _rework(ctx: ActionContext, case: Case) -> None:
    case.rework_count += 1
    case.resolved_at, case.verify_deadline = None, None
    case.handle_deadline = ctx.handle_deadline(case)


def _reopen(ctx: ActionContext, case: Case, params: dict[str, Any]) -> dict[str, Any]:
    _required(params, "note")
    _rework(ctx, case)
    return {"rework_count": case.rework_count}


def _close(ctx: ActionContext, case: Case, params: dict[str, Any]) -> dict[str, Any]:
    case.closed_at = ctx.now
    return {}


def _comment(ctx: ActionContext, case: Case, params: dict[str, Any]) -> dict[str, Any]:
    _required(params, "note")
    if params.get("internal") and not ctx.principal.is_staff:
        raise PermissionDenied("internal_notes_are_for_staff")
    return {}


def _rate(ctx: ActionContext, case: Case, params: dict[str, Any]) -> dict[str, Any]:
    score = _required(params, "score")
    if case.rating is not None:
        raise Conflict("already_rated")
    case.rating = score
    return {"score": score}


def _dispute(ctx: ActionContext, case: Case, params: dict[str, Any]) -> dict[str, Any]:
    _required(params, "note")
    window = timedelta(days=ctx.settings.dispute_days)
    if case.closed_at is None or ctx.now > case.closed_at + window:
        raise BusinessRuleViolation("dispute_window_closed",
                                    params={"days": ctx.settings.dispute_days})
    case.closed_at = None
    _rework(ctx, case)
    return {"rework_count": case.rework_count}


HANDLERS: dict[CaseAction, Handler] = {
    CaseAction.register: _register, CaseAction.reject: _reject,
    CaseAction.dispatch: _dispatch, CaseAction.reassign: _reassign,
    CaseAction.accept: _accept, CaseAction.return_: _return,
    CaseAction.request_extension: _request_extension,
    CaseAction.approve_extension: _decide_extension(approve=True),
    CaseAction.deny_extension: _decide_extension(approve=False),
    CaseAction.defer: _defer, CaseAction.resolve: _resolve, CaseAction.verify: _verify,
    CaseAction.reopen: _reopen, CaseAction.close: _close, CaseAction.comment: _comment,
    CaseAction.rate: _rate, CaseAction.dispute: _dispute,
}


def _check_precondition(case: Case, if_match: str | None) -> None:
    if if_match is None:
        return
    tags = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
    if "*" not in tags and queries.etag(case).removeprefix("W/") not in tags:
        raise StaleVersion


def _apply(ctx: ActionContext, case: Case, action: CaseAction, params: dict[str, Any]) -> None:
    data = HANDLERS[action](ctx, case, params)
    event = case.apply(action, actor_id=ctx.principal.user_id if ctx.principal else None,
                       note=params.get("note"), reason=params.get("reason"), data=data)
    event.internal = bool(params.get("internal"))
    ctx.session.flush()  # the event id, for whoever is told about it next
    announce(ctx.session, case, event)
    if action is CaseAction.register:
        queries.schedule_auto_dispatch(ctx.session, case.id)
    elif action is CaseAction.return_:
        case.needs_manual_dispatch = True
        notify_area_supervisors(ctx.session, case, kind="case_returned")
    elif action is CaseAction.verify and ctx.settings.auto_close_verified:
        _apply(dataclasses.replace(ctx, principal=None), case, CaseAction.close, {})


def apply_as_system(ctx: ActionContext, case: Case, action: CaseAction,
                    params: dict[str, Any]) -> None:
    """An action the system takes on a case it has locked. Raises InvalidTransition."""
    if not case.can(action):
        raise InvalidTransition(params={"action": action.value, "status": case.status.value})
    _apply(ctx, case, action, params)


def act(ctx: ActionContext, case_id: int, action: CaseAction, params: dict[str, Any], *,
        if_match: str | None = None) -> Case:
    """Take ``action`` on the case, serialised on its row lock.

    Raises NotFound (cannot see it), StaleVersion (If-Match is outdated), PermissionDenied,
    InvalidTransition (not in this status), ValidationFailed, BusinessRuleViolation, Conflict.
    """
    case = queries.get_visible_case(ctx.session, ctx.principal, case_id, for_update=True)
    _check_precondition(case, if_match)
    if not policy.can(ctx.principal, action, case):
        raise PermissionDenied
    if not case.can(action):
        raise InvalidTransition(params={"action": action.value, "status": case.status.value})
    _apply(ctx, case, action, params)
    return case
