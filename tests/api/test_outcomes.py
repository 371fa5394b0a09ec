"""Honest outcomes of closed and rejected cases, who decided them, and the dispute rate."""

import pytest

from tests.api.test_cases import act, report


def _verified(client, world, unit="unit"):
    case_id = report(client, world["worker"]).get_json()["id"]
    unit_id = world["unit_id"] if unit == "unit" else world["other_unit_id"]
    for who, action, body in (("supervisor", "dispatch", {"unit_id": unit_id}),
                              (unit, "accept", {}), (unit, "resolve", {"note": "已处理"}),
                              ("worker", "verify", {})):
        assert act(client, world[who], case_id, action, body).status_code == 200, action
    return case_id


def test_a_closed_case_says_it_was_fixed_and_who_decided(client, world):
    case_id = _verified(client, world)
    closed = act(client, world["supervisor"], case_id, "close").get_json()
    public = client.get(f"/api/v1/cases/{case_id}", headers=world["neighbour"].headers)
    outcome = public.get_json()["outcome"]
    assert outcome == closed["outcome"]
    assert outcome["kind"] == "fixed"
    assert outcome["decided_by"] == {"role": "supervisor", "unit": world["district"].name}
    assert world["supervisor"].user.display_name not in public.get_data(as_text=True)
    open_case = report(client, world["worker"]).get_json()
    assert open_case["outcome"] is None


def test_not_fixable_now_needs_a_reason(client, world):
    case_id = _verified(client, world)
    missing = act(client, world["supervisor"], case_id, "close", {"outcome": "not_fixable_now"})
    assert missing.status_code == 422
    assert "outcome_reason" in missing.get_json()["errors"]
    closed = act(client, world["supervisor"], case_id, "close", {
        "outcome": "not_fixable_now", "outcome_reason": "需等管网改造，已列入明年计划"})
    assert closed.get_json()["outcome"]["reason"] == "需等管网改造，已列入明年计划"


def test_not_our_responsibility_names_the_body(client, world):
    reported = report(client, world["resident"]).get_json()["id"]
    missing = act(client, world["supervisor"], reported, "reject", {"reason": "out_of_scope"})
    assert missing.status_code == 422
    assert "responsible_body" in missing.get_json()["errors"]
    rejected = act(client, world["supervisor"], reported, "reject", {
        "reason": "out_of_scope", "responsible_body": "国网杭州供电公司"}).get_json()
    assert rejected["outcome"]["kind"] == "not_our_responsibility"
    assert rejected["outcome"]["responsible_body"] == "国网杭州供电公司"
    own = client.get(f"/api/v1/cases/{reported}", headers=world["resident"].headers).get_json()
    assert own["outcome"]["decided_by"]["role"] == "supervisor"


@pytest.mark.parametrize(("body", "kind"), [
    ({"reason": "invalid"}, "invalid"),
    ({"reason": "other", "outcome": "not_fixable_now", "outcome_reason": "天气原因"},
     "not_fixable_now"),
])
def test_rejections_carry_their_outcome(client, world, body, kind):
    reported = report(client, world["resident"]).get_json()["id"]
    assert act(client, world["supervisor"], reported, "reject",
               body).get_json()["outcome"]["kind"] == kind


def test_an_other_rejection_must_say_its_outcome(client, world):
    reported = report(client, world["resident"]).get_json()["id"]
    refused = act(client, world["supervisor"], reported, "reject", {"reason": "other"})
    assert refused.status_code == 422
    assert "outcome" in refused.get_json()["errors"]
    bad = act(client, world["supervisor"], reported, "reject",
              {"reason": "other", "outcome": "fixed"})
    assert bad.status_code == 422


def test_dispute_rate_per_unit(client, world):
    disputed, kept = _verified(client, world), _verified(client, world)
    other = _verified(client, world, unit="other_unit")
    for case_id in (disputed, kept, other):
        act(client, world["supervisor"], case_id, "close")
    # The worker reported these; the reporter disputes.
    assert act(client, world["worker"], disputed, "dispute",
               {"note": "没修好"}).status_code == 200
    rates = client.get("/api/v1/outcomes/dispute-rates",
                       headers=world["supervisor"].headers).get_json()["items"]
    by_unit = {row["unit"]["id"]: (row["fixed"], row["disputed"], row["rate"]) for row in rates}
    assert by_unit == {world["unit_id"]: (2, 1, 0.5), world["other_unit_id"]: (1, 0, 0.0)}
    assert client.get("/api/v1/outcomes/dispute-rates",
                      headers=world["resident"].headers).status_code == 403
    later = client.get("/api/v1/outcomes/dispute-rates?since=2099-01-01T00:00:00Z",
                       headers=world["supervisor"].headers).get_json()["items"]
    assert later == []
