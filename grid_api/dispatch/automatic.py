"""Automatic dispatch: a registered case goes to the unit its routing rule names."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from grid_api.cases import queries, workflow
from grid_api.cases.commands import Dispatch
from grid_api.cases.settings import CaseSettings
from grid_api.dispatch import routing
from grid_api.identity.principal import SYSTEM
from grid_api.notifications.inbox import notify_area_supervisors
from models.area import path_ids
from models.case import CaseStatus
from models.category import Category


def auto_dispatch(session: Session, settings: CaseSettings, case_id: int) -> str:
    """Dispatch the case by its best rule; safe to run twice.

    Returns "dispatched", "manual" (no rule: flagged, supervisors told) or "skipped"
    (no longer waiting for dispatch).
    """
    case = queries.get_case(session, case_id, for_update=True)
    if case.status is not CaseStatus.registered or case.unit_id is not None:
        return "skipped"
    category = session.get(Category, case.category_id)
    ranked = routing.candidates(session, category, path_ids(case.area_path))
    if not ranked:
        if not case.needs_manual_dispatch:
            case.needs_manual_dispatch = True
            notify_area_supervisors(session, case, kind="needs_manual_dispatch")
        return "manual"
    ctx = workflow.ActionContext(session, SYSTEM, settings, now=datetime.now(UTC))
    workflow.apply_as_system(ctx, case, Dispatch(unit_id=ranked[0].unit_id,
                                                 note=f"routing rule {ranked[0].rule_id}"))
    return "dispatched"
