"""Write background work into the outbox and hand it to RQ after the commit succeeds.

If Redis is down at that moment nothing is lost: the row stays undelivered and the
periodic sweeper (``tasks.relay.sweep``) enqueues it later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import event, insert
from sqlalchemy.orm import Session, sessionmaker

from models.outbox import OutboxMessage, Topic

log = logging.getLogger(__name__)
PENDING_KEY = "grid_outbox_pending"
Handoff = Callable[[list[tuple[int, str]]], Any]


def add(session: Session, topic: Topic, **payload: Any) -> OutboxMessage:
    """Record a job to run once the surrounding transaction commits."""
    message = OutboxMessage(topic=topic.value, queue=topic.queue, payload=payload)
    session.add(message)
    session.flush()  # the id is the job's identity
    session.info.setdefault(PENDING_KEY, []).append((message.id, topic.queue))
    return message


def add_many(session: Session, topic: Topic, payloads: list[dict[str, Any]]) -> list[int]:
    """``add`` for a batch, in one statement (the SLA sweep announces thousands at once)."""
    if not payloads:
        return []
    ids = list(session.execute(
        insert(OutboxMessage).returning(OutboxMessage.id),
        [{"topic": topic.value, "queue": topic.queue, "payload": payload}
         for payload in payloads],
    ).scalars())
    session.info.setdefault(PENDING_KEY, []).extend((message_id, topic.queue)
                                                    for message_id in ids)
    return ids


def install_hooks(factory: sessionmaker, handoff: Callable[[], Handoff]) -> None:
    """After each commit of a session from ``factory``, pass its new messages to ``handoff()``.

    ``handoff`` is looked up at commit time, so tests can record hand-offs instead.
    """

    @event.listens_for(factory, "after_commit")
    def _after_commit(session: Session) -> None:
        pending = session.info.pop(PENDING_KEY, None)
        if not pending:
            return
        try:
            handoff()(pending)
        except Exception:  # the commit stands; the sweeper delivers what was not handed off
            log.exception("outbox hand-off failed for %d message(s)", len(pending))

    @event.listens_for(factory, "after_rollback")
    def _after_rollback(session: Session) -> None:
        session.info.pop(PENDING_KEY, None)
