"""Integration clients and their API keys: registration, rotation with an overlap window,
revocation, and recognising a key on a request.

A key is ``gk_`` and 43 URL-safe characters (256 random bits). Only its SHA-256 is kept:
a key that random needs no slow hash, and the digest is looked up by a unique index.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from limits import parse_many
from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import Session

from grid_api.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from models.integration import ApiKey, ClientChannel, ClientOperation, IntegrationClient
from models.user import Role, User

KEY_PREFIX = "gk_"
SHOWN_PREFIX_LENGTH = 10  # "gk_" and 7 characters: enough to tell keys apart in a list
MAX_OVERLAP_HOURS = 30 * 24
# A service account can never sign in: no password hash matches "!", and no phone number
# a person can register starts with "+0".
UNUSABLE_PASSWORD = "!"  # noqa: S105 - not a password


@dataclass(frozen=True)
class ClientIdentity:
    """The client behind a request's API key."""

    client_id: int
    account_id: int
    name: str
    channel: ClientChannel
    operations: frozenset[str]
    rate_limit: str

    def may(self, operation: ClientOperation) -> bool:
        return operation.value in self.operations


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def _new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def check_rate_limit(value: str) -> str:
    """Raises ValidationFailed unless ``value`` is a limits string ("120 per minute")."""
    try:
        parse_many(value)
    except ValueError as exc:
        raise ValidationFailed(errors={"rate_limit": [
            'Not a rate limit, e.g. "120 per minute;2000 per hour".']}) from exc
    return value


def _issue_key(session: Session, client: IntegrationClient) -> str:
    raw = _new_key()
    session.add(ApiKey(client_id=client.id, key_hash=hash_key(raw),
                       prefix=raw[:SHOWN_PREFIX_LENGTH]))
    return raw


def create_client(session: Session, *, name: str, channel: ClientChannel,
                  operations: list[str], rate_limit: str,
                  owner_id: int | None = None) -> tuple[IntegrationClient, str]:
    """Register a client with its service account and first key; returns the key, which
    is never shown again. Raises Conflict (name taken), ValidationFailed."""
    check_rate_limit(rate_limit)
    if session.execute(select(IntegrationClient.id)
                       .where(IntegrationClient.name == name)).first():
        raise Conflict("client_exists")
    _check_owner(session, owner_id)
    account = User(phone="+0" + secrets.token_hex(7), display_name=name[:50],
                   password_hash=UNUSABLE_PASSWORD, roles=[Role.resident.value])
    session.add(account)
    session.flush()  # the account's id
    client = IntegrationClient(name=name, channel=channel, operations=sorted(set(operations)),
                               rate_limit=rate_limit, account_id=account.id, owner_id=owner_id)
    session.add(client)
    session.flush()  # the client's id, for its key
    return client, _issue_key(session, client)


def _check_owner(session: Session, owner_id: int | None) -> None:
    if owner_id is None:
        return
    roles = session.execute(select(User.roles).where(User.id == owner_id)).scalar()
    if roles is None or (Role.resident.value in roles and len(roles) == 1):
        raise ValidationFailed(errors={"owner_id": ["No such staff member."]})


def get_client(session: Session, client_id: int, *, for_update: bool = False
               ) -> IntegrationClient:
    query = select(IntegrationClient).where(IntegrationClient.id == client_id)
    client = session.execute(query.with_for_update() if for_update else query
                             ).scalar_one_or_none()
    if client is None:
        raise NotFound
    return client


def clients_query() -> Select:
    return select(IntegrationClient)


def keys_of(session: Session, client_id: int) -> list[ApiKey]:
    return list(session.execute(select(ApiKey).where(ApiKey.client_id == client_id)
                                .order_by(ApiKey.id)).scalars())


def update_client(session: Session, client_id: int, **changes) -> IntegrationClient:
    """Raises NotFound, ValidationFailed."""
    client = get_client(session, client_id, for_update=True)
    if "rate_limit" in changes:
        check_rate_limit(changes["rate_limit"])
    if "owner_id" in changes:
        _check_owner(session, changes["owner_id"])
    if "operations" in changes:
        changes["operations"] = sorted(set(changes["operations"]))
    for name, value in changes.items():
        setattr(client, name, value)
    return client


def rotate_key(session: Session, client_id: int, *, overlap_hours: int,
               now: datetime | None = None) -> str:
    """A new key; the keys in use keep working for ``overlap_hours`` (0: stop at once).

    Raises NotFound, Conflict (client revoked)."""
    now = now or datetime.now(UTC)
    client = get_client(session, client_id, for_update=True)
    if client.revoked_at is not None:
        raise Conflict("client_revoked")
    until = now + timedelta(hours=overlap_hours)
    session.execute(
        update(ApiKey)
        .where(ApiKey.client_id == client.id, ApiKey.revoked_at.is_(None),
               or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > until))
        .values(expires_at=until))
    return _issue_key(session, client)


def revoke_key(session: Session, client_id: int, key_id: int,
               now: datetime | None = None) -> None:
    """Stop one key at once. Raises NotFound."""
    key = session.execute(select(ApiKey).where(ApiKey.id == key_id,
                                               ApiKey.client_id == client_id)
                          ).scalar_one_or_none()
    if key is None:
        raise NotFound
    if key.revoked_at is None:
        key.revoked_at = now or datetime.now(UTC)


def revoke_client(session: Session, client_id: int, now: datetime | None = None) -> None:
    """Stop the client and every key it holds; its cases and history stay. Raises NotFound."""
    now = now or datetime.now(UTC)
    client = get_client(session, client_id, for_update=True)
    if client.revoked_at is None:
        client.revoked_at = now
    session.execute(update(ApiKey).where(ApiKey.client_id == client.id,
                                         ApiKey.revoked_at.is_(None)).values(revoked_at=now))


# Run on every request that carries a key: plain columns, one indexed lookup.
_KEY_QUERY = (
    select(ApiKey.id, ApiKey.expires_at, ApiKey.last_used_at, IntegrationClient.id.label("cid"),
           IntegrationClient.account_id, IntegrationClient.name, IntegrationClient.channel,
           IntegrationClient.operations, IntegrationClient.rate_limit)
    .join(IntegrationClient, IntegrationClient.id == ApiKey.client_id)
    .where(ApiKey.revoked_at.is_(None), IntegrationClient.revoked_at.is_(None))
)
LAST_USED_RESOLUTION = timedelta(minutes=1)  # don't write a row on every request


def authenticate(session: Session, raw: str | None, now: datetime | None = None
                 ) -> ClientIdentity:
    """The client whose live key this is. Raises PermissionDenied (missing, wrong,
    expired or revoked key)."""
    if not raw or not raw.startswith(KEY_PREFIX) or len(raw) > 100:  # noqa: PLR2004
        raise PermissionDenied("invalid_api_key")
    now = now or datetime.now(UTC)
    row = session.execute(_KEY_QUERY.where(ApiKey.key_hash == hash_key(raw))).one_or_none()
    if row is None or (row.expires_at is not None and row.expires_at <= now):
        raise PermissionDenied("invalid_api_key")
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        session.execute(update(ApiKey).where(ApiKey.id == row.id).values(last_used_at=now))
    return ClientIdentity(client_id=row.cid, account_id=row.account_id, name=row.name,
                          channel=row.channel, operations=frozenset(row.operations),
                          rate_limit=row.rate_limit)
