"""Push settings from the environment: which channels are on, in which order, and each
channel's keys. A channel that is on but half-configured stops the process at start."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from grid_api.config import ConfigError, Settings


class Secret:
    """A key that prints as ``***``: settings can be logged, reprs and f-strings included,
    without leaking it. ``reveal()`` is the one way to read it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "'***'" if self._value else "''"

    __str__ = __repr__


@dataclass(frozen=True)
class Var:
    """One environment variable of a channel."""

    env: str
    attr: str
    required: bool = True
    default: str = ""
    secret: bool = False
    choices: tuple[str, ...] = ()
    integer: bool = False


class ChannelConfig:
    """A channel's settings by attribute (``config.app_id``); secrets stay ``Secret``."""

    def __init__(self, name: str, values: Mapping[str, Any]) -> None:
        self._name = name
        self._values = dict(values)

    def __getattr__(self, attr: str) -> Any:
        try:
            return self._values[attr]
        except KeyError:
            raise AttributeError(attr) from None

    def replace(self, **changes: Any) -> ChannelConfig:
        return ChannelConfig(self._name, {**self._values, **changes})

    def __repr__(self) -> str:
        shown = ", ".join(f"{key}={value!r}" for key, value in self._values.items())
        return f"ChannelConfig({self._name}: {shown})"


def read_channel(name: str, variables: tuple[Var, ...], env: Mapping[str, str]) -> ChannelConfig:
    """Raises ConfigError naming the missing or malformed variables (never a value)."""
    missing = [var.env for var in variables if var.required and not env.get(var.env, "")]
    if missing:
        raise ConfigError(f"push channel {name} is enabled but {', '.join(missing)} "
                              f"{'is' if len(missing) == 1 else 'are'} not set")
    values: dict[str, Any] = {}
    for var in variables:
        raw = env.get(var.env, "") or var.default
        if var.choices and raw not in var.choices:
            raise ConfigError(f"{var.env} must be one of {', '.join(var.choices)}")
        if var.integer:
            try:
                values[var.attr] = int(raw)
            except ValueError as exc:
                raise ConfigError(f"{var.env} must be an integer") from exc
        else:
            values[var.attr] = Secret(raw) if var.secret else raw
    return ChannelConfig(name, values)


@dataclass(frozen=True)
class PushSettings:
    backend: str = "log"  # log: every push goes to the log; live: to the channels
    order: tuple[str, ...] = ("fcm",)  # channels on, the one to try first first
    channels: Mapping[str, ChannelConfig] = field(default_factory=dict)
    ttl_seconds: int = 86400
    link_prefix: str = "gridapi://cases/"
    timeout_seconds: float = 10.0


def load(settings: Settings, known: Mapping[str, tuple[Var, ...]]) -> PushSettings:
    """The push settings of a deployment; ``known``: every channel's variables by name.
    Raises ConfigError for an unknown channel or an enabled one missing a variable."""
    order = settings.push_providers
    unknown = [name for name in order if name not in known]
    if unknown or not order or len(set(order)) != len(order):
        raise ConfigError(f"PUSH_PROVIDERS must name channels of {', '.join(sorted(known))}, "
                          "each once")
    channels = ({name: read_channel(name, known[name], settings.push_environment)
                 for name in order} if settings.push_backend == "live" else {})
    return PushSettings(backend=settings.push_backend, order=order, channels=channels,
                        ttl_seconds=settings.push_ttl_seconds,
                        link_prefix=settings.app_link_prefix,
                        timeout_seconds=float(settings.push_timeout_seconds))
