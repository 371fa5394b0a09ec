"""Jobs of the dispatch and deadline loop: automatic dispatch, the SLA sweep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from grid_api.dispatch import automatic, escalation
from grid_api.infra import counters
from tasks.context import job_app, job_session


def auto_dispatch(session: Session, *, case_id: int, **_: Any) -> None:
    """Outbox topic ``case.auto_dispatch``; idempotent (a dispatched case is skipped)."""
    app = job_app()
    outcome = automatic.auto_dispatch(session, app.extensions["grid_case_settings"], case_id)
    if outcome == "dispatched":
        counters.increment(session, "dispatched")
    elif outcome == "manual":
        counters.increment(session, "manual_dispatch")


def sla_sweep() -> int:
    """Periodic: escalate overdue cases; returns how many were escalated."""
    app = job_app()
    settings = app.config["GRID_SETTINGS"]
    with job_session("sla") as session:
        escalated = escalation.sweep(session, now=datetime.now(UTC),
                              interval=timedelta(minutes=settings.escalation_interval_minutes))
        counters.increment(session, "sla_sweeps")
        counters.increment(session, "escalations", escalated)
    return escalated
