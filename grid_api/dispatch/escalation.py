"""Overdue cases: flag them, tell the area's supervisors once per escalation level, and climb
the area tree while a case stays overdue. Safe with several sweepers at once: each case is
taken with SKIP LOCKED and escalated only when its level is due."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from grid_api.notifications.inbox import SupervisorDirectory, insert_messages
from models.case import due_deadline_sql, escalatable_statuses_sql

BATCH = 20000
MAX_LEVEL = 5  # cell's community … city: beyond the top the top stays in charge


ESCALATE = text(f"""
    UPDATE cases SET overdue = true, escalation_level = escalation_level + 1,
                     escalated_at = :now, updated_at = :now, version = version + 1
    WHERE id IN (
        SELECT id FROM cases
        WHERE status IN ({escalatable_statuses_sql()})
          AND NOT deferred AND {due_deadline_sql()} < :now
          AND (escalated_at IS NULL OR escalated_at < :now - :interval)
          AND escalation_level < :max_level
        ORDER BY id LIMIT :batch
        FOR UPDATE SKIP LOCKED)
    RETURNING id, code, escalation_level, area_path
""")  # noqa: S608 - built from the constant status table


DIGEST_CODES = 10  # a digest names this many of its cases; the inbox links the rest by area


def _messages(rows, directory: SupervisorDirectory) -> list[dict]:
    """One message per supervisor and level: about the case, or a digest of the cases when
    a sweep finds several (nobody reads ten thousand separate messages)."""
    by_reader: dict[tuple[int, int], list[tuple[int, str]]] = defaultdict(list)
    for case_id, code, level, area_path in rows:
        for user_id in directory.for_case(area_path, level):
            by_reader[(user_id, level)].append((case_id, code))
    messages = []
    for (user_id, level), found in sorted(by_reader.items()):
        if len(found) == 1:
            [(case_id, code)] = found
            messages.append({"user_id": user_id, "case_id": case_id, "kind": "case_overdue",
                             "params": {"code": code, "level": level}})
        else:
            codes = "、".join(code for _, code in found[:DIGEST_CODES])
            messages.append({"user_id": user_id, "case_id": None, "kind": "cases_overdue",
                             "params": {"count": len(found), "level": level, "codes": codes}})
    return messages


def sweep(session: Session, *, now: datetime, interval: timedelta) -> int:
    """Escalate every case whose next level is due, a batch at a time; returns how many.

    The supervisors are told in the same transaction, so a level is announced exactly once
    however many sweepers run.
    """
    escalated = 0
    directory = SupervisorDirectory(session)
    while rows := session.execute(ESCALATE, {"now": now, "interval": interval,
                                             "batch": BATCH, "max_level": MAX_LEVEL}).all():
        insert_messages(session, _messages(rows, directory))
        escalated += len(rows)
    return escalated
