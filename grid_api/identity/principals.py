"""Load the authorization view of a user (roles and scopes) for one request."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from grid_api.identity.principal import Principal
from models.user import Role

# Run by every authenticated request: plain SQL, no statement to build or compile.
_PRINCIPAL_COLUMNS = """
    SELECT u.roles, u.unit_id, u.area_id, area.path AS area_path,
           ARRAY(SELECT g.area_id FROM grid_assignments g WHERE g.user_id = u.id) AS grid_ids
    FROM users u
    LEFT JOIN areas area ON area.id = u.area_id"""
PRINCIPAL_SQL = text(f"""{_PRINCIPAL_COLUMNS}
    JOIN token_families f ON f.user_id = u.id
    WHERE u.id = :user_id AND f.id = :family_id AND f.revoked_at IS NULL
      AND u.disabled_at IS NULL AND u.token_version = :token_version
""")
_USER_PRINCIPAL_SQL = text(f"{_PRINCIPAL_COLUMNS} WHERE u.id = :user_id")


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
    return None if row is None else _principal(user_id, row, str(family))


def principal_for(session: Session, user_id: int) -> Principal:
    """A user's principal outside any request or session (jobs, scripts, benchmarks)."""
    return _principal(user_id, session.execute(_USER_PRINCIPAL_SQL,
                                               {"user_id": user_id}).one(), None)


def _principal(user_id: int, row: Any, family_id: str | None) -> Principal:
    return Principal(user_id=user_id, roles=frozenset(Role(role) for role in row.roles),
                     unit_id=row.unit_id, area_id=row.area_id, area_path=row.area_path,
                     grid_ids=frozenset(row.grid_ids), family_id=family_id)
