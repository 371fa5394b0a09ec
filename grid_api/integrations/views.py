"""Integration clients as the admin API shows them (never a key, only its prefix)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from models.integration import ApiKey, IntegrationClient, WebhookEndpoint


def describe_key(key: ApiKey, now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    return {"id": key.id, "prefix": key.prefix, "created_at": key.created_at,
            "expires_at": key.expires_at, "revoked_at": key.revoked_at,
            "last_used_at": key.last_used_at,
            "active": key.revoked_at is None and (key.expires_at is None
                                                  or key.expires_at > now)}


def describe_client(client: IntegrationClient, keys: list[ApiKey]) -> dict[str, Any]:
    return {"id": client.id, "name": client.name, "channel": client.channel.value,
            "operations": client.operations, "rate_limit": client.rate_limit,
            "account_id": client.account_id, "owner_id": client.owner_id,
            "revoked_at": client.revoked_at, "created_at": client.created_at,
            "keys": [describe_key(key) for key in keys]}


def describe_endpoint(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {"id": endpoint.id, "url": endpoint.url, "event_types": endpoint.event_types,
            "area_id": endpoint.area_id, "failing_since": endpoint.failing_since,
            "disabled_at": endpoint.disabled_at, "disabled_reason": endpoint.disabled_reason,
            "created_at": endpoint.created_at}
