"""A job that changes something says in its log line what it changed."""

import logging

from tasks.dispatch import auto_dispatch
from tests.api.test_cases import report
from tests.api.test_dispatching import _rule
from tests.factories import make_unit


def test_a_dispatch_says_which_case_went_to_which_unit(client, db, world, caplog):
    unit = make_unit(db, name="保洁公司")
    _rule(client, world, "E0104", world["community"], unit.id)
    case_id = report(client, world["worker"]).get_json()["id"]
    caplog.set_level(logging.INFO, logger="tasks")
    auto_dispatch(db, case_id=case_id)
    auto_dispatch(db, case_id=case_id)  # a redelivery changes nothing and says nothing
    assert [r.getMessage() for r in caplog.records if r.name.startswith("tasks")] == [
        f"case {case_id} dispatched to unit {unit.id} by routing rule"]
