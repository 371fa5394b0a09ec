"""The demo city: Hangzhou's real (invalid as drawn) districts load valid, idempotently."""

from sqlalchemy import func, select

from grid_api.services.demo import load_demo_city
from models.area import Area, AreaLevel


def test_demo_city_loads_all_districts_valid_and_is_idempotent(db):
    first = load_demo_city(db)
    assert first.districts == 13
    assert first.repaired == 13
    load_demo_city(db)
    rows = db.execute(select(Area.level, func.count()).group_by(Area.level)).all()
    assert dict(rows) == {AreaLevel.city: 1, AreaLevel.district: 13}
    invalid = db.execute(select(func.count()).where(~func.ST_IsValid(Area.geom))).scalar()
    assert invalid == 0


def test_a_point_in_west_lake_district_is_found_under_the_city(db):
    load_demo_city(db)
    point = func.ST_SetSRID(func.ST_MakePoint(120.10, 30.25), 4326)  # 西湖区
    names = db.execute(
        select(Area.name).where(func.ST_Covers(Area.geom, point)).order_by(Area.path)
    ).scalars().all()
    assert names == ["杭州市", "西湖区"]
    city = db.execute(select(Area).where(Area.code == "330100")).scalar_one()
    district = db.execute(select(Area).where(Area.code == "330106")).scalar_one()
    assert district.path.startswith(city.path)
