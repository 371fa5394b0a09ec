"""Who sees a grid worker's tracks and field data: the worker, supervisors over any of
the worker's cells, and admins. Everyone else is told the patrol does not exist."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from grid_api.identity.principal import Principal
from models.area import Area
from models.user import GridAssignment, Role


def worker_cell_ids(session: Session, worker_id: int) -> set[int]:
    return set(session.execute(select(GridAssignment.area_id).where(
        GridAssignment.user_id == worker_id)).scalars())


def can_view_track(session: Session, principal: Principal, worker_id: int) -> bool:
    if worker_id == principal.user_id or principal.has(Role.admin):
        return True
    if not (principal.has(Role.supervisor) and principal.area_path):
        return False
    return session.execute(select(exists().where(
        GridAssignment.user_id == worker_id, GridAssignment.area_id == Area.id,
        Area.path.startswith(principal.area_path)))).scalar()
