"""Event counters shared by every process (API, workers) through Redis, for /metrics."""

from __future__ import annotations

import logging

from redis import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
PREFIX = "metrics:"
COUNTERS = {
    "dispatched": "Cases dispatched automatically by a routing rule",
    "manual_dispatch": "Registered cases no routing rule matched",
    "escalations": "Overdue escalations (one per case and level)",
    "sla_sweeps": "SLA sweeps run",
    "outbox_delivered": "Outbox messages delivered",
}


def increment(connection: Redis, name: str, amount: int = 1) -> None:
    if amount <= 0:
        return
    try:
        connection.incrby(PREFIX + name, amount)
    except RedisError:
        log.warning("redis unavailable; counter %s not incremented", name)


def read_all(connection: Redis) -> dict[str, int]:
    values = connection.mget([PREFIX + name for name in COUNTERS])
    return {name: int(value or 0) for name, value in zip(COUNTERS, values, strict=True)}
