"""The case state table, exhaustively, without a database."""

import pytest

from grid_api.errors import InvalidTransition
from models.case import TRANSITIONS, Case, CaseAction, CaseStatus

ALLOWED = {
    CaseStatus.reported: {CaseAction.register, CaseAction.reject, CaseAction.comment},
    # 自行处置: the system resolves a grid worker's fix on the spot, never dispatched
    CaseStatus.registered: {CaseAction.dispatch, CaseAction.handle_on_site, CaseAction.comment},
    CaseStatus.dispatched: {CaseAction.accept, CaseAction.return_, CaseAction.reassign,
                            CaseAction.defer, CaseAction.comment},
    CaseStatus.in_progress: {CaseAction.resolve, CaseAction.return_, CaseAction.reassign,
                             CaseAction.request_extension, CaseAction.approve_extension,
                             CaseAction.deny_extension, CaseAction.defer, CaseAction.comment},
    CaseStatus.resolved: {CaseAction.verify, CaseAction.reopen, CaseAction.comment},
    CaseStatus.verified: {CaseAction.close, CaseAction.reopen, CaseAction.comment},
    CaseStatus.closed: {CaseAction.rate, CaseAction.dispute, CaseAction.comment},
    CaseStatus.rejected: {CaseAction.comment},
}
for _status in (CaseStatus.reported, CaseStatus.registered, CaseStatus.dispatched,
                CaseStatus.in_progress, CaseStatus.resolved, CaseStatus.verified):
    ALLOWED[_status].add(CaseAction.mark_urgent)  # 急要件 while the case is open


def _case(status):
    case = Case.report(actor_id=1, code="x", category_id=1, description="d", location=None,
                       reporter_id=1, grid_id=1, area_path="/1/")
    case.status = status
    return case


@pytest.mark.parametrize("status", list(CaseStatus))
@pytest.mark.parametrize("action", list(CaseAction))
def test_every_status_and_action(status, action):
    case = _case(status)
    if action in ALLOWED[status]:
        version = case.version
        event = case.apply(action, actor_id=7, note="n")
        assert case.status == TRANSITIONS[(status, action)]
        assert (event.from_status, event.to_status, event.actor_id) == (
            status.value, case.status.value, 7)
        assert case.version == version + 1
    else:
        with pytest.raises(InvalidTransition):
            case.apply(action, actor_id=7)
        assert case.status == status


def test_the_happy_path_closes_the_loop():
    case = _case(CaseStatus.reported)
    for action in (CaseAction.register, CaseAction.dispatch, CaseAction.accept,
                   CaseAction.resolve, CaseAction.verify, CaseAction.close, CaseAction.rate):
        case.apply(action, actor_id=1)
    assert case.status is CaseStatus.closed
    assert [e.seq for e in case.events] == list(range(8))


def test_rework_and_return_paths():
    assert TRANSITIONS[(CaseStatus.resolved, CaseAction.reopen)] is CaseStatus.in_progress
    assert TRANSITIONS[(CaseStatus.closed, CaseAction.dispute)] is CaseStatus.in_progress
    assert TRANSITIONS[(CaseStatus.dispatched, CaseAction.return_)] is CaseStatus.registered


def test_status_groups_are_named_once_and_agree():
    from models.case import (  # noqa: PLC0415
        DEADLINE_BY_STATUS,
        ESCALATABLE_STATUSES,
        OPEN_STATUSES,
        PUBLIC_STATUSES,
        CaseStatus,
        due_deadline_sql,
    )

    assert CaseStatus.verified in OPEN_STATUSES - ESCALATABLE_STATUSES  # waits for closing
    assert ESCALATABLE_STATUSES <= OPEN_STATUSES
    assert CaseStatus.reported not in PUBLIC_STATUSES
    assert CaseStatus.rejected not in PUBLIC_STATUSES | OPEN_STATUSES
    assert "WHEN 'resolved' THEN verify_deadline" in due_deadline_sql()
    assert set(DEADLINE_BY_STATUS.values()) == {"register_deadline", "handle_deadline",
                                                "verify_deadline"}
