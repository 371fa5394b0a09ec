"""Who may see and act on which case: object checks and their SQL twins for lists.

Pure functions over a :class:`Principal`; the SQL filters must agree with the object
checks (a test compares them over real rows for every role, scope and status).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, true

from grid_api.geography.policy import in_area_scope
from grid_api.identity.principal import Principal
from models.case import PUBLIC_STATUSES, Case, CaseAction
from models.user import Role

# Which role may take which action on a case it can see; scope is checked by ``can``.
_SUPERVISOR_ACTIONS = frozenset({
    CaseAction.register, CaseAction.reject, CaseAction.dispatch, CaseAction.reassign,
    CaseAction.approve_extension, CaseAction.deny_extension, CaseAction.defer, CaseAction.close,
    CaseAction.mark_urgent,
})
_UNIT_ACTIONS = frozenset({CaseAction.accept, CaseAction.return_, CaseAction.request_extension,
                           CaseAction.resolve})
_VERIFIER_ACTIONS = frozenset({CaseAction.verify, CaseAction.reopen})
_REPORTER_ACTIONS = frozenset({CaseAction.rate, CaseAction.dispute})


def _supervises(principal: Principal, case: Case) -> bool:
    return principal.has(Role.admin) or (principal.has(Role.supervisor)
                                         and in_area_scope(principal, case.area_path))


def _handles(principal: Principal, case: Case) -> bool:
    return (principal.has(Role.unit_staff) and case.unit_id is not None
            and principal.unit_id == case.unit_id)


def _patrols(principal: Principal, case: Case) -> bool:
    return principal.has(Role.grid_worker) and case.grid_id in principal.grid_ids


def can_view_full(principal: Principal, case: Case) -> bool:
    """The whole case: reporter identity, internal notes, photo evidence."""
    return (case.reporter_id == principal.user_id or _supervises(principal, case)
            or _handles(principal, case) or _patrols(principal, case))


def can_view(principal: Principal, case: Case) -> bool:
    """At least the redacted public form."""
    return can_view_full(principal, case) or case.status in PUBLIC_STATUSES


def can(principal: Principal, action: CaseAction, case: Case) -> bool:
    if action in _SUPERVISOR_ACTIONS:
        return _supervises(principal, case)
    if action in _UNIT_ACTIONS:
        return _handles(principal, case)
    if action in _VERIFIER_ACTIONS:
        return _patrols(principal, case) or _supervises(principal, case)
    if action in _REPORTER_ACTIONS:
        return case.reporter_id == principal.user_id
    if action is CaseAction.comment:
        return can_view_full(principal, case)
    return False


def cases_fully_visible_to(principal: Principal) -> ColumnElement[bool]:
    """SQL twin of :func:`can_view_full`, so a list never shows what a detail refuses."""
    if principal.has(Role.admin):
        return true()
    clauses = [Case.reporter_id == principal.user_id]
    if principal.has(Role.grid_worker) and principal.grid_ids:
        clauses.append(Case.grid_id.in_(sorted(principal.grid_ids)))
    if principal.has(Role.unit_staff) and principal.unit_id is not None:
        clauses.append(Case.unit_id == principal.unit_id)
    if principal.has(Role.supervisor) and principal.area_path:
        clauses.append(Case.area_path.startswith(principal.area_path))
    return or_(*clauses)


def cases_visible_to(principal: Principal) -> ColumnElement[bool]:
    """SQL twin of :func:`can_view`."""
    return or_(cases_fully_visible_to(principal), Case.status.in_(sorted(PUBLIC_STATUSES)))
