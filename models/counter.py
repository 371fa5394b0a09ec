"""Event counters for /metrics, kept in PostgreSQL beside the changes they count."""

from __future__ import annotations

from sqlalchemy import BigInteger, SmallInteger, String, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class EventCounter(Base):
    """One shard of a counter; a counter's value is the sum of its shards. Incremented in
    the transaction of what it counts, so it counts what committed, never runs backwards and
    survives Redis; shards keep concurrent jobs from queueing on one row."""

    __tablename__ = "event_counters"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    shard: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default=text("0"))
