"""Integration clients: other systems that file cases through API keys, the cases they
filed (with their own numbers), and where they hear back (webhook endpoints, deliveries)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at_column


class ClientChannel(enum.StrEnum):
    """The source channel (来源) a client's cases are counted under."""

    hotline = "hotline"  # the 12345 work-order system
    mini_program = "mini_program"  # a WeChat mini-program
    open311_app = "open311_app"  # a third-party app speaking Open311
    department = "department"  # another department's platform


class ClientOperation(enum.StrEnum):
    """What an API key may be used for."""

    open311_submit = "open311.submit"  # POST /open311/v2/requests
    workorders_submit = "workorders.submit"  # 12345 work-order intake
    webhooks_manage = "webhooks.manage"  # the client's own webhook endpoints


class IntegrationClient(Base):
    __tablename__ = "integration_clients"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    channel: Mapped[ClientChannel] = mapped_column(
        Enum(ClientChannel, name="client_channel"), nullable=False)
    operations: Mapped[list[str]] = mapped_column(ARRAY(String(40)), nullable=False)
    # A flask-limiter / limits string: "120 per minute;2000 per hour".
    rate_limit: Mapped[str] = mapped_column(String(80), nullable=False)
    # The account the client acts as: reporter of its cases and actor in their timelines.
    account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="RESTRICT"), nullable=False, unique=True)
    # The staff member told when something needs a person (an endpoint disabled).
    owner_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()


class ApiKey(Base):
    """One key of a client: only its SHA-256 is kept; the key itself is shown once."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    client_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("integration_clients.id", ondelete="CASCADE"), nullable=False,
        index=True)
    key_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    prefix: Mapped[str] = mapped_column(String(16), nullable=False)  # shown in lists
    # Set when the key was rotated: it keeps working until then (the overlap window).
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()


class ClientCase(Base):
    """A case a client filed, with the client's own number for it (a work order's)."""

    __tablename__ = "client_cases"

    case_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    client_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("integration_clients.id", ondelete="RESTRICT"), nullable=False)
    external_number: Mapped[str | None] = mapped_column(String(64))
    # Open311's temporary token, resolvable through GET /open311/v2/tokens/{token}.
    token: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    # What the client sent beyond our own fields (Open311's email, device_id, media_url …).
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False,
                                                    server_default=text("'{}'"))
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        # Also the index of a client's cases (client_id leads).
        UniqueConstraint("client_id", "external_number",
                         name="uq_client_cases_client_id_external_number"),
    )


class WebhookEventType(enum.StrEnum):
    """What a client can subscribe to (payloads in README, Webhooks)."""

    case_created = "case.created"
    case_registered = "case.registered"
    case_dispatched = "case.dispatched"
    case_status_changed = "case.status_changed"  # every step that moves the status
    case_resolved = "case.resolved"
    case_closed = "case.closed"
    case_reopened = "case.reopened"
    case_commented = "case.commented"  # a staff comment the public may read
    case_merged = "case.merged"  # 并单: merged into another case, which it follows now
    # The 12345 hotline's loop, for the orders it filed:
    workorder_accepted = "workorder.accepted"  # 签收: registered
    workorder_replied = "workorder.replied"  # 回复: a staff reply
    workorder_closed = "workorder.closed"  # 办结: closed, with the result
    workorder_returned = "workorder.returned"  # 退单: not ours (not registered), with why


class DeliveryStatus(enum.StrEnum):
    pending = "pending"  # waiting for its (next) attempt
    delivered = "delivered"
    dead = "dead"  # every retry failed: in the dead-letter list until replayed


class WebhookEndpoint(Base):
    """Where a client hears about cases: the cases it filed, or every case in an area."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    client_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("integration_clients.id", ondelete="CASCADE"), nullable=False,
        index=True)
    url: Mapped[str] = mapped_column(String(500), nullable=False)
    # The Standard Webhooks signing secret ("whsec_" + base64); shown once to the client.
    secret: Mapped[str] = mapped_column(String(100), nullable=False)
    event_types: Mapped[list[str]] = mapped_column(ARRAY(String(40)), nullable=False)
    # None: the cases the client filed; else every case in this area's subtree.
    area_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("areas.id", ondelete="RESTRICT"))
    area_path: Mapped[str | None] = mapped_column(String(200))
    # Since when every attempt failed (None while the last attempt succeeded).
    failing_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    disabled_reason: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = created_at_column()


class CaseMerge(Base):
    """并单: a report merged into the master case of the same problem. The follower is
    rejected as its duplicate; its reporter follows the master."""

    __tablename__ = "case_merges"

    case_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    master_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True)
    merged_by: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()


class WebhookDelivery(Base):
    """One message to one endpoint, with its attempts. ``message_id`` is the
    ``webhook-id``: the same on every retry and replay, so a receiver can deduplicate."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), nullable=False)
    message_id: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    case_event_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("case_events.id", ondelete="CASCADE"), nullable=False)
    # The case the message is about: the event's own, or a follower of a closing master.
    case_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False)
    event_type: Mapped[str] = mapped_column(String(40), nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    status: Mapped[DeliveryStatus] = mapped_column(
        Enum(DeliveryStatus, name="delivery_status"), nullable=False,
        server_default=DeliveryStatus.pending.value)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_status: Mapped[int | None] = mapped_column(SmallInteger)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        # One message per endpoint, case event and case, however often the fan-out runs.
        UniqueConstraint("endpoint_id", "case_event_id", "case_id",
                         name="uq_webhook_deliveries_endpoint_event_case"),
        Index("ix_webhook_deliveries_due", "next_attempt_at",
              postgresql_where=text("status = 'pending'")),
    )
