"""The closed loop specified at the service level: typed commands through ``workflow.act``,
with the same rules the HTTP API shows."""

import dataclasses

import pytest
from sqlalchemy import select

from grid_api.cases import commands as c
from grid_api.cases import workflow
from grid_api.errors import (
    BusinessRuleViolation,
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    StaleVersion,
    ValidationFailed,
)
from grid_api.identity.principals import principal_for
from models.case import CaseEvent, CaseStatus
from models.user import Role
from tests.factories import make_case, make_grid_tree, make_unit, make_user


@pytest.fixture
def loop(app, db):
    tree = make_grid_tree(db)
    cell = tree["cells"][0]
    unit = make_unit(db)
    people = {
        "supervisor": make_user(db, roles=(Role.supervisor,), area=tree["district"]),
        "outsider": make_user(db, roles=(Role.supervisor,), area=tree["other_district"]),
        "unit": make_user(db, roles=(Role.unit_staff,), unit=unit),
        "worker": make_user(db, roles=(Role.grid_worker,), grid_cells=(cell,)),
        "reporter": make_user(db),
    }
    case = make_case(db, reporter=people["reporter"], cell=cell, category_code="E0104")
    settings = app.extensions["grid_case_settings"]

    def act(who, command, *, expected_versions=None, settings=settings):
        ctx = workflow.ActionContext(db, principal_for(db, people[who].id), settings)
        return workflow.act(ctx, case.id, command, expected_versions=expected_versions)

    return {"act": act, "case": case, "unit": unit, "settings": settings}


def _to_in_progress(loop):
    act = loop["act"]
    act("supervisor", c.Register())
    act("supervisor", c.Dispatch(unit_id=loop["unit"].id))
    return act("unit", c.Accept())


def test_the_loop_closes_through_the_services(db, loop):
    act = loop["act"]
    case = _to_in_progress(loop)
    assert case.handle_deadline is not None
    act("unit", c.Resolve(note="已清理"))
    act("worker", c.Verify())
    closed = act("supervisor", c.Close())
    assert closed.status is CaseStatus.closed
    act("reporter", c.Rate(score=5))
    actions = db.execute(select(CaseEvent.action).where(CaseEvent.case_id == closed.id)
                         .order_by(CaseEvent.seq)).scalars().all()
    assert actions == ["report", "register", "dispatch", "accept", "resolve", "verify",
                       "close", "rate"]


def test_who_may_act_is_the_policys_answer(loop):
    act = loop["act"]
    with pytest.raises(PermissionDenied):  # the reporter sees the report, may not register it
        act("reporter", c.Register())
    with pytest.raises(NotFound):  # a supervisor of another district does not see the report
        act("outsider", c.Register())


def test_a_stale_version_and_a_wrong_status_are_refused(loop):
    act = loop["act"]
    version = loop["case"].version
    act("supervisor", c.Register(), expected_versions=frozenset({version}))
    with pytest.raises(StaleVersion):
        act("supervisor", c.Dispatch(unit_id=loop["unit"].id),
            expected_versions=frozenset({version}))
    with pytest.raises(InvalidTransition):
        act("supervisor", c.Register())


def test_a_return_sends_the_case_back_for_manual_dispatch(loop):
    act = loop["act"]
    _to_in_progress(loop)
    returned = act("unit", c.Return(reason="not_our_responsibility"))
    assert returned.status is CaseStatus.registered
    assert returned.needs_manual_dispatch
    assert returned.unit_id is None
    assert returned.return_count == 1


def test_rules_the_schemas_cannot_see(loop):
    act = loop["act"]
    with pytest.raises(ValidationFailed):
        act("supervisor", c.Reject(reason="duplicate"))  # duplicate of what?
    _to_in_progress(loop)
    with pytest.raises(BusinessRuleViolation):
        act("supervisor", c.Reassign(unit_id=loop["unit"].id, note="同一单位"))
    act("unit", c.RequestExtension(until=loop["case"].handle_deadline.replace(year=2099),
                                   note="等配件"))
    with pytest.raises(Conflict):
        act("unit", c.RequestExtension(until=loop["case"].handle_deadline.replace(year=2099),
                                       note="再次申请"))


def test_auto_close_is_the_systems_step(db, loop):
    auto = dataclasses.replace(loop["settings"], auto_close_verified=True)
    act = loop["act"]
    _to_in_progress(loop)
    act("unit", c.Resolve(note="已修复"))
    closed = act("worker", c.Verify(), settings=auto)
    assert closed.status is CaseStatus.closed
    close_event = db.execute(select(CaseEvent).where(
        CaseEvent.case_id == closed.id, CaseEvent.action == "close")).scalar_one()
    assert close_event.actor_id is None  # the system, not the grid worker
