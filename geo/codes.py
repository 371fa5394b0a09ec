"""Area codes by the national practice, parsed by segment.

Six digits (GB/T 2260): a province ends in 0000 (330000), a city in 00 (330400; its
districts share its first four digits), anything else is a district or county (330402).
Street: district + 3; community: street + 3; grid cell: community + 2 or 3 (14- or 15-digit).
"""

from __future__ import annotations

from geo.levels import AreaLevel

ADMIN_CODE_LENGTH = 6
_LEVEL_BY_LENGTH = {9: AreaLevel.street, 12: AreaLevel.community,
                    14: AreaLevel.grid, 15: AreaLevel.grid}


def level_of(code: str) -> AreaLevel | None:
    """The level a code names (None: not a code)."""
    if not code.isdigit():
        return None
    if len(code) == ADMIN_CODE_LENGTH:
        if code.endswith("0000"):
            return AreaLevel.province
        return AreaLevel.city if code.endswith("00") else AreaLevel.district
    return _LEVEL_BY_LENGTH.get(len(code))


def parent_code_of(code: str) -> str | None:
    """The code of the direct parent, read off the segments (None for a province)."""
    level = level_of(code)
    if level is AreaLevel.city:
        return code[:2] + "0000"
    if level is AreaLevel.district:
        return code[:4] + "00"
    if level is AreaLevel.grid:
        return code[:12]
    if level in {AreaLevel.street, AreaLevel.community}:
        return code[:-3]
    return None


def child_code(parent_code: str, level: AreaLevel, number: int, digits: int = 3) -> str:
    """The code of the ``number``-th generated child (1-based)."""
    if level is AreaLevel.city:
        return f"{parent_code[:2]}{number:02d}00"
    if level is AreaLevel.district:
        return f"{parent_code[:4]}{number:02d}"
    return f"{parent_code}{number:0{digits}d}"
