"""Who may manage which part of the area tree."""

from __future__ import annotations

from grid_api.identity.principal import Principal
from models.user import Role


def in_area_scope(principal: Principal, area_path: str) -> bool:
    """A supervisor's scope covers every area at or below their area."""
    return principal.area_path is not None and area_path.startswith(principal.area_path)


def can_manage_area(principal: Principal, area_path: str) -> bool:
    """Admins everywhere; supervisors within their area subtree."""
    return principal.has(Role.admin) or (principal.has(Role.supervisor)
                                         and in_area_scope(principal, area_path))
