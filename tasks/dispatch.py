"""Jobs of the dispatch and deadline loop: automatic dispatch, the SLA sweep."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from grid_api.dispatch import automatic, escalation
from grid_api.infra import counters
from models.case import Case
from tasks.context import job_app, job_session

log = logging.getLogger(__name__)


def auto_dispatch(session: Session, *, case_id: int, **_: Any) -> None:
    """Outbox topic ``case.auto_dispatch``; idempotent (a dispatched case is skipped)."""
    app = job_app()
    outcome = automatic.auto_dispatch(session, app.extensions["grid_case_settings"], case_id)
    if outcome == "dispatched":
        log.info("case %s dispatched to unit %s by routing rule", case_id,
                 session.get(Case, case_id).unit_id)
        counters.increment(session, "dispatched")
    elif outcome == "manual":
        log.info("case %s waits for manual dispatch: no routing rule matches", case_id)
        counters.increment(session, "manual_dispatch")
    else:
        log.debug("case %s no longer waits for dispatch; nothing to do", case_id)


def sla_sweep() -> int:
    """Periodic: escalate overdue cases; returns how many were escalated."""
    app = job_app()
    settings = app.config["GRID_SETTINGS"]
    with job_session("sla") as session:
        escalated = escalation.sweep(session, now=datetime.now(UTC),
                              interval=timedelta(minutes=settings.escalation_interval_minutes))
        counters.increment(session, "sla_sweeps")
        counters.increment(session, "escalations", escalated)
    if escalated:
        log.info("SLA sweep escalated %d overdue case(s)", escalated)
    else:
        log.debug("SLA sweep: no case due for escalation")
    return escalated
