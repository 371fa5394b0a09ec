"""The push channels: every module here declares ``CHANNELS``, so adding a vendor is one
module (and its fake in devenv/)."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from grid_api.push.interface import Provider
from grid_api.push.settings import ChannelConfig, Var


@dataclass(frozen=True)
class Channel:
    name: str  # what a device registers as its ``provider``
    title: str  # for people: README, errors
    variables: tuple[Var, ...]
    build: Callable[[ChannelConfig, float], Provider]  # (its settings, HTTP timeout)


@cache
def channels() -> dict[str, Channel]:
    """Every channel of every module in this package, by name."""
    found: dict[str, Channel] = {}
    for module in pkgutil.iter_modules(__path__):
        for channel in importlib.import_module(f"{__name__}.{module.name}").CHANNELS:
            found[channel.name] = channel
    return found
