"""Webhook jobs: the fan-out of a case event, one signed attempt, and the periodic hand-off
of retries that fell due. What to send and when lives in ``grid_api.integrations.webhooks``;
this module owns the HTTP client."""

from __future__ import annotations

from typing import Any

import requests
from sqlalchemy.orm import Session

from grid_api.integrations import webhooks
from grid_api.integrations.webhooks import Attempt
from tasks.context import job_session

TIMEOUT_SECONDS = (3.05, 10)  # connect, read: a slow receiver does not hold a worker long
# One pooled session per worker process (jobs run one at a time in it): a receiver's
# connection is kept alive between messages instead of opened for each.
_http = requests.Session()
_http.trust_env = False  # receivers are reached directly, never through a proxy from the env


def post(url: str, headers: dict[str, str], body: bytes) -> Attempt:
    """POST the message; redirects are not followed (the endpoint is the URL given)."""
    try:
        response = _http.post(url, data=body, headers=headers, timeout=TIMEOUT_SECONDS,
                              allow_redirects=False)
    except requests.RequestException as exc:
        return Attempt(None, f"{type(exc).__name__}: {exc}")
    response.close()
    return Attempt(response.status_code)


def fan_out(session: Session, *, event_id: int, **_: Any) -> None:
    """Outbox topic ``webhook.fan_out``; idempotent (one delivery per endpoint and event)."""
    webhooks.fan_out(session, event_id)


def deliver(session: Session, *, delivery_id: int, **_: Any) -> None:
    """Outbox topic ``webhook.deliver``: one attempt; a failure schedules the next one."""
    webhooks.attempt(session, delivery_id, post)


def retry_due() -> int:
    """Periodic: queue the deliveries whose next attempt is due; returns how many."""
    with job_session("webhooks") as session:
        return webhooks.queue_due(session)
