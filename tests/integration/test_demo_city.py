"""The demo city: Hangzhou's real (invalid as drawn) districts load valid, idempotently."""

from sqlalchemy import func, select

from grid_api.demo.city import load_demo_city
from grid_api.geography.areas import locate
from models.area import Area, AreaLevel


def test_demo_city_loads_all_districts_valid_and_is_idempotent(db):
    first = load_demo_city(db, with_grid=False)
    assert first.districts == 13
    assert first.repaired == 13
    load_demo_city(db, with_grid=False)
    rows = db.execute(select(Area.level, func.count()).group_by(Area.level)).all()
    assert dict(rows) == {AreaLevel.city: 1, AreaLevel.district: 13}
    invalid = db.execute(select(func.count()).where(~func.ST_IsValid(Area.geom))).scalar()
    assert invalid == 0


def test_a_point_in_west_lake_district_is_found_under_the_city(db):
    load_demo_city(db, with_grid=False)
    point = func.ST_SetSRID(func.ST_MakePoint(120.10, 30.25), 4326)  # 西湖区
    names = db.execute(
        select(Area.name).where(func.ST_Covers(Area.geom, point)).order_by(Area.path)
    ).scalars().all()
    assert names == ["杭州市", "西湖区"]
    city = db.execute(select(Area).where(Area.code == "330100")).scalar_one()
    district = db.execute(select(Area).where(Area.code == "330106")).scalar_one()
    assert district.path.startswith(city.path)


def test_demo_grid_covers_two_central_districts_down_to_cells(db):
    report = load_demo_city(db)
    assert report.generated > 5000
    assert load_demo_city(db).generated == 0  # generated once only
    for point, district in (((120.1485, 30.2475), "330106"), ((120.17, 30.25), "330102")):
        cell, chain = locate(db, *point)
        assert cell.level == AreaLevel.grid
        assert len(cell.code) == 15
        assert [a.level for a in chain] == [AreaLevel.city, AreaLevel.district,
                                            AreaLevel.street, AreaLevel.community]
        assert chain[1].code == district
        assert cell.code.startswith(chain[3].code)
