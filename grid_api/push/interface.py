"""What every push channel is: a batch of devices in, one answer per device out."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class Outcome(StrEnum):
    delivered = "delivered"  # the vendor accepted it for this device
    dead = "dead"  # the token will never work again: switch the device off
    retry = "retry"  # busy, rate-limited or down: try again after ``retry_after``
    quota = "quota"  # the vendor's quota is spent: stop using it until ``reset_at``
    invalid = "invalid"  # the vendor refused the message itself: a bug, logged, not retried


@dataclass(frozen=True)
class Answer:
    outcome: Outcome
    message_id: str | None = None
    retry_after: float | None = None  # seconds, when the vendor said
    reset_at: datetime | None = None  # when a spent quota is available again
    detail: str = ""  # the vendor's code and words, for the log (never a secret)


@dataclass(frozen=True)
class Message:
    """One notification rendered in one language: the same for every device it goes to."""

    notification_id: int
    title: str
    body: str
    link: str  # deep link the notification opens ("" when there is none)
    collapse_key: str  # a newer message with the same key replaces the older one
    ttl_seconds: int
    data: dict[str, str] = field(default_factory=dict)

    @property
    def notify_id(self) -> int:
        """The collapse key as the small integer some vendors want (same key, same id)."""
        return zlib.crc32(self.collapse_key.encode()) & 0x7FFFFFFF


@dataclass(frozen=True)
class Target:
    token: str
    kind: str = "token"  # FCM only: "token" (registration token) or "fid" (installation id)


class Provider(Protocol):
    """A push channel. ``send`` never raises for the vendor's answers: every target gets
    an ``Answer`` (same order as ``targets``); only programming errors escape."""

    name: str
    max_batch: int

    def send(self, message: Message, targets: list[Target]) -> list[Answer]: ...


def every(targets: list[Target], answer: Answer) -> list[Answer]:
    """The same answer for the whole batch (an error about the request, not a device)."""
    return [answer] * len(targets)
