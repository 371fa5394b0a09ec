"""The levels of the area tree, top to bottom."""

import enum


class AreaLevel(enum.StrEnum):
    province = "province"
    city = "city"
    district = "district"
    street = "street"
    community = "community"
    grid = "grid"


LEVEL_ORDER = (AreaLevel.province, AreaLevel.city, AreaLevel.district, AreaLevel.street,
               AreaLevel.community, AreaLevel.grid)
# The levels that may stand at the top of a deployment's tree: one city, several cities,
# or a province with its cities.
ROOT_LEVELS = frozenset({AreaLevel.province, AreaLevel.city})


def child_level(level: AreaLevel) -> AreaLevel | None:
    index = LEVEL_ORDER.index(level)
    return LEVEL_ORDER[index + 1] if index + 1 < len(LEVEL_ORDER) else None
