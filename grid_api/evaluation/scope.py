"""Whose numbers a caller may read: supervisors their area subtree, unit staff their unit,
grid workers their own reports, admins everything. Checked before any query runs."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from grid_api.errors import PermissionDenied, ValidationFailed
from grid_api.identity.principal import Principal
from models.area import Area
from models.user import Role


@dataclass(frozen=True)
class Asked:
    """The filters a request names."""

    area_id: int | None = None
    unit_id: int | None = None
    worker_id: int | None = None


@dataclass(frozen=True)
class Granted:
    area_id: int | None
    area_path: str | None
    unit_id: int | None
    worker_id: int | None


def area_path_of(session: Session, area_id: int) -> str:
    path = session.execute(select(Area.path).where(Area.id == area_id)).scalar()
    if path is None:
        raise ValidationFailed(errors={"area": ["No such area."]})
    return path


def grant(session: Session, principal: Principal, asked: Asked) -> Granted:
    """The filters the caller may use: their own scope where they name none, refused where
    they name one outside it. Raises PermissionDenied, ValidationFailed (no such area)."""
    path = area_path_of(session, asked.area_id) if asked.area_id is not None else None
    if principal.has(Role.admin):
        return Granted(asked.area_id, path, asked.unit_id, asked.worker_id)
    if principal.has(Role.supervisor) and principal.area_path:
        if path is None:
            return Granted(principal.area_id, principal.area_path, asked.unit_id,
                           asked.worker_id)
        if not path.startswith(principal.area_path):
            raise PermissionDenied("outside_your_scope")
        return Granted(asked.area_id, path, asked.unit_id, asked.worker_id)
    if principal.has(Role.unit_staff) and principal.unit_id is not None:
        if asked.unit_id not in (None, principal.unit_id) or asked.worker_id is not None:
            raise PermissionDenied("outside_your_scope")
        return Granted(asked.area_id, path, principal.unit_id, None)
    if principal.has(Role.grid_worker):
        if asked.worker_id not in (None, principal.user_id) or asked.unit_id is not None:
            raise PermissionDenied("outside_your_scope")
        return Granted(asked.area_id, path, None, principal.user_id)
    raise PermissionDenied
