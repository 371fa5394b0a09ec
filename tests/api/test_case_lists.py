"""Case lists scoped by role, filters, cursors; nearby duplicates; the dispute window."""

import base64
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, update
from sqlalchemy.engine import Engine

from models.case import Case
from tests.api.test_cases import POINT, act, report


def _ids(response):
    return [item["id"] for item in response.get_json()["items"]]


def test_lists_are_scoped_by_role(client, world):
    reported = report(client, world["resident"]).get_json()["id"]
    registered = report(client, world["worker"]).get_json()["id"]
    dispatched = report(client, world["worker"], category="E0501").get_json()["id"]
    act(client, world["supervisor"], dispatched, "dispatch", {"unit_id": world["unit_id"]})

    def listed(who, query=""):
        return set(_ids(client.get(f"/api/v1/cases{query}", headers=world[who].headers)))

    assert listed("supervisor") == {reported, registered, dispatched}
    assert listed("far_supervisor") == set()
    assert listed("unit") == {dispatched}
    assert listed("other_unit") == set()
    assert listed("worker") == {reported, registered, dispatched}  # all in own cells
    assert listed("far_worker") == set()
    assert listed("admin") == {reported, registered, dispatched}
    assert listed("resident", "?mine=true") == {reported}
    assert listed("neighbour") == {registered, dispatched}  # public ones only …
    items = client.get("/api/v1/cases", headers=world["neighbour"].headers).get_json()["items"]
    assert all(item["redacted"] for item in items)  # … and redacted


def test_filters_and_cursor(client, world):
    ids = [report(client, world["worker"], category=c).get_json()["id"]
           for c in ("E0104", "E0104", "E0501", "C0107", "E0104")]
    headers = world["supervisor"].headers
    assert set(_ids(client.get("/api/v1/cases?category=E0104", headers=headers))) == {
        ids[0], ids[1], ids[4]}
    assert set(_ids(client.get("/api/v1/cases?category=E05", headers=headers))) == {ids[2]}
    assert set(_ids(client.get("/api/v1/cases?category=C", headers=headers))) == {ids[3]}
    assert _ids(client.get("/api/v1/cases?status=reported", headers=headers)) == []
    first = client.get("/api/v1/cases?limit=2", headers=headers).get_json()
    second = client.get(f"/api/v1/cases?limit=2&cursor={first['next_cursor']}",
                        headers=headers).get_json()
    third = client.get(f"/api/v1/cases?limit=2&cursor={second['next_cursor']}",
                       headers=headers).get_json()
    paged = [i["id"] for page in (first, second, third) for i in page["items"]]
    assert paged == sorted(ids, reverse=True)
    assert third["next_cursor"] is None
    area = world["street"].id
    assert len(_ids(client.get(f"/api/v1/cases?area={area}", headers=headers))) == 5
    other = world["other_district"].id
    assert _ids(client.get(f"/api/v1/cases?area={other}", headers=headers)) == []
    bbox = f"{POINT[0] - 0.001},{POINT[1] - 0.001},{POINT[0] + 0.001},{POINT[1] + 0.001}"
    assert len(_ids(client.get(f"/api/v1/cases?bbox={bbox}", headers=headers))) == 5
    assert _ids(client.get("/api/v1/cases?overdue=true", headers=headers)) == []
    future = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert _ids(client.get(f"/api/v1/cases?created_from={future}", headers=headers)) == []


def test_bad_list_arguments_are_422(client, world):
    headers = world["supervisor"].headers
    for query in ("status=open", "limit=0", "limit=500", "cursor=abc", "bbox=1,2",
                  "created_from=tomorrow"):
        assert client.get(f"/api/v1/cases?{query}", headers=headers).status_code == 422, query


def test_nearby_suggests_duplicates_nearest_first(client, world):
    near = report(client, world["worker"], location={
        "type": "Point", "coordinates": [POINT[0] + 0.0003, POINT[1]]}).get_json()["id"]
    nearer = report(client, world["worker"], location={
        "type": "Point", "coordinates": [POINT[0] + 0.0001, POINT[1]]}).get_json()["id"]
    report(client, world["worker"], category="E0501")  # another category
    report(client, world["worker"], location={
        "type": "Point", "coordinates": [POINT[0] + 0.01, POINT[1]]})  # ~1 km away
    query = f"lon={POINT[0]}&lat={POINT[1]}&category=E0104&radius_m=100"
    body = client.get(f"/api/v1/cases/nearby?{query}", headers=world["neighbour"].headers)
    items = body.get_json()["items"]
    assert [item["id"] for item in items] == [nearer, near]
    assert 5 < items[0]["distance_m"] < 15 < items[1]["distance_m"] < 40
    assert all(item["redacted"] for item in items)


def test_dispute_window(client, db, world):
    case_id = report(client, world["resident"]).get_json()["id"]
    for who, action, body in (("supervisor", "register", {}),
                              ("supervisor", "dispatch", {"unit_id": world["unit_id"]}),
                              ("unit", "accept", {}), ("unit", "resolve", {"note": "好了"}),
                              ("worker", "verify", {}), ("supervisor", "close", {})):
        act(client, world[who], case_id, action, body)
    db.execute(update(Case).where(Case.id == case_id).values(
        closed_at=datetime.now(UTC) - timedelta(days=8)))
    late = act(client, world["resident"], case_id, "dispute", {"note": "又坏了"})
    assert late.status_code == 422
    assert late.get_json()["detail"] == "结案已超过 7 天，不能再申诉"


def test_case_views_never_read_area_outlines(client, world):
    """District and city outlines run to thousands of vertices; a case view needs names."""
    supervisor = world["supervisor"].headers
    case_id = report(client, world["worker"]).get_json()["id"]
    act(client, world["supervisor"], case_id, "dispatch", {"unit_id": world["unit_id"]})
    statements = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        listed = client.get("/api/v1/cases", headers=supervisor).get_json()["items"]
        one = client.get(f"/api/v1/cases/{case_id}", headers=supervisor).get_json()
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    assert listed[0]["grid"]["ancestors"]
    assert one["unit"]["id"] == world["unit_id"]
    assert statements
    assert not [s for s in statements if "areas.geom" in s]


@pytest.mark.parametrize("raw", ['["2026-01-01T00:00:00+00:00", Infinity]',
                                 '["2026-01-01T00:00:00+00:00", NaN]', '[1, 2]', '{}'])
def test_forged_cursors_are_422(client, world, raw):
    cursor = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
    response = client.get(f"/api/v1/cases?cursor={cursor}", headers=world["supervisor"].headers)
    assert response.status_code == 422
    assert "cursor" in response.get_json()["errors"]
