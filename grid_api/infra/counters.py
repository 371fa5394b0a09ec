"""Event counters for /metrics, kept in PostgreSQL (``models.counter``).

A counter is incremented in the transaction of what it counts: it counts what committed,
reads the same from every API replica, and neither reads 0 nor runs backwards when Redis
is down or loses its data.
"""

from __future__ import annotations

import random

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from models.counter import EventCounter

SHARDS = 8
COUNTERS = {
    "dispatched": "Cases dispatched automatically by a routing rule",
    "manual_dispatch": "Registered cases no routing rule matched",
    "escalations": "Overdue escalations (one per case and level)",
    "sla_sweeps": "SLA sweeps run",
    "outbox_delivered": "Outbox messages delivered",
}


def increment(session: Session, name: str, amount: int = 1) -> None:
    """Add ``amount`` to counter ``name`` when ``session`` commits."""
    if amount <= 0:
        return
    shard = random.randrange(SHARDS)  # noqa: S311 - spreads row locks, nothing secret
    statement = insert(EventCounter).values(name=name, shard=shard, value=amount)
    session.execute(statement.on_conflict_do_update(
        index_elements=[EventCounter.name, EventCounter.shard],
        set_={"value": EventCounter.value + statement.excluded.value}))


def read_all(session: Session) -> dict[str, int]:
    totals = dict.fromkeys(COUNTERS, 0)
    rows = session.execute(select(EventCounter.name, func.sum(EventCounter.value))
                           .group_by(EventCounter.name))
    for name, total in rows:
        if name in totals:
            totals[name] = int(total)
    return totals
