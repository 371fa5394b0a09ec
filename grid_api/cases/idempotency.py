"""Idempotency-Key handling: the first request's answer is stored and replayed to retries."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from grid_api.errors import BadRequest, ValidationFailed
from models.idempotency import IdempotencyKey

MAX_KEY_LENGTH = 100


@dataclass(frozen=True)
class Replay:
    status_code: int
    response: dict[str, Any]


def fingerprint(method: str, path: str, body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


def begin(session: Session, *, user_id: int, key: str, print_: str) -> int | Replay:
    """Claim ``key`` for this request (its row id), or the stored answer of the first one.

    A concurrent duplicate waits on the unique index until the first commits, then
    replays its answer. Raises BadRequest (a malformed key), ValidationFailed (the key was
    used for a different request).
    """
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise BadRequest("idempotency_key_invalid")
    claimed = session.execute(
        insert(IdempotencyKey).values(user_id=user_id, key=key, fingerprint=print_)
        .on_conflict_do_nothing(index_elements=["user_id", "key"])
        .returning(IdempotencyKey.id)
    ).scalar()
    if claimed is not None:
        return claimed
    stored = session.execute(select(IdempotencyKey).where(
        IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)).scalar_one()
    if stored.fingerprint != print_:
        raise ValidationFailed("idempotency_key_reused")
    return Replay(stored.status_code or 200, stored.response or {})


def finish(session: Session, claim_id: int, status_code: int, response: dict[str, Any]) -> None:
    stored = session.get(IdempotencyKey, claim_id)
    stored.status_code, stored.response = status_code, response
