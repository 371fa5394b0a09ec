"""Importing real, messy boundaries: repair, reject with reasons, overlaps, gaps, history."""

import copy
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from grid_api.errors import BusinessRuleViolation, NotFound, ValidationFailed
from grid_api.geography.area_import import import_areas
from models.area import Area, AreaLevel, AreaVersion
from tests.factories import make_area

DATA = Path(__file__).resolve().parents[2] / "grid_api" / "data" / "hangzhou-districts.geojson"
HANGZHOU = json.loads(DATA.read_text("utf-8"))


@pytest.fixture
def city(db):
    return make_area(db, level=AreaLevel.city, code="330100", name="杭州市",
                     bounds=(118.3, 29.1, 120.8, 30.6))


def _square(code, name, x, y, size=0.01):
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"type": "Feature", "properties": {"code": code, "name": name},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def _collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def test_hangzhou_districts_import_repaired_with_overlaps_reported(db, city):
    report = import_areas(db, area_id=city.id, collection=HANGZHOU)
    assert (report.created, report.repaired, report.rejected) == (13, 13, 0)
    # After repair one pair of neighbours still overlaps: 桐庐县 and 建德市, about 0.02 km².
    assert [o["codes"] for o in report.overlaps] == [["330122", "330182"]]
    assert report.overlaps[0]["area_m2"] == pytest.approx(20_450, rel=0.01)
    assert report.gaps[0]["parent"] == "330100"  # the city here is a box around them
    stored = db.execute(select(func.count()).where(
        Area.parent_id == city.id, func.ST_IsValid(Area.geom))).scalar()
    assert stored == 13


def test_reimport_updates_in_place_and_keeps_history(db, city):
    import_areas(db, area_id=city.id, collection=HANGZHOU)
    renamed = copy.deepcopy(HANGZHOU)
    renamed["features"][0]["properties"]["name"] = "上城区（新）"
    report = import_areas(db, area_id=city.id, collection=renamed)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 12)
    versions = db.execute(select(func.count()).select_from(AreaVersion)).scalar()
    assert versions == 1  # the twelve areas the file left alone keep no new version
    area = db.execute(select(Area).where(Area.code == "330102")).scalar_one()
    assert area.name == "上城区（新）"
    history = db.execute(select(AreaVersion).where(AreaVersion.area_id == area.id)).scalars().all()
    assert [version.name for version in history] == ["上城区"]


def test_every_kind_of_bad_feature_is_rejected_with_its_reason(db, city):
    district = make_area(db, parent=city, code="330106", name="西湖区",
                         bounds=(120.0, 30.1, 120.2, 30.3))
    line = {"type": "Feature", "properties": {"code": "330106007", "name": "线"},
            "geometry": {"type": "LineString", "coordinates": [[120.1, 30.2], [120.11, 30.21]]}}
    out_of_range = _square("330106008", "越界", 200.0, 30.2)
    flat = _square("330106009", "无面积", 120.1, 30.2, size=0.0)
    report = import_areas(db, area_id=district.id, collection=_collection(
        _square("330106001", "街道一", 120.05, 30.15),
        _square("330106001", "重复", 120.07, 30.15),
        _square("33010600", "短码", 120.09, 30.15),
        _square("330107002", "别区", 120.11, 30.15),
        _square("330106003", "区外", 121.5, 30.15),
        line, out_of_range, flat,
        {"type": "Feature", "properties": {"name": "无码"}, "geometry": None},
        "not even a feature",
    ))
    reasons = [(item.code, item.status, item.reason) for item in report.features]
    assert reasons == [
        ("330106001", "created", None),
        ("330106001", "rejected", "duplicate_code"),
        ("33010600", "rejected", "code_format"),
        ("330107002", "rejected", "parent_missing"),
        ("330106003", "rejected", "outside_parent"),
        ("330106007", "rejected", "wrong_geometry_type"),
        ("330106008", "rejected", "coordinates_out_of_range"),
        ("330106009", "rejected", "unrepairable_no_area"),
        (None, "rejected", "missing_code"),
        (None, "rejected", "not_a_feature"),
    ]
    assert report.rejected == 9


def test_partly_outside_the_parent_is_clipped_when_mostly_inside(db, city):
    district = make_area(db, parent=city, code="330106", bounds=(120.0, 30.0, 120.1, 30.1))
    report = import_areas(db, area_id=district.id, collection=_collection(
        _square("330106001", "边缘", 120.0995, 30.05, size=0.05)))  # 1% inside only
    assert report.features[0].reason == "outside_parent"
    report = import_areas(db, area_id=district.id, collection=_collection(
        _square("330106002", "边缘", 120.0501, 30.05, size=0.05)))  # 99.8% inside
    assert report.features[0].status == "created"
    assert report.features[0].repaired
    clipped = db.execute(select(func.ST_XMax(Area.geom)).where(Area.code == "330106002")).scalar()
    assert clipped == pytest.approx(120.1)


