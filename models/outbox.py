"""The transactional outbox: background work written in the same transaction as its cause."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, DateTime, Index, Integer, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at_column

MAX_ATTEMPTS = 25  # a message tried this often is given up: left undelivered for a look


class Topic(StrEnum):
    """Every kind of background work; ``tasks.handlers.HANDLERS`` has one handler each."""

    ping = "system.ping"
    auto_dispatch = "case.auto_dispatch"
    push_notification = "push.notification"
    grid_generation = "geography.grid_generation"
    watch_fan_out = "residents.watch_fan_out"
    webhook_fan_out = "webhook.fan_out"  # written by a trigger on case_events (migration)
    webhook_deliver = "webhook.deliver"
    export = "evaluation.export"

    @property
    def queue(self) -> str:
        """The RQ queue the topic runs on: what a person is waiting for goes first."""
        return _QUEUES.get(self, "default")


_QUEUES = {Topic.auto_dispatch: "high", Topic.grid_generation: "low"}


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    topic: Mapped[str] = mapped_column(String(100), nullable=False)
    queue: Mapped[str] = mapped_column(String(50), nullable=False, default="default")
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, default=dict)
    created_at: Mapped[datetime] = created_at_column()
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0,
                                          server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The sweeper leaves the message alone until then: a handler asked to be retried later
    # (backoff), or the sweeper enqueued it and leased it to that job (OUTBOX_LEASE_SECONDS).
    available_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        # The sweeper only ever scans undelivered rows; keep that scan tiny.
        Index("ix_outbox_messages_pending", "created_at",
              postgresql_where=text("processed_at IS NULL")),
    )
