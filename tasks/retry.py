"""Asking the outbox relay to run a message again later."""

from __future__ import annotations

from datetime import timedelta


class RetryLater(Exception):
    """Raised by a handler whose work is partly done: keep what it did, run it again later."""


def backoff(attempts: int) -> timedelta:
    """1 s, 2 s, 4 s … up to five minutes."""
    return timedelta(seconds=min(300, 2 ** attempts))
