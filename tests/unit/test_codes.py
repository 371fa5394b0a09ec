"""Area codes: children's codes and levels."""


from geo.codes import child_code
from geo.levels import AreaLevel, child_level


def test_child_codes_and_levels():
    assert child_code("330100", AreaLevel.district, 6) == "330106"
    assert child_code("330106001002", AreaLevel.grid, 7) == "330106001002007"
    assert child_code("330106001002", AreaLevel.grid, 7, digits=2) == "33010600100207"
    assert child_code("330000", AreaLevel.city, 4) == "330400"
    assert child_level(AreaLevel.province) is AreaLevel.city
    assert child_level(AreaLevel.community) is AreaLevel.grid
    assert child_level(AreaLevel.grid) is None


def test_levels_and_parents_read_off_codes():
    from geo.codes import level_of, parent_code_of  # noqa: PLC0415

    assert level_of("330000") is AreaLevel.province
    assert parent_code_of("330000") is None
    assert level_of("330400") is AreaLevel.city
    assert parent_code_of("330400") == "330000"
    assert level_of("330106") is AreaLevel.district
    assert parent_code_of("330106") == "330100"
    assert parent_code_of("330106001") == "330106"
    assert parent_code_of("330106001002") == "330106001"
    assert parent_code_of("33010600100201") == "330106001002"
    assert parent_code_of("330106001002001") == "330106001002"
    assert level_of("3301060010") is None
    assert level_of("33010x") is None
    assert parent_code_of("abc") is None
