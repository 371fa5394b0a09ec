"""Deleting a resident's account: personal data erased, their cases kept, anonymised."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from grid_api.errors import PermissionDenied, Unauthenticated
from grid_api.identity.accounts import get_user
from grid_api.identity.sessions import revoke_all
from grid_api.infra.passwords import PasswordService
from models.device import Device
from models.follow import CaseFollower
from models.idempotency import IdempotencyKey
from models.notification import Notification
from models.user import STAFF_ROLES, Role
from models.watch import WatchArea, WatchNotice

ERASED_NAME = "已注销用户"
# Rows that are about the person, not about a case: deleted outright.
_PERSONAL = (Device, Notification, CaseFollower, WatchArea, WatchNotice, IdempotencyKey)


def delete_account(session: Session, passwords: PasswordService, user_id: int, *,
                   password: str) -> None:
    """Erase the account's personal data and end its sessions (published after the commit).

    Cases stay (the city's record), pointing at an account with no name, phone number or
    password left. Raises Unauthenticated (wrong password), PermissionDenied (a staff
    account: administrators manage those).
    """
    user = get_user(session, user_id)
    if {Role(role) for role in user.roles} & STAFF_ROLES:
        raise PermissionDenied("staff_accounts_are_managed")
    if not passwords.verify(user.password_hash, password):
        raise Unauthenticated("bad_credentials")
    for model in _PERSONAL:
        session.execute(delete(model).where(model.user_id == user.id))
    revoke_all(session, user, reason="account_deleted")
    now = datetime.now(UTC)
    user.phone = f"deleted:{user.id:x}"  # unique, not a number: the phone may register again
    user.display_name = ERASED_NAME
    user.password_hash = "!"  # noqa: S105 - not a hash: no password verifies against it
    user.disabled_at = user.deleted_at = now
