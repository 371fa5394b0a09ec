"""Who hears about which step of a case: residents of their report's progress, units of new
dispatches, grid workers of verification tasks, followers of the steps of the cases they follow
(supervisors hear of returns and overdue cases where those happen)."""

from __future__ import annotations

from sqlalchemy import any_, literal, select
from sqlalchemy.orm import Session

from grid_api.notifications.inbox import notify
from models.case import Case, CaseAction, CaseEvent
from models.follow import CaseFollower
from models.user import GridAssignment, Role, User

# action → what the reporter hears
_TO_REPORTER = {
    CaseAction.register: "case_registered", CaseAction.reject: "case_rejected",
    CaseAction.dispatch: "case_dispatched", CaseAction.resolve: "case_resolved",
    CaseAction.close: "case_closed",
}


# action → what the followers of the case hear (我也遇到): each step once
_TO_FOLLOWERS = {
    CaseAction.dispatch: "followed_case_dispatched", CaseAction.resolve: "followed_case_resolved",
    CaseAction.close: "followed_case_closed", CaseAction.reopen: "followed_case_reopened",
    CaseAction.dispute: "followed_case_reopened",
}


def _unit_staff(session: Session, unit_id: int) -> list[int]:
    return list(session.execute(select(User.id).where(
        User.unit_id == unit_id, literal(Role.unit_staff.value) == any_(User.roles),
        User.disabled_at.is_(None))).scalars())


def _grid_workers(session: Session, cell_id: int) -> list[int]:
    return list(session.execute(select(GridAssignment.user_id).where(
        GridAssignment.area_id == cell_id)).scalars())


def _followers(session: Session, case: Case, actor: int | None) -> list[int]:
    return list(session.execute(select(CaseFollower.user_id).where(
        CaseFollower.case_id == case.id,
        CaseFollower.user_id.not_in([case.reporter_id, actor or case.reporter_id]))).scalars())


def _tell_reporter(session: Session, case: Case, action: CaseAction) -> None:
    original = (session.get(Case, case.duplicate_of_id)
                if action is CaseAction.reject and case.duplicate_of_id else None)
    if original is not None and original.reporter_id != case.reporter_id:
        # A duplicate's reporter now follows the original (cases.outcomes.follow_original).
        notify(session, [case.reporter_id], kind="case_duplicate_followed", case=case,
               original=original.code)
    else:
        notify(session, [case.reporter_id], kind=_TO_REPORTER[action], case=case)


def announce(session: Session, case: Case, event: CaseEvent) -> None:
    """Tell the people concerned by ``event``, in the same transaction."""
    action = CaseAction(event.action)
    actor = event.actor_id
    if action in _TO_REPORTER and case.reporter_id != actor:
        _tell_reporter(session, case, action)
    if action in _TO_FOLLOWERS:
        notify(session, _followers(session, case, actor), kind=_TO_FOLLOWERS[action], case=case)
    if action in {CaseAction.dispatch, CaseAction.reassign} and case.unit_id is not None:
        notify(session, [u for u in _unit_staff(session, case.unit_id) if u != actor],
               kind="new_dispatch", case=case)
    if action is CaseAction.resolve:
        notify(session, [u for u in _grid_workers(session, case.grid_id) if u != actor],
               kind="verification_task", case=case)
    if (action is CaseAction.comment and not event.internal and actor is not None
            and actor != case.reporter_id):
        notify(session, [case.reporter_id], kind="staff_reply", case=case)
