"""A client's API key on a request: who it is, whether it may do this, and its rate limit."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask import g, request
from limits import parse_many

from grid_api.errors import PermissionDenied, RateLimited
from grid_api.integrations import clients
from grid_api.integrations.clients import ClientIdentity
from grid_api.web import db
from grid_api.web.rate_limits import limiter
from models.integration import ClientOperation

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")


def _within_limit(client: ClientIdentity) -> bool:
    """One hit on each of the client's limits, kept in Redis (skipped if Redis is down)."""
    try:
        return all(limiter.limiter.hit(limit, "client", str(client.client_id))
                    for limit in parse_many(client.rate_limit))
    except Exception:  # storage unreachable: like the sign-in limits, let the request in
        log.warning("rate-limit storage unavailable; client %s not limited", client.client_id,
                    exc_info=True)
        return True


def client_for_key(raw: str | None, operation: ClientOperation | None = None
                   ) -> ClientIdentity:
    """The client behind ``raw``. Raises PermissionDenied (no such live key, or not allowed
    ``operation``), RateLimited."""
    client = clients.authenticate(db.session(), raw)
    if operation is not None and not client.may(operation):
        raise PermissionDenied("operation_not_allowed", params={"operation": operation.value})
    if not _within_limit(client):
        raise RateLimited
    return client


KEY_HEADER = "X-API-Key"


def requires_key(operation: ClientOperation) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A view for clients: the ``X-API-Key`` header is checked (403, 429) before the body
    is read; the view finds the client in ``current_client()``."""

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            g.integration_client = client_for_key(request.headers.get(KEY_HEADER), operation)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def current_client() -> ClientIdentity:
    return g.integration_client
