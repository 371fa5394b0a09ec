"""Outbox topic ``push.notification``: push each notification to its user's phones through
their channels (grid_api.push.delivery), asking to run again when some must wait."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from grid_api.notifications.views import render
from grid_api.push import channels, delivery
from tasks.context import job_app
from tasks.retry import RetryLater


def context() -> delivery.Context:
    app = job_app()
    return delivery.Context(
        channels=channels.for_settings(app.extensions["grid_push"]),
        redis=app.extensions["grid_redis"], new_session=app.extensions["grid_db"].new_session,
        render=render)


def deliver_notifications(session: Session, *, notification_ids: list[int],
                          **_: Any) -> None:
    """Raises RetryLater when some phones must wait for a channel (busy, down, out of
    quota, with none of their other tokens taking the push); the phones served are not
    pushed again."""
    del session  # the delivery ledger commits on its own: a push cannot be rolled back
    push_context = context()
    waiting = [result for notification_id in notification_ids
               if (result := delivery.deliver(push_context, notification_id))]
    if waiting:
        hints = [result.after for result in waiting]
        after = None if None in hints else timedelta(seconds=min(hints))  # type: ignore[type-var]
        raise RetryLater(f"{sum(result.phones for result in waiting)} phone(s) waiting: "
                         f"{waiting[0].detail}", after=after)
