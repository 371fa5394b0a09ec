"""A whole hierarchy in one file, from the root down: provinces, cities, and every level below
them, imported level by level with parents from the same file; refusals name the parent."""

import json
from pathlib import Path

from sqlalchemy import select

from grid_api.geography.area_import import import_areas
from models.area import Area, AreaLevel, path_ids
from tests.factories import make_area

JIAXING = Path(__file__).resolve().parents[2] / "examples" / "jiaxing" / "areas" / "jiaxing.geojson"


def _box(code, name, *bounds):
    x0, y0, x1, y1 = bounds
    ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    return {"type": "Feature", "properties": {"code": code, "name": name},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def _collection(features):
    return {"type": "FeatureCollection", "features": list(features)}


def _four_levels(district="330402", x=120.70, y=30.70):
    """A district, two streets, two communities in each, two cells in each: 15 features,
    children listed before their parents."""
    features = [_box(district, "南湖区", x, y, x + 0.08, y + 0.02)]
    for s in range(2):
        street = f"{district}{s + 1:03d}"
        sx = x + 0.04 * s
        features.append(_box(street, f"街道{s + 1}", sx, y, sx + 0.04, y + 0.02))
        for c in range(2):
            community = f"{street}{c + 1:03d}"
            cx = sx + 0.02 * c
            features.append(_box(community, f"社区{s + 1}-{c + 1}", cx, y, cx + 0.02, y + 0.02))
            features += [_box(f"{community}{g + 1:03d}", f"网格{s + 1}-{c + 1}-{g + 1}",
                              cx + 0.01 * g, y, cx + 0.01 * (g + 1), y + 0.02) for g in range(2)]
    return list(reversed(features))  # the deepest first: the order must not matter


def _stored(db):
    return {row.code: row for row in db.execute(
        select(Area.id, Area.code, Area.level, Area.parent_id, Area.path))}


def test_a_four_level_hierarchy_from_one_file(db):
    city = make_area(db, level=AreaLevel.city, code="330400", name="嘉兴市",
                     bounds=(120.6, 30.6, 121.0, 30.9))
    report = import_areas(db, area_id=city.id, collection=_collection(_four_levels()))
    assert (report.created, report.rejected) == (15, 0)
    stored = _stored(db)
    levels = [stored[code].level for code in
              ("330402", "330402001", "330402001002", "330402001002001")]
    assert levels == [AreaLevel.district, AreaLevel.street, AreaLevel.community, AreaLevel.grid]
    for code, row in stored.items():
        if code == "330400":
            continue
        parent = next(p for p in stored.values() if p.id == row.parent_id)
        assert code.startswith(parent.code[:4])
        assert path_ids(row.path) == [*path_ids(parent.path), row.id]
    again = import_areas(db, area_id=city.id, collection=_collection(_four_levels()))
    assert (again.created, again.unchanged) == (0, 15)


def test_the_root_down_a_province_its_cities_and_their_districts(db):
    collection = _collection([
        _box("330402", "南湖区", 120.70, 30.70, 120.80, 30.80),
        _box("330400", "嘉兴市", 120.60, 30.60, 121.00, 30.90),
        _box("330000", "浙江省", 118.00, 27.00, 123.00, 31.20),
        _box("330100", "杭州市", 119.00, 29.50, 120.50, 30.50),
        _box("330106", "西湖区", 120.00, 30.10, 120.20, 30.30),
    ])
    report = import_areas(db, area_id=None, collection=collection)
    assert (report.created, report.rejected, report.area_id) == (5, 0, None)
    stored = _stored(db)
    province = stored["330000"]
    assert (province.level, province.parent_id, province.path) == (
        AreaLevel.province, None, f"/{province.id}/")
    assert stored["330400"].parent_id == stored["330100"].parent_id == province.id
    assert stored["330106"].path == f"/{province.id}/{stored['330100'].id}/{stored['330106'].id}/"


def test_several_cities_as_roots_of_one_deployment(db):
    make_area(db, level=AreaLevel.city, code="330100", name="杭州市",
              bounds=(119.0, 29.5, 120.5, 30.5))
    report = import_areas(db, area_id=None, collection=_collection([
        _box("330400", "嘉兴市", 120.60, 30.60, 121.00, 30.90),
        _box("330402", "南湖区", 120.70, 30.70, 120.80, 30.80)]))
    assert (report.created, report.rejected) == (2, 0)
    roots = db.execute(select(Area.code).where(Area.parent_id.is_(None))
                       .order_by(Area.code)).scalars().all()
    assert roots == ["330100", "330400"]


def test_each_refusal_names_the_missing_parent(db):
    features = _four_levels()
    broken_street = next(f for f in features if f["properties"]["code"] == "330402002")
    broken_street["geometry"] = {"type": "LineString", "coordinates": [[120.7, 30.7],
                                                                      [120.8, 30.8]]}
    features.append(_box("330411001", "秀洲街道", 120.70, 30.75, 120.72, 30.77))
    report = import_areas(db, area_id=None, collection=_collection(
        [_box("330400", "嘉兴市", 120.60, 30.60, 121.00, 30.90), *features]))
    refused = {item.code: (item.reason, item.missing_parent)
               for item in report.features if item.status == "rejected"}
    assert refused.pop("330402002") == ("wrong_geometry_type", None)
    assert refused.pop("330411001") == ("parent_missing", "330411")
    # Everything under the broken street goes, each naming its own parent.
    assert refused == {
        "330402002001": ("parent_rejected", "330402002"),
        "330402002002": ("parent_rejected", "330402002"),
        "330402002001001": ("parent_rejected", "330402002001"),
        "330402002001002": ("parent_rejected", "330402002001"),
        "330402002002001": ("parent_rejected", "330402002002"),
        "330402002002002": ("parent_rejected", "330402002002"),
    }
    assert report.created == 1 + 1 + 1 + 2 + 4  # city, district, street, communities, cells


def test_a_parent_outside_the_named_area_is_not_taken(db):
    hangzhou = make_area(db, level=AreaLevel.city, code="330100",
                         bounds=(119.0, 29.5, 120.5, 30.5))
    jiaxing = make_area(db, level=AreaLevel.city, code="330400",
                        bounds=(120.6, 30.6, 121.0, 30.9))
    make_area(db, parent=jiaxing, code="330402", bounds=(120.7, 30.7, 120.8, 30.8))
    report = import_areas(db, area_id=hangzhou.id, collection=_collection([
        _box("330402001", "街道", 120.71, 30.71, 120.72, 30.72)]))
    outcome = report.features[0]
    assert (outcome.reason, outcome.missing_parent) == ("parent_not_in_import_area", "330402")


def test_a_dry_run_checks_a_whole_hierarchy_and_writes_nothing(db):
    city = make_area(db, level=AreaLevel.city, code="330400",
                     bounds=(120.6, 30.6, 121.0, 30.9))
    report = import_areas(db, area_id=city.id, collection=_collection(_four_levels()),
                          dry_run=True)
    assert (report.created, report.rejected) == (15, 0)
    assert list(_stored(db)) == ["330400"]


def test_real_boundaries_of_a_second_city_from_the_root_down(db):
    report = import_areas(db, area_id=None,
                          collection=json.loads(JIAXING.read_text("utf-8")), code_property="adcode")
    assert (report.created, report.rejected) == (8, 0)
    stored = _stored(db)
    assert stored["330400"].parent_id is None
    assert {code for code, row in stored.items() if row.parent_id == stored["330400"].id} == {
        "330402", "330411", "330421", "330424", "330481", "330482", "330483"}