def test_retired_codes_are_never_reused(db, city):
    district = make_area(db, parent=city, code="330106", bounds=(120.0, 30.0, 120.1, 30.1))
    old = make_area(db, parent=district, level=AreaLevel.street, code="330106001",
                    bounds=(120.0, 30.0, 120.01, 30.01))
    old.valid_to = old.valid_from
    db.flush()
    report = import_areas(db, area_id=district.id, collection=_collection(
        _square("330106001", "复用", 120.02, 30.02)))
    assert report.features[0].reason == "code_retired"


def test_gaps_between_children_are_reported(db, city):
    district = make_area(db, parent=city, code="330106", bounds=(120.0, 30.0, 120.021, 30.01))
    report = import_areas(db, area_id=district.id, collection=_collection(
        _square("330106001", "西", 120.0, 30.0), _square("330106002", "东", 120.011, 30.0)))
    assert report.overlaps == []
    [gap] = report.gaps
    assert (gap["parent"], gap["count"]) == ("330106", 1)
    # A 0.001° × 0.01° strip at 30°N: about 96 m × 1,109 m.
    assert gap["area_m2"] == pytest.approx(106_700, rel=0.01)


def test_touching_neighbours_noded_differently_leave_no_gap(db, city):
    """Surveyed neighbours share an edge without sharing its vertices."""
    district = make_area(db, parent=city, code="330106", bounds=(120.0, 30.0, 120.02, 30.01))
    west = _square("330106001", "西", 120.0, 30.0)
    west["geometry"]["coordinates"][0].insert(2, [120.01, 30.005])  # a vertex mid-edge
    report = import_areas(db, area_id=district.id, collection=_collection(
        west, _square("330106002", "东", 120.01, 30.0)))
    assert report.created == 2
    assert report.gaps == []


@pytest.mark.parametrize("position", [[120.0, "30.0"], [120.0, None], [True, 30.0]])
def test_a_position_that_is_not_two_numbers_is_rejected(db, city, position):
    feature = _square("330106", "西湖区", 120.0, 30.0)
    feature["geometry"]["coordinates"][0][1] = position
    report = import_areas(db, area_id=city.id, collection=_collection(feature))
    assert report.features[0].reason == "coordinates_out_of_range"


def test_a_code_one_level_too_deep_for_its_parent_is_rejected(db, city):
    report = import_areas(db, area_id=city.id, collection=_collection(
        _square("330100001", "市辖街道", 120.0, 30.0)))  # a street's code under the city
    assert report.features[0].reason == "code_not_under_parent"
    assert report.created == 0


def test_dry_run_writes_nothing(db, city):
    report = import_areas(db, area_id=city.id, collection=HANGZHOU, dry_run=True)
    assert report.created == 13
    assert db.execute(select(func.count()).where(Area.parent_id == city.id)).scalar() == 0


@pytest.mark.parametrize("body", [{"type": "FeatureCollection", "features": []},
                                  {"type": "Feature"}, [], {"type": "FeatureCollection"}])
def test_not_a_usable_collection_is_refused(db, city, body):
    with pytest.raises(ValidationFailed):
        import_areas(db, area_id=city.id, collection=body)


def test_missing_parent_and_grid_parent(db, city):
    with pytest.raises(NotFound):
        import_areas(db, area_id=10**9, collection=HANGZHOU)
    cell = make_area(db, level=AreaLevel.grid, parent=city, code="330106001002001")
    with pytest.raises(BusinessRuleViolation):
        import_areas(db, area_id=cell.id, collection=HANGZHOU)


def test_one_file_fills_a_whole_subtree_by_codes(db, city):
    district = make_area(db, parent=city, code="330106", bounds=(120.0, 30.0, 120.1, 30.1))
    streets = [make_area(db, parent=district, level=AreaLevel.street, code=f"33010600{n}",
                         bounds=(120.0 + n * 0.01, 30.0, 120.01 + n * 0.01, 30.01))
               for n in (1, 2)]
    communities = [make_area(db, parent=street, level=AreaLevel.community,
                             code=f"{street.code}001", bounds=street_bounds)
                   for street, street_bounds in zip(streets, [(120.01, 30.0, 120.02, 30.01),
                                                             (120.02, 30.0, 120.03, 30.01)],
                                                    strict=True)]
    cells = [_square(f"{community.code}{n:03d}", f"格{n}", x, 30.0, size=0.005)
             for community, x0 in zip(communities, (120.01, 120.02), strict=True)
             for n, x in ((1, x0), (2, x0 + 0.005))]
    elsewhere = _square("330105001001001", "外区", 120.01, 30.0, size=0.005)
    report = import_areas(db, area_id=district.id, collection=_collection(*cells, elsewhere))
    assert report.created == 4
    assert report.features[-1].reason == "parent_missing"
    assert report.features[-1].missing_parent == "330105001001"
    parents = db.execute(select(Area.code, Area.parent_id, Area.path).where(
        Area.level == AreaLevel.grid)).all()
    by_id = {c.id: c for c in communities}
    for code, parent_id, path in parents:
        assert code.startswith(by_id[parent_id].code)
        assert path.startswith(by_id[parent_id].path)
