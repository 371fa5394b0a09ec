"""Endpoint permissions: every view declares one with :func:`require`.

A test walks the URL map and fails on any view without a declared permission (deny by
default); object checks live in each feature's ``policy`` module.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from grid_api.errors import PermissionDenied
from grid_api.identity.principal import Principal
from grid_api.web import auth
from models.user import Role

P = ParamSpec("P")
R = TypeVar("R")
PERMISSION_ATTR = "__grid_permission__"


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
            if not permission.public and not permission.allows(auth.current_principal()):
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
