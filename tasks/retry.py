"""Asking the outbox relay to run a message again later."""

from __future__ import annotations

from datetime import timedelta


class RetryLater(Exception):
    """Raised by a handler whose work is partly done: keep what it did, run it again later
    (not before ``after``, when the far side said how long to wait)."""

    def __init__(self, message: str, *, after: timedelta | None = None) -> None:
        super().__init__(message)
        self.after = after


def backoff(attempts: int) -> timedelta:
    """1 s, 2 s, 4 s … up to five minutes."""
    return timedelta(seconds=min(300, 2 ** attempts))
