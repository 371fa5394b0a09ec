"""Area codes by the national practice, parsed by segment.

district: 6-digit GB/T 2260 code; street: district + 3; community: street + 3;
grid cell: community + 2 or 3 (14- or 15-digit). A city is the 6-digit code ending in 00
(its districts share its first four digits).
"""

from __future__ import annotations

from geo.levels import AreaLevel

_LEVEL_BY_LENGTH = {6: AreaLevel.district, 9: AreaLevel.street, 12: AreaLevel.community,
                    14: AreaLevel.grid, 15: AreaLevel.grid}


def level_of(code: str) -> AreaLevel | None:
    """The level a code names by its length (6 digits: a district; cities are not imported)."""
    return _LEVEL_BY_LENGTH.get(len(code)) if code.isdigit() else None


def parent_code_of(code: str) -> str | None:
    """The code of the direct parent, read off the segments."""
    level = level_of(code)
    if level is AreaLevel.district:
        return code[:4] + "00"
    if level is AreaLevel.grid:
        return code[:12]
    if level in {AreaLevel.street, AreaLevel.community}:
        return code[:-3]
    return None


def child_code(parent_code: str, level: AreaLevel, number: int, digits: int = 3) -> str:
    """The code of the ``number``-th generated child (1-based)."""
    if level is AreaLevel.district:
        return f"{parent_code[:4]}{number:02d}"
    return f"{parent_code}{number:0{digits}d}"
