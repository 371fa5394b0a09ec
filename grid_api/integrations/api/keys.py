"""A client's API key on a request: who it is, whether it may do this, and its rate limit."""

from __future__ import annotations

import logging

from limits import parse_many

from grid_api.errors import PermissionDenied, RateLimited
from grid_api.integrations import clients
from grid_api.integrations.clients import ClientIdentity
from grid_api.web import db
from grid_api.web.rate_limits import limiter
from models.integration import ClientOperation

log = logging.getLogger(__name__)


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
