"""What the thin vendor clients share: one pooled ``requests`` session each, access tokens
cached until they expire, and the vendors' ways of saying "later"."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

import requests
from requests.adapters import HTTPAdapter

from grid_api.push.interface import Answer, Outcome, Target, every

log = logging.getLogger(__name__)
POOL_SIZE = 32
AUTH_RETRY_SECONDS = 300.0  # refused keys are an operator's fix: do not hammer
VENDOR_DAY = ZoneInfo("Asia/Shanghai")  # the Chinese vendors' daily quotas reset at midnight


def pooled_session() -> requests.Session:
    """Keep-alive connections to one vendor; no hidden retries (the outbox retries)."""
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=POOL_SIZE, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class TokenExpired(Exception):
    """The vendor called our access token expired or unknown."""


class AuthFailed(Exception):
    """The vendor refused our credentials: no token, or a fresh token refused too."""


class TokenCache:
    """An access token shared by a process's threads, fetched again shortly before it
    expires (a tenth of its life, at most a minute, early) or when the vendor says so."""

    def __init__(self, fetch: Callable[[], tuple[str, float]],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._fetch = fetch  # returns (token, lifetime in seconds)
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._refresh_at = 0.0
        self.fetches = 0

    def get(self) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._refresh_at:
                token, lifetime = self._fetch()
                self.fetches += 1
                self._token = token
                self._refresh_at = self._clock() + lifetime - min(60.0, lifetime / 10)
            return self._token

    def invalidate(self, token: str) -> None:
        """Drop ``token`` (the vendor called it expired); a newer one is kept."""
        with self._lock:
            if self._token == token:
                self._token = None


def retry_after(response: requests.Response) -> float | None:
    """The Retry-After header in seconds (either form), if there is one."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def next_vendor_day(now: datetime | None = None) -> datetime:
    """Midnight in China after ``now``: when a vendor's daily quota is back."""
    local = (now or datetime.now(UTC)).astimezone(VENDOR_DAY)
    return (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)


def unreachable(exc: requests.RequestException) -> Answer:
    """No answer at all (refused, reset, timed out): try again later."""
    return Answer(Outcome.retry, detail=f"unreachable: {type(exc).__name__}")


def with_token(cache: TokenCache, call: Callable[[str], list[Answer]]) -> list[Answer]:
    """Run ``call`` with the cached token; when the vendor calls it expired, fetch a new
    one and run it once more. Raises AuthFailed when even the new one is refused."""
    token = cache.get()
    try:
        return call(token)
    except TokenExpired:
        cache.invalidate(token)
    try:
        return call(cache.get())
    except TokenExpired as exc:
        raise AuthFailed(str(exc)) from exc


def answered(targets: list[Target], send: Callable[[], list[Answer]]) -> list[Answer]:
    """Every target answered even when the request as a whole failed: no connection or a
    garbled answer is "try later"; refused credentials are "try later", loudly."""
    try:
        return send()
    except AuthFailed as exc:
        log.error("push credentials refused", extra={"detail": str(exc)})
        return every(targets, Answer(Outcome.retry, retry_after=AUTH_RETRY_SECONDS,
                                     detail=f"auth: {exc}"))
    except requests.RequestException as exc:
        return every(targets, unreachable(exc))
    except (ValueError, KeyError, TypeError) as exc:  # not the JSON the vendor documents
        return every(targets, Answer(Outcome.retry, detail=f"unreadable answer: {exc!r}"[:200]))
