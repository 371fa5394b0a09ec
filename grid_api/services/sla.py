"""Overdue cases: flag them, tell the area's supervisors once per escalation level, and climb
the area tree while a case stays overdue. Safe with several sweepers at once: each case is
taken with SKIP LOCKED and escalated only when its level is due."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from grid_api.services.notifications import notify_area_supervisors
from models.case import Case

BATCH = 1000
MAX_LEVEL = 5  # cell's community … city: beyond the top the top stays in charge

# The deadline that applies in each open status (verified cases wait for closing only).
DUE = """CASE status
    WHEN 'reported' THEN register_deadline WHEN 'registered' THEN register_deadline
    WHEN 'resolved' THEN verify_deadline ELSE handle_deadline END"""

ESCALATE = text(f"""
    UPDATE cases SET overdue = true, escalation_level = escalation_level + 1,
                     escalated_at = :now, updated_at = :now, version = version + 1
    WHERE id IN (
        SELECT id FROM cases
        WHERE status IN ('reported', 'registered', 'dispatched', 'in_progress', 'resolved')
          AND NOT deferred AND {DUE} < :now
          AND (escalated_at IS NULL OR escalated_at < :now - :interval)
          AND escalation_level < :max_level
        ORDER BY id LIMIT :batch
        FOR UPDATE SKIP LOCKED)
    RETURNING id, escalation_level
""")  # noqa: S608 - DUE is a constant


def sweep(session: Session, *, now: datetime, interval: timedelta) -> int:
    """Escalate every case whose next level is due; returns how many were escalated."""
    rows = session.execute(ESCALATE, {"now": now, "interval": interval, "batch": BATCH,
                                      "max_level": MAX_LEVEL}).all()
    for case_id, level in rows:
        case = session.get(Case, case_id)
        notify_area_supervisors(session, case, kind="case_overdue", level=level)
    return len(rows)
