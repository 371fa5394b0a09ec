"""Outbox topics and the functions that carry them out; each is idempotent."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from models.outbox import Topic
from tasks import webhooks
from tasks.dispatch import auto_dispatch
from tasks.exports import run_export
from tasks.geography import grid_generation
from tasks.push import deliver_notifications
from tasks.residents import watch_fan_out

log = logging.getLogger(__name__)

Handler = Callable[..., Any]


def ping(session: Session, **payload: Any) -> None:
    """A no-op topic: proves the outbox → RQ → worker path end to end (tests, operators)."""
    log.info("outbox ping", extra={"payload": payload})


HANDLERS: dict[str, Handler] = {
    Topic.ping: ping,
    Topic.auto_dispatch: auto_dispatch,
    Topic.push_notification: deliver_notifications,
    Topic.grid_generation: grid_generation,
    Topic.watch_fan_out: watch_fan_out,
    Topic.webhook_fan_out: webhooks.fan_out,
    Topic.webhook_deliver: webhooks.deliver,
    Topic.export: run_export,
}
