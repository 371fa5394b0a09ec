"""The channels of this process, built once from the push settings (one HTTP pool, one
cached access token and one firebase-admin app per channel and process)."""

from __future__ import annotations

import threading

from grid_api.push.interface import Provider
from grid_api.push.log_channel import LogPush
from grid_api.push.settings import PushSettings
from grid_api.push.vendors import channels as known_channels


class Channels:
    def __init__(self, settings: PushSettings) -> None:
        self.settings = settings
        self._built: dict[str, Provider] = {}
        self._lock = threading.Lock()
        if settings.backend == "log":  # the log stands in for every channel there is
            self.order = settings.order + tuple(
                name for name in sorted(known_channels()) if name not in settings.order)
        else:
            self.order = settings.order

    def rank(self, name: str) -> int | None:
        """Where ``name`` stands in the order of preference; None when it is off."""
        return self.order.index(name) if name in self.order else None

    def get(self, name: str) -> Provider:
        with self._lock:
            if name not in self._built:
                self._built[name] = self._build(name)
            return self._built[name]

    def use(self, name: str, provider: Provider) -> None:
        """Put ``provider`` in for ``name`` (tests: a channel that misbehaves)."""
        with self._lock:
            self._built[name] = provider

    def _build(self, name: str) -> Provider:
        if self.settings.backend == "log":
            return LogPush(name)
        return known_channels()[name].build(self.settings.channels[name],
                                            self.settings.timeout_seconds)


_current: Channels | None = None


def for_settings(settings: PushSettings) -> Channels:
    """The process's channels for ``settings`` (rebuilt when the settings change)."""
    global _current  # noqa: PLW0603 - one set per process, like a connection pool
    if _current is None or _current.settings is not settings:
        _current = Channels(settings)
    return _current
