"""The levels of the area tree, top to bottom."""

import enum


class AreaLevel(enum.StrEnum):
    city = "city"
    district = "district"
    street = "street"
    community = "community"
    grid = "grid"


LEVEL_ORDER = (AreaLevel.city, AreaLevel.district, AreaLevel.street, AreaLevel.community,
               AreaLevel.grid)


def child_level(level: AreaLevel) -> AreaLevel | None:
    index = LEVEL_ORDER.index(level)
    return LEVEL_ORDER[index + 1] if index + 1 < len(LEVEL_ORDER) else None
