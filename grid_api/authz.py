"""Authorization: who may do what, declared on every endpoint and decided in one place.

Endpoints declare a :class:`Permission` with :func:`require`; a test walks the URL map
and fails on any view without one. Object checks (``can_*``) and list scoping live here
too, as pure functions over a :class:`Principal`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import ColumnElement, or_, true

from grid_api.errors import PermissionDenied
from models.case import Case, CaseAction, CaseStatus
from models.user import Role

P = ParamSpec("P")
R = TypeVar("R")
PERMISSION_ATTR = "__grid_permission__"


@dataclass(frozen=True)
class Principal:
    """The signed-in user as authorization sees them, loaded once per request."""

    user_id: int
    roles: frozenset[Role]
    unit_id: int | None = None
    area_id: int | None = None
    area_path: str | None = None  # supervisor scope: every area whose path starts with this
    grid_ids: frozenset[int] = field(default_factory=frozenset)
    family_id: str | None = None

    def has(self, role: Role) -> bool:
        return role in self.roles

    @property
    def is_staff(self) -> bool:
        return bool(self.roles - {Role.resident})


@dataclass(frozen=True)
class Permission:
    """A named rule over the principal; ``roles=None`` with ``public`` means no login needed."""

    name: str
    roles: frozenset[Role] | None = None
    public: bool = False

    def allows(self, principal: Principal | None) -> bool:
        if self.public:
            return True
        if principal is None:
            return False
        return self.roles is None or bool(principal.roles & self.roles)


PUBLIC = Permission("public", public=True)
AUTHENTICATED = Permission("authenticated")
ADMIN = Permission("admin", frozenset({Role.admin}))
STAFF = Permission("staff", frozenset(Role) - {Role.resident})
SUPERVISION = Permission("supervision", frozenset({Role.supervisor, Role.admin}))


def require(permission: Permission) -> Callable[[Callable[P, R]], Callable[[Callable[P, R]], R]]:
    """Declare (and enforce) the permission of a view method."""

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            if not permission.public:
                from grid_api.auth import current_principal  # noqa: PLC0415 - web layer

                if not permission.allows(current_principal()):
                    raise PermissionDenied
            return view(*args, **kwargs)

        setattr(wrapper, PERMISSION_ATTR, permission)
        if not permission.public:
            apidoc: dict[str, Any] = dict(getattr(wrapper, "_apidoc", {}))
            manual = dict(apidoc.get("manual_doc", {}))
            manual.setdefault("security", [{"bearerAuth": []}])
            apidoc["manual_doc"] = manual
            wrapper._apidoc = apidoc  # type: ignore[attr-defined]
        return wrapper

    return decorator


def declared_permission(view: Callable[..., Any]) -> Permission | None:
    return getattr(view, PERMISSION_ATTR, None)


def in_area_scope(principal: Principal, area_path: str) -> bool:
    """A supervisor's scope covers every area at or below their area."""
    return principal.area_path is not None and area_path.startswith(principal.area_path)


def can_manage_area(principal: Principal, area_path: str) -> bool:
    """Admins everywhere; supervisors within their area subtree."""
    return principal.has(Role.admin) or (principal.has(Role.supervisor)
                                         and in_area_scope(principal, area_path))


# --- cases -----------------------------------------------------------------------------
# Which role may take which action on a case it can see; scope is checked by ``can``.
_SUPERVISOR_ACTIONS = frozenset({
    CaseAction.register, CaseAction.reject, CaseAction.dispatch, CaseAction.reassign,
    CaseAction.approve_extension, CaseAction.deny_extension, CaseAction.defer, CaseAction.close,
})
_UNIT_ACTIONS = frozenset({CaseAction.accept, CaseAction.return_, CaseAction.request_extension,
                           CaseAction.resolve})
_VERIFIER_ACTIONS = frozenset({CaseAction.verify, CaseAction.reopen})
_REPORTER_ACTIONS = frozenset({CaseAction.rate, CaseAction.dispute})
PUBLIC_STATUSES = frozenset(CaseStatus) - {CaseStatus.reported, CaseStatus.rejected}


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
