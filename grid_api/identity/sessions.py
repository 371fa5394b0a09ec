"""Sign-in sessions: login, refresh-token rotation with reuse detection, logout, revoke-all."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from grid_api.errors import PermissionDenied, Unauthenticated
from grid_api.infra.passwords import PasswordService
from models.user import RefreshToken, TokenFamily, User


class RefreshTokenReused(Unauthenticated):
    """A refresh token came back after it was rotated: the family is revoked, and that
    revocation must be committed even though the request fails."""

    commit_before_raise = True

    def __init__(self, family_id: uuid.UUID) -> None:
        super().__init__("refresh_token_reused")
        self.family_id = family_id


@dataclass(frozen=True)
class SignedIn:
    user: User
    family_id: uuid.UUID
    refresh_jti: uuid.UUID


def _now() -> datetime:
    return datetime.now(UTC)


def _new_refresh_token(session: Session, family_id: uuid.UUID, lifetime: timedelta) -> uuid.UUID:
    jti = uuid.uuid4()
    session.add(RefreshToken(jti=jti, family_id=family_id, expires_at=_now() + lifetime))
    return jti


def login(session: Session, passwords: PasswordService, *, phone: str | None, password: str,
          refresh_lifetime: timedelta) -> SignedIn:
    """Start a session. Raises Unauthenticated (no hint whether the account exists),
    PermissionDenied for a disabled account (only once the password is right)."""
    user = None
    if phone is not None:
        user = session.execute(select(User).where(User.phone == phone)).scalar_one_or_none()
    if not passwords.verify(user.password_hash if user else None, password) or user is None:
        raise Unauthenticated("bad_credentials")
    if user.disabled_at is not None:
        raise PermissionDenied("account_disabled")
    family = TokenFamily(id=uuid.uuid4(), user_id=user.id)
    session.add(family)
    session.flush()  # the refresh token references the family
    return SignedIn(user, family.id, _new_refresh_token(session, family.id, refresh_lifetime))


def rotate(session: Session, *, jti: str, user_id: int, refresh_lifetime: timedelta) -> SignedIn:
    """Exchange a refresh token for a new pair. Raises Unauthenticated, RefreshTokenReused."""
    try:
        token_id = uuid.UUID(jti)
    except (TypeError, ValueError) as exc:
        raise Unauthenticated("token_invalid") from exc
    row = session.execute(
        select(RefreshToken, TokenFamily, User)
        .join(TokenFamily, TokenFamily.id == RefreshToken.family_id)
        .join(User, User.id == TokenFamily.user_id)
        .where(RefreshToken.jti == token_id, User.id == user_id)
        .with_for_update(of=RefreshToken)  # two concurrent refreshes: exactly one wins
    ).one_or_none()
    if row is None:
        raise Unauthenticated("token_invalid")
    token, family, user = row
    if family.revoked_at is not None or user.disabled_at is not None:
        raise Unauthenticated("token_revoked")
    if token.used_at is not None:
        revoke_family(session, family, reason="refresh_token_reused")
        raise RefreshTokenReused(family.id)
    if token.expires_at <= _now():
        raise Unauthenticated("token_expired")
    token.used_at = _now()
    return SignedIn(user, family.id, _new_refresh_token(session, family.id, refresh_lifetime))


REVOKED_FAMILIES_KEY = "grid_revoked_families"


def _note_revoked(session: Session, family_ids: list[uuid.UUID]) -> None:
    """Remember revocations so they are published to Redis once the commit succeeded."""
    session.info.setdefault(REVOKED_FAMILIES_KEY, []).extend(family_ids)


def revoke_family(session: Session, family: TokenFamily, *, reason: str) -> None:
    if family.revoked_at is None:
        family.revoked_at = _now()
        family.revoked_reason = reason
        _note_revoked(session, [family.id])


def logout(session: Session, *, family_id: str | uuid.UUID) -> None:
    family = session.get(TokenFamily, uuid.UUID(str(family_id)), with_for_update=True)
    if family is not None:
        revoke_family(session, family, reason="logout")


def revoke_all(session: Session, user: User, *, reason: str) -> list[uuid.UUID]:
    """End every session of ``user``; returns the families revoked."""
    user.token_version += 1
    revoked = session.execute(
        update(TokenFamily)
        .where(TokenFamily.user_id == user.id, TokenFamily.revoked_at.is_(None))
        .values(revoked_at=_now(), revoked_reason=reason)
        .returning(TokenFamily.id)
    ).scalars().all()
    _note_revoked(session, list(revoked))
    return list(revoked)
