"""Following a public case (我也遇到): counts, each step heard once, duplicates, nearby."""

from collections import Counter

from sqlalchemy import select

from models.notification import Notification
from models.outbox import OutboxMessage, Topic
from tests.api.test_cases import POINT, act, report


def _follow(client, who, case_id, method="PUT"):
    return client.open(f"/api/v1/cases/{case_id}/follow", method=method, headers=who.headers)


def _inbox(client, who):
    return client.get("/api/v1/notifications", headers=who.headers).get_json()["items"]


def _registered(client, world, who="resident"):
    case_id = report(client, world[who]).get_json()["id"]
    if who == "resident":
        act(client, world["supervisor"], case_id, "register")
    return case_id


def test_a_follower_hears_each_step_once(client, db, world):
    case_id = _registered(client, world)
    neighbour = world["neighbour"]
    followed = _follow(client, neighbour, case_id)
    assert followed.status_code == 200
    assert followed.get_json() == {"case_id": case_id, "following": True, "followers": 1}
    assert _follow(client, neighbour, case_id).get_json()["followers"] == 1  # a retry
    seen = client.get(f"/api/v1/cases/{case_id}", headers=neighbour.headers).get_json()
    assert (seen["followers"], seen["following"], seen["can_follow"]) == (1, True, True)
    own = client.get(f"/api/v1/cases/{case_id}", headers=world["resident"].headers).get_json()
    assert (own["followers"], own["following"], own["can_follow"]) == (1, False, False)
    for who, action, body in (
            ("supervisor", "dispatch", {"unit_id": world["unit_id"]}),
            ("supervisor", "reassign", {"unit_id": world["other_unit_id"], "note": "改派"}),
            ("other_unit", "accept", {}), ("other_unit", "resolve", {"note": "已清扫"}),
            ("worker", "verify", {}), ("supervisor", "close", {}),
            ("resident", "dispute", {"note": "又脏了"})):
        assert act(client, world[who], case_id, action, body).status_code == 200, action
    messages = _inbox(client, neighbour)
    assert Counter(m["kind"] for m in messages) == {
        "followed_case_dispatched": 1, "followed_case_resolved": 1, "followed_case_closed": 1,
        "followed_case_reopened": 1}
    assert all(m["case_id"] == case_id for m in messages)
    # Each message also goes out by push, through the outbox, after the commit.
    pushed = {i for message in db.execute(select(OutboxMessage).where(
        OutboxMessage.topic == Topic.push_notification.value)).scalars()
        for i in message.payload["notification_ids"]}
    assert {m["id"] for m in messages} <= pushed
    reporter_kinds = [m["kind"] for m in _inbox(client, world["resident"])]
    assert not [kind for kind in reporter_kinds if kind.startswith("followed_")]


def test_unfollowing_stops_the_messages(client, world):
    case_id = _registered(client, world)
    _follow(client, world["neighbour"], case_id)
    left = _follow(client, world["neighbour"], case_id, "DELETE")
    assert left.get_json() == {"case_id": case_id, "following": False, "followers": 0}
    act(client, world["supervisor"], case_id, "dispatch", {"unit_id": world["unit_id"]})
    assert _inbox(client, world["neighbour"]) == []


def test_own_and_private_cases_cannot_be_followed(client, world):
    public = _registered(client, world)
    own = _follow(client, world["resident"], public)
    assert own.status_code == 422
    assert own.headers["Content-Type"] == "application/problem+json"
    assert own.get_json()["detail"] == "不能关注自己上报的案件，进展会直接通知您"
    private = report(client, world["resident"]).get_json()["id"]  # reported, not public
    assert _follow(client, world["neighbour"], private).status_code == 404
    assert _follow(client, world["supervisor"], private).status_code == 404
    assert _follow(client, world["neighbour"], 10**9).status_code == 404
    english = client.put(f"/api/v1/cases/{public}/follow",
                         headers={**world["resident"].headers, "Accept-Language": "en"})
    assert english.get_json()["detail"].startswith("You cannot follow your own report")


def test_the_cases_one_follows(client, world):
    first, second = _registered(client, world), _registered(client, world, "worker")
    _follow(client, world["neighbour"], first)
    _follow(client, world["neighbour"], second)
    listed = client.get("/api/v1/me/following", headers=world["neighbour"].headers).get_json()
    assert [item["id"] for item in listed["items"]] == [second, first]
    assert all(item["following"] and item["redacted"] for item in listed["items"])


def test_nearby_offers_cases_to_follow_before_a_report(client, world):
    theirs = _registered(client, world)
    _follow(client, world["admin"], theirs)
    query = f"lon={POINT[0]}&lat={POINT[1]}&category=E0104&radius_m=100"
    items = client.get(f"/api/v1/cases/nearby?{query}",
                       headers=world["neighbour"].headers).get_json()["items"]
    assert [(i["id"], i["can_follow"], i["followers"]) for i in items] == [(theirs, True, 1)]
    own = client.get(f"/api/v1/cases/nearby?{query}",
                     headers=world["resident"].headers).get_json()["items"]
    assert [(i["id"], i["can_follow"]) for i in own] == [(theirs, False)]


def test_a_duplicate_reporter_becomes_a_follower_and_is_told(client, db, world):
    original = _registered(client, world)
    duplicate = report(client, world["neighbour"]).get_json()["id"]
    rejected = act(client, world["supervisor"], duplicate, "reject",
                   {"reason": "duplicate", "duplicate_of": original})
    assert rejected.status_code == 200
    outcome = rejected.get_json()["outcome"]
    assert outcome["kind"] == "duplicate"
    assert outcome["duplicate_of"]["id"] == original
    assert outcome["duplicate_of"]["href"] == f"/api/v1/cases/{original}"
    told = _inbox(client, world["neighbour"])
    assert [m["kind"] for m in told] == ["case_duplicate_followed"]
    original_code = client.get(f"/api/v1/cases/{original}",
                               headers=world["neighbour"].headers).get_json()["code"]
    assert original_code in told[0]["body"]
    seen = client.get(f"/api/v1/cases/{original}", headers=world["neighbour"].headers).get_json()
    assert (seen["followers"], seen["following"]) == (1, True)
    act(client, world["supervisor"], original, "dispatch", {"unit_id": world["unit_id"]})
    assert [m["kind"] for m in _inbox(client, world["neighbour"])] == [
        "followed_case_dispatched", "case_duplicate_followed"]


def test_a_duplicate_of_ones_own_report_follows_nothing(client, db, world):
    original = _registered(client, world)
    again = report(client, world["resident"]).get_json()["id"]
    act(client, world["supervisor"], again, "reject",
        {"reason": "duplicate", "duplicate_of": original})
    assert [m["kind"] for m in _inbox(client, world["resident"])][:1] == ["case_rejected"]
    seen = client.get(f"/api/v1/cases/{original}", headers=world["resident"].headers).get_json()
    assert seen["followers"] == 0
    assert db.execute(select(Notification.kind).where(
        Notification.kind == "case_duplicate_followed")).first() is None
