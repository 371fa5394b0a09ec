"""Phone numbers: mainland 11-digit mobiles or E.164, stored as E.164."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-()]")
_MAINLAND = re.compile(r"^1[3-9]\d{9}$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def normalize_phone(raw: str) -> str | None:
    """``+8613800138000`` for ``138 0013 8000``; None when it is no phone number."""
    compact = _SEPARATORS.sub("", raw or "")
    if compact.startswith("0086"):
        compact = "+86" + compact[4:]
    if _MAINLAND.match(compact):
        return "+86" + compact
    if _E164.match(compact):
        if compact.startswith("+86") and not _MAINLAND.match(compact[3:]):
            return None
        return compact
    return None
