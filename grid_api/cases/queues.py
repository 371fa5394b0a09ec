"""Work queues of the command centre: the cases waiting for a supervisor's decision, as
filters over the cases a principal may see, and their counts in one statement."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, exists, func, select
from sqlalchemy.orm import Session

from grid_api.cases import policy
from grid_api.identity.principal import Principal
from models.case import DEADLINE_BY_STATUS, ESCALATABLE_STATUSES, Case, CaseEvent, CaseStatus


class WorkQueue(enum.StrEnum):
    manual_dispatch = "manual_dispatch"  # no routing rule matched: dispatch by hand
    returned = "returned"  # a unit sent it back (回退): dispatch again
    overdue = "overdue"
    due_soon = "due_soon"
    extension_requested = "extension_requested"  # 延期 waiting for a decision
    disputed = "disputed"  # the reporter disputed the result; being reworked


def _running_deadline() -> ColumnElement:
    return case(*((Case.status == status, getattr(Case, column))
                  for status, column in DEADLINE_BY_STATUS.items()), else_=None)


def condition(queue: WorkQueue, now: datetime, *, soon_until: datetime | None
              ) -> ColumnElement[bool]:
    """Which cases are in ``queue`` at ``now``; "nearly overdue" ends at ``soon_until``
    (deadlines.due_soon_until)."""
    escalatable = Case.status.in_(sorted(ESCALATABLE_STATUSES))
    if queue is WorkQueue.manual_dispatch:
        return and_(Case.status == CaseStatus.registered, Case.needs_manual_dispatch,
                    Case.return_count == 0)
    if queue is WorkQueue.returned:
        return and_(Case.status == CaseStatus.registered, Case.return_count > 0)
    if queue is WorkQueue.overdue:
        return and_(escalatable, Case.overdue, ~Case.deferred)
    if queue is WorkQueue.due_soon:
        deadline = _running_deadline()
        return and_(escalatable, ~Case.overdue, ~Case.deferred, deadline >= now,
                    deadline < soon_until)
    if queue is WorkQueue.extension_requested:
        return and_(Case.status == CaseStatus.in_progress,
                    Case.extension_requested_until.is_not(None))
    return and_(Case.status == CaseStatus.in_progress, exists().where(
        CaseEvent.case_id == Case.id, CaseEvent.action == "dispute"))


def counts(session: Session, principal: Principal, now: datetime, *,
           soon_until: datetime) -> dict[str, int]:
    """How many cases the principal's scope has in each queue, in one statement."""
    row = session.execute(
        select(*(func.count().filter(condition(queue, now, soon_until=soon_until))
                 .label(queue.value) for queue in WorkQueue))
        .where(policy.cases_fully_visible_to(principal),
               Case.status.not_in([CaseStatus.closed, CaseStatus.rejected]))).one()
    return dict(row._mapping)
