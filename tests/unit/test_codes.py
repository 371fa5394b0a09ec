"""Area codes: format per level and prefix under the parent."""

import pytest

from geo.codes import child_code, code_problem
from geo.levels import AreaLevel, child_level


@pytest.mark.parametrize(("code", "level", "parent", "problem"), [
    ("330100", AreaLevel.city, None, None),
    ("330106", AreaLevel.city, None, "code_format"),
    ("330106", AreaLevel.district, "330100", None),
    ("330206", AreaLevel.district, "330100", "code_not_under_parent"),
    ("330106001", AreaLevel.street, "330106", None),
    ("33010600", AreaLevel.street, "330106", "code_format"),
    ("330106001002", AreaLevel.community, "330106001", None),
    ("330106002002", AreaLevel.community, "330106001", "code_not_under_parent"),
    ("33010600100201", AreaLevel.grid, "330106001002", None),
    ("330106001002001", AreaLevel.grid, "330106001002", None),
    ("3301060010020011", AreaLevel.grid, "330106001002", "code_format"),
    ("33010600100x001", AreaLevel.grid, "330106001002", "code_format"),
])
def test_code_problem(code, level, parent, problem):
    assert code_problem(code, level, parent) == problem


def test_child_codes_and_levels():
    assert child_code("330100", AreaLevel.district, 6) == "330106"
    assert child_code("330106001002", AreaLevel.grid, 7) == "330106001002007"
    assert child_code("330106001002", AreaLevel.grid, 7, digits=2) == "33010600100207"
    assert child_level(AreaLevel.community) is AreaLevel.grid
    assert child_level(AreaLevel.grid) is None


def test_levels_and_parents_read_off_codes():
    from geo.codes import level_of, parent_code_of  # noqa: PLC0415

    assert level_of("330106") is AreaLevel.district
    assert parent_code_of("330106") == "330100"
    assert parent_code_of("330106001") == "330106"
    assert parent_code_of("330106001002") == "330106001"
    assert parent_code_of("33010600100201") == "330106001002"
    assert parent_code_of("330106001002001") == "330106001002"
    assert level_of("3301060010") is None
    assert level_of("33010x") is None
    assert parent_code_of("abc") is None
