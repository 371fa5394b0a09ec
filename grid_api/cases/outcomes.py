"""Honest outcomes: every closed or rejected case says what became of it (fixed, not fixable
now and why, not ours and whose, duplicate of which case, invalid) and who decided, by role
and the unit or area they act for, never by name. Disputes count against the handling unit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from grid_api.cases.commands import Outcome, Reject
from grid_api.errors import ValidationFailed
from grid_api.identity.principal import Principal
from models.area import Area
from models.case import Case
from models.follow import CaseFollower
from models.outcome import CaseOutcome, OutcomeKind
from models.unit import Unit
from models.user import Role

# A rejection's reason code says its outcome; "other" must say it outright.
_BY_REJECT_REASON = {"duplicate": OutcomeKind.duplicate, "invalid": OutcomeKind.invalid,
                     "out_of_scope": OutcomeKind.not_our_responsibility}
_ROLE_ORDER = (Role.supervisor, Role.unit_staff, Role.grid_worker, Role.admin)


def reject_outcome(cmd: Reject) -> OutcomeKind:
    """Raises ValidationFailed when neither the reason nor ``outcome`` says it."""
    chosen = (OutcomeKind.duplicate if cmd.reason == "duplicate"
              else cmd.outcome or _BY_REJECT_REASON.get(cmd.reason))
    if chosen is None:
        raise ValidationFailed(errors={"outcome": ["Missing data for required field."]})
    return OutcomeKind(chosen)


def _decided_by(session: Session, principal: Principal,
                case: Case) -> tuple[str, str | None]:
    """The deciding role and the unit (or area) it acts for."""
    if principal.user_id is None:
        return "system", None  # e.g. closed by itself once verified on site
    role = next((r for r in _ROLE_ORDER if principal.has(r)), Role.resident)
    if role is Role.supervisor and principal.area_id is not None:
        return role.value, session.execute(select(Area.name).where(
            Area.id == principal.area_id)).scalar()
    if role is Role.unit_staff and principal.unit_id is not None:
        return role.value, session.get(Unit, principal.unit_id).name
    if role is Role.grid_worker:
        return role.value, session.execute(select(Area.name).where(
            Area.id == case.grid_id)).scalar()
    return role.value, None


def record(session: Session, case: Case, principal: Principal, kind: OutcomeKind,
           stated: Outcome) -> dict[str, Any]:
    """Record the decision; returns it for the event's data. Raises ValidationFailed (a
    reason or the responsible body missing where the outcome needs one)."""
    reason, body = stated.outcome_reason, stated.responsible_body
    if kind is OutcomeKind.not_fixable_now and not reason:
        raise ValidationFailed(errors={"outcome_reason": ["Missing data for required field."]})
    if kind is OutcomeKind.not_our_responsibility and not body:
        raise ValidationFailed(errors={"responsible_body": [
            "Missing data for required field."]})
    role, unit = _decided_by(session, principal, case)
    session.add(CaseOutcome(
        case_id=case.id, kind=kind.value, reason=reason if kind is OutcomeKind.not_fixable_now
        else None, responsible_body=body if kind is OutcomeKind.not_our_responsibility else None,
        duplicate_of_id=case.duplicate_of_id if kind is OutcomeKind.duplicate else None,
        decided_role=role, decided_unit=unit, unit_id=case.unit_id))
    return {"outcome": kind.value}


def follow_original(session: Session, case: Case) -> bool:
    """The reporter of a duplicate follows the original instead; False if it is their own."""
    original = session.get(Case, case.duplicate_of_id)
    if original is None or original.reporter_id == case.reporter_id:
        return False
    session.execute(insert(CaseFollower).values(
        case_id=original.id, user_id=case.reporter_id, via="duplicate").on_conflict_do_nothing())
    return True


def mark_disputed(session: Session, case_id: int, when: datetime) -> None:
    """The reporter disputes the case's latest outcome."""
    latest = select(func.max(CaseOutcome.id)).where(CaseOutcome.case_id == case_id)
    session.execute(update(CaseOutcome).where(CaseOutcome.id == latest.scalar_subquery())
                    .values(disputed_at=when))


def latest_outcomes(session: Session, case_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The newest outcome of each case, as the case view shows it."""
    newest = (select(func.max(CaseOutcome.id)).where(CaseOutcome.case_id.in_(list(case_ids)))
              .group_by(CaseOutcome.case_id))
    original = Case.__table__.alias("original")
    rows = session.execute(
        select(CaseOutcome, original.c.code).outerjoin(
            original, original.c.id == CaseOutcome.duplicate_of_id)
        .where(CaseOutcome.id.in_(newest)))
    return {outcome.case_id: {
        "kind": outcome.kind, "reason": outcome.reason,
        "responsible_body": outcome.responsible_body,
        "duplicate_of": {"id": outcome.duplicate_of_id, "code": code,
                         "href": f"/api/v1/cases/{outcome.duplicate_of_id}"}
        if outcome.duplicate_of_id else None,
        "decided_by": {"role": outcome.decided_role, "unit": outcome.decided_unit},
        "decided_at": outcome.created_at,
    } for outcome, code in rows}


def dispute_rates(session: Session, *, since: datetime | None,
                  until: datetime | None) -> Select:
    """Per handling unit: cases closed as fixed in the period, how many of those closures
    the reporter disputed, and the rate."""
    conditions = [CaseOutcome.kind == OutcomeKind.fixed.value, CaseOutcome.unit_id.is_not(None)]
    if since is not None:
        conditions.append(CaseOutcome.created_at >= since)
    if until is not None:
        conditions.append(CaseOutcome.created_at < until)
    fixed = func.count().label("fixed")
    disputed = func.count(CaseOutcome.disputed_at).label("disputed")
    return (select(Unit.id, Unit.code, Unit.name, fixed, disputed)
            .join(CaseOutcome, and_(CaseOutcome.unit_id == Unit.id, *conditions))
            .group_by(Unit.id).order_by(disputed.desc(), Unit.code))
