"""Load the authorization view of a user (roles and scopes) for one request."""

from __future__ import annotations

import uuid

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from grid_api.authz import Principal
from models.area import Area
from models.user import GridAssignment, Role, User


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


# Run by every authenticated request: plain SQL, no statement to build or compile.
PRINCIPAL_SQL = text("""
    SELECT u.roles, u.unit_id, u.area_id, area.path AS area_path,
           ARRAY(SELECT g.area_id FROM grid_assignments g WHERE g.user_id = u.id) AS grid_ids
    FROM users u
    JOIN token_families f ON f.user_id = u.id
    LEFT JOIN areas area ON area.id = u.area_id
    WHERE u.id = :user_id AND f.id = :family_id AND f.revoked_at IS NULL
      AND u.disabled_at IS NULL AND u.token_version = :token_version
""")


def load_principal(session: Session, user_id: int, *, token_version: int | None,
                   family_id: str | None) -> Principal | None:
    """The principal, or None when the account is gone or disabled, the token outdated,
    or its session (token family) revoked."""
    try:
        family = uuid.UUID(str(family_id))
    except ValueError:
        return None
    row = session.execute(PRINCIPAL_SQL, {"user_id": user_id, "family_id": family,
                                          "token_version": token_version}).one_or_none()
    if row is None:
        return None
    return Principal(user_id=user_id, roles=frozenset(Role(role) for role in row.roles),
                     unit_id=row.unit_id, area_id=row.area_id, area_path=row.area_path,
                     grid_ids=frozenset(row.grid_ids), family_id=str(family))
