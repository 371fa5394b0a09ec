"""Watch areas: who hears of a new or closed case, once; digests; the limits."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from grid_api.residents import watching
from models.area import AreaLevel
from models.outbox import OutboxMessage, Topic
from models.watch import WatchNotice
from tasks.residents import watch_fan_out
from tests.api.conftest import Person
from tests.api.test_cases import POINT, act, report
from tests.factories import bearer, login, make_area, make_user


def _watch(client, who, **body):
    return client.post("/api/v1/me/watch-areas", json=body, headers=who.headers)


def _kinds(client, who):
    return [m["kind"] for m in client.get("/api/v1/notifications",
                                          headers=who.headers).get_json()["items"]]


@pytest.fixture
def watchers(client, db, world):
    def person():
        user = make_user(db)
        return Person(user, bearer(login(client, user)))

    far_street = make_area(db, parent=world["other_district"], level=AreaLevel.street,
                           bounds=(120.25, 30.15, 120.26, 30.16))
    people = {name: person() for name in (
        "community", "street", "far", "near_circle", "far_circle", "components",
        "events", "follower")}
    community, street = world["community"].id, world["street"].id
    for name, body in {
        "community": {"area_id": community}, "street": {"area_id": street},
        "far": {"area_id": far_street.id},
        "near_circle": {"circle": {"center": {"type": "Point", "coordinates": [
            POINT[0] + 0.002, POINT[1]]}, "radius_m": 300}},
        "far_circle": {"circle": {"center": {"type": "Point", "coordinates": [
            POINT[0] + 0.01, POINT[1]]}, "radius_m": 300}},
        "components": {"area_id": community, "category_groups": ["C01"]},
        "events": {"area_id": community, "category_groups": ["E01", "E02"]},
        "follower": {"area_id": community},
    }.items():
        assert _watch(client, people[name], **body).status_code == 201, name
    # The community watcher watches the street too: still one message per case.
    _watch(client, people["community"], area_id=street)
    return people


def _fan_outs(db, case_id):
    return [m.payload for m in db.execute(select(OutboxMessage).where(
        OutboxMessage.topic == Topic.watch_fan_out.value)).scalars()
        if m.payload["case_id"] == case_id]


def test_watchers_hear_of_a_new_case_in_their_area_once(client, db, world, watchers):
    case_id = report(client, world["worker"]).get_json()["id"]  # E0104, public at once
    assert _fan_outs(db, case_id) == [{"case_id": case_id, "kind": "new"}]
    watch_fan_out(db, case_id=case_id, kind="new")
    watch_fan_out(db, case_id=case_id, kind="new")  # delivered twice: heard once
    told = {name for name, who in watchers.items() if "watch_new_case" in _kinds(client, who)}
    assert told == {"community", "street", "near_circle", "events", "follower"}
    assert _kinds(client, watchers["community"]) == ["watch_new_case"]


def test_a_private_report_is_not_announced_until_registered(client, db, world, watchers):
    case_id = report(client, world["resident"]).get_json()["id"]
    assert _fan_outs(db, case_id) == []
    act(client, world["supervisor"], case_id, "register")
    assert _fan_outs(db, case_id) == [{"case_id": case_id, "kind": "new"}]


def test_closures_reach_watchers_but_not_followers_twice(client, db, world, watchers):
    case_id = report(client, world["worker"]).get_json()["id"]
    client.put(f"/api/v1/cases/{case_id}/follow", headers=watchers["follower"].headers)
    for who, action, body in (("supervisor", "dispatch", {"unit_id": world["unit_id"]}),
                              ("unit", "accept", {}), ("unit", "resolve", {"note": "好了"}),
                              ("worker", "verify", {}), ("supervisor", "close", {})):
        act(client, world[who], case_id, action, body)
    assert {"case_id": case_id, "kind": "closed"} in _fan_outs(db, case_id)
    watch_fan_out(db, case_id=case_id, kind="closed")
    assert _kinds(client, watchers["street"]) == ["watch_case_closed"]
    follower = _kinds(client, watchers["follower"])
    assert "watch_case_closed" not in follower
    assert "followed_case_closed" in follower


def test_never_about_ones_own_report(client, db, world):
    _watch(client, world["worker"], area_id=world["community"].id)
    case_id = report(client, world["worker"]).get_json()["id"]
    watch_fan_out(db, case_id=case_id, kind="new")
    assert "watch_new_case" not in _kinds(client, world["worker"])


def test_a_digest_holds_the_days_cases_once_each(client, db, world):
    digest = world["neighbour"]
    assert _watch(client, digest, area_id=world["community"].id,
                  daily_digest=True).status_code == 201
    first = report(client, world["worker"]).get_json()
    second = report(client, world["worker"], category="E0102").get_json()
    for case in (first, second):
        watch_fan_out(db, case_id=case["id"], kind="new")
    watch_fan_out(db, case_id=first["id"], kind="closed")  # new and closed the same day
    assert _kinds(client, digest) == []  # nothing at once
    db.execute(update(WatchNotice).values(created_at=datetime.now(UTC) - timedelta(days=1)))
    cutoff = watching.digest_cutoff(datetime.now(UTC), "Asia/Shanghai", 0)
    assert watching.send_digests(db, cutoff) == 1
    assert watching.send_digests(db, cutoff) == 0  # sent once
    messages = client.get("/api/v1/notifications", headers=digest.headers).get_json()["items"]
    assert [m["kind"] for m in messages] == ["watch_digest"]
    body = messages[0]["body"]
    assert "2 个案件" in body
    assert body.count(first["code"]) == 1
    assert second["code"] in body


def test_digest_cutoff_waits_for_the_digest_hour():
    before = datetime(2026, 12, 2, 23, 0, tzinfo=UTC)  # 07:00 on the 3rd in Shanghai
    after = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)  # 09:00 on the 3rd
    assert watching.digest_cutoff(before, "Asia/Shanghai", 8) == datetime(
        2026, 12, 1, 16, 0, tzinfo=UTC)  # the 2nd's notices wait
    assert watching.digest_cutoff(after, "Asia/Shanghai", 8) == datetime(
        2026, 12, 2, 16, 0, tzinfo=UTC)


def test_watch_areas_listed_and_removed(client, world):
    who = world["neighbour"]
    made = _watch(client, who, circle={"center": {"type": "Point", "coordinates": POINT},
                                       "radius_m": 500}, category_groups=["E01"]).get_json()
    assert made["circle"]["radius_m"] == 500
    assert made["circle"]["center"]["coordinates"] == pytest.approx(POINT)
    listed = client.get("/api/v1/me/watch-areas", headers=who.headers).get_json()["items"]
    assert [w["id"] for w in listed] == [made["id"]]
    assert client.delete(f"/api/v1/me/watch-areas/{made['id']}",
                         headers=world["resident"].headers).status_code == 404
    assert client.delete(f"/api/v1/me/watch-areas/{made['id']}",
                         headers=who.headers).status_code == 204


@pytest.mark.parametrize(("body", "field"), [
    ({"circle": {"center": {"type": "Point", "coordinates": POINT}, "radius_m": 5000}},
     "radius_m"),
    ({"area_id": "{community}", "category_groups": ["E99"]}, "category_groups"),
    ({"area_id": "{district}"}, "area_id"),
    ({}, "area_id"),
    ({"area_id": "{community}", "circle": {"center": {"type": "Point", "coordinates": POINT},
                                           "radius_m": 100}}, "area_id"),
    ({"area_id": 10**9}, "area_id"),
])
def test_bad_watch_areas_are_422(client, world, body, field):
    for key, value in list(body.items()):
        if isinstance(value, str):
            body[key] = world[value.strip("{}")].id
    refused = _watch(client, world["neighbour"], **body)
    assert refused.status_code == 422, refused.get_json()
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert field in refused.get_json()["errors"]


def test_too_many_watch_areas_is_422(client, world):
    for _ in range(5):
        assert _watch(client, world["neighbour"], area_id=world["community"].id).status_code == 201
    refused = _watch(client, world["neighbour"], area_id=world["street"].id)
    assert refused.status_code == 422
    assert refused.get_json()["detail"] == "最多可关注 5 个区域"
