"""Load the authorization view of a user (roles and scopes) for one request."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from grid_api.authz import Principal
from models.area import Area
from models.user import GridAssignment, Role, TokenFamily, User


def principal_for(session: Session, user: User, family_id: str | None = None, *,
                  area_path: str | None = None) -> Principal:
    roles = frozenset(Role(role) for role in user.roles)
    grid_ids: frozenset[int] = frozenset()
    if Role.grid_worker in roles:
        grid_ids = frozenset(session.execute(
            select(GridAssignment.area_id).where(GridAssignment.user_id == user.id)
        ).scalars())
    if area_path is None and user.area_id is not None:
        area_path = session.execute(select(Area.path).where(Area.id == user.area_id)).scalar()
    return Principal(user_id=user.id, roles=roles, unit_id=user.unit_id, area_id=user.area_id,
                     area_path=area_path, grid_ids=grid_ids, family_id=family_id)


def load_principal(session: Session, user_id: int, *, token_version: int | None,
                   family_id: str | None) -> Principal | None:
    """The principal, or None when the account is gone or disabled, the token outdated,
    or its session (token family) revoked."""
    try:
        family = uuid.UUID(str(family_id))
    except ValueError:
        return None
    row = session.execute(
        select(User, TokenFamily.revoked_at, Area.path)
        .join(TokenFamily, TokenFamily.user_id == User.id)
        .outerjoin(Area, Area.id == User.area_id)
        .where(User.id == user_id, TokenFamily.id == family)
    ).one_or_none()
    if row is None:
        return None
    user, family_revoked_at, area_path = row
    if family_revoked_at or user.disabled_at or user.token_version != token_version:
        return None
    return principal_for(session, user, str(family), area_path=area_path)
