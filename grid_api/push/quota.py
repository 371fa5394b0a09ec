"""A channel whose quota is spent is left alone by every worker until the quota is back:
the stop lives in Redis and expires by itself."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime

from redis import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
KEY = "push:stopped:"


def stop(connection: Redis, provider: str, until: datetime) -> bool:
    """Stop ``provider`` until ``until``; False when it was stopped already."""
    try:
        return bool(connection.set(KEY + provider, until.isoformat(), nx=True,
                                   exat=int(until.timestamp()) + 1))
    except RedisError:
        log.warning("redis unavailable; quota stop of %s not shared", provider)
        return False


def stopped(connection: Redis, providers: Iterable[str]) -> dict[str, datetime]:
    """The stopped ones among ``providers``, with when they may be used again."""
    names = list(providers)
    try:
        values = connection.mget([KEY + name for name in names]) if names else []
    except RedisError:
        log.warning("redis unavailable; every push channel taken as open")
        return {}
    now = datetime.now(UTC)
    found = {name: datetime.fromisoformat(value.decode() if isinstance(value, bytes) else value)
             for name, value in zip(names, values, strict=True) if value}
    return {name: until for name, until in found.items() if until > now}


def resume(connection: Redis, provider: str) -> None:
    """Lift a stop before its time (an operator who raised the quota)."""
    connection.delete(KEY + provider)
