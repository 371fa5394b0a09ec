"""Webhook jobs: the fan-out of a case event, one signed attempt, and the periodic hand-off
of retries that fell due. What to send and when lives in ``grid_api.integrations.webhooks``,
where it may go in ``grid_api.integrations.targets``; this module owns the HTTP client."""

from __future__ import annotations

import functools
import socket
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from sqlalchemy.orm import Session
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

from grid_api.integrations import webhooks
from grid_api.integrations.targets import ForbiddenTarget, TargetPolicy
from grid_api.integrations.webhooks import Attempt, Sender
from tasks.context import job_app, job_session

TIMEOUT_SECONDS = (3.05, 10)  # connect, read: a slow receiver does not hold a worker long


class _Guarded:
    """A connection that resolves its host itself, refuses it when any address it resolves
    to is one the deployment does not send webhooks to, and connects only to the addresses
    it checked (no second lookup can answer otherwise)."""

    targets: TargetPolicy

    def _new_conn(self) -> socket.socket:
        name = self._dns_host
        try:
            addresses = self.targets.checked_addresses(name, self.port)
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc
        failure: Exception | None = None
        for address in addresses:
            self._dns_host = address
            try:
                return super()._new_conn()
            except (NewConnectionError, ConnectTimeoutError) as exc:
                failure = exc
            finally:
                self._dns_host = name
        raise failure or NewConnectionError(self, f"{name} resolves to no address")


class _GuardedAdapter(HTTPAdapter):
    def __init__(self, targets: TargetPolicy) -> None:
        guarded = {"targets": targets}
        self._pools = {
            "http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": type(
                "GuardedHTTPConnection", (_Guarded, HTTPConnection), guarded)}),
            "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": type(
                "GuardedHTTPSConnection", (_Guarded, HTTPSConnection), guarded)})}
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = self._pools


@functools.cache
def sender(targets: TargetPolicy) -> Sender:
    """POST a message where ``targets`` allows. One pooled session per worker process and
    rule (jobs run one at a time in it): a receiver's connection is kept alive between
    messages instead of opened for each. Redirects are not followed (the endpoint is the
    URL given, and a redirect could point anywhere)."""
    http = requests.Session()
    http.trust_env = False  # receivers are reached directly, never through a proxy from the env
    adapter = _GuardedAdapter(targets)
    http.mount("http://", adapter)
    http.mount("https://", adapter)

    def post(url: str, headers: dict[str, str], body: bytes) -> Attempt:
        try:
            response = http.post(url, data=body, headers=headers, timeout=TIMEOUT_SECONDS,
                                 allow_redirects=False)
        except ForbiddenTarget as exc:
            return Attempt(None, f"refused: {exc}", refused=True)
        except requests.RequestException as exc:
            return Attempt(None, f"{type(exc).__name__}: {exc}")
        response.close()
        if response.is_redirect:
            return Attempt(response.status_code, f"HTTP {response.status_code}: redirects "
                                                 "are not followed")
        return Attempt(response.status_code)

    return post


def post(url: str, headers: dict[str, str], body: bytes) -> Attempt:
    """POST the message where the deployment's rule allows (WEBHOOK_ALLOWED_NETWORKS, …)."""
    return sender(job_app().extensions["grid_webhook_targets"])(url, headers, body)


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
