"""Who hears of what: inbox messages, written in the same transaction as their cause."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, any_, func, literal, select, text
from sqlalchemy.orm import Session

from grid_api.errors import NotFound
from grid_api.infra import outbox
from models.area import path_ids
from models.case import Case
from models.notification import Notification
from models.outbox import Topic
from models.user import Role, User

PUSH_BATCH = 200  # notifications per push job: a sweep announcing thousands makes few jobs


def notify(session: Session, user_ids: Iterable[int], *, kind: str, case: Case | None = None,
           **params: Any) -> list[int]:
    """Inbox messages for ``user_ids``, each pushed to their devices after the commit;
    returns their ids."""
    params = {"code": case.code if case else None, **params}
    rows = [{"user_id": user_id, "case_id": case.id if case else None, "kind": kind,
             "params": params} for user_id in sorted(set(user_ids))]
    return insert_messages(session, rows)


INSERT_MANY = text("""
    INSERT INTO notifications (user_id, case_id, kind, params)
    SELECT * FROM unnest(CAST(:user_ids AS bigint[]), CAST(:case_ids AS bigint[]),
                         CAST(:kinds AS varchar[]), CAST(:params AS jsonb[]))
    RETURNING id
""")


def insert_messages(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Write inbox messages in one statement (arrays, not one row of parameters per
    message: a sweep writes thousands) and schedule their pushes."""
    if not rows:
        return []
    ids = list(session.execute(INSERT_MANY, {
        "user_ids": [row["user_id"] for row in rows],
        "case_ids": [row.get("case_id") for row in rows],
        "kinds": [row["kind"] for row in rows],
        "params": [json.dumps(row.get("params") or {}, ensure_ascii=False) for row in rows],
    }).scalars())
    outbox.add_many(session, Topic.push_notification,
                    [{"notification_ids": ids[start:start + PUSH_BATCH]}
                     for start in range(0, len(ids), PUSH_BATCH)])
    return ids


class SupervisorDirectory:
    """Supervisors by the area they answer for; load once, ask for many cases."""

    def __init__(self, session: Session, area_ids: Iterable[int] | None = None) -> None:
        query = select(User.area_id, User.id).where(
            literal(Role.supervisor.value) == any_(User.roles), User.disabled_at.is_(None),
            User.area_id.is_not(None))
        if area_ids is not None:
            query = query.where(User.area_id.in_(list(area_ids)))
        self.by_area: dict[int, list[int]] = {}
        for area_id, user_id in session.execute(query):
            self.by_area.setdefault(area_id, []).append(user_id)

    def for_case(self, area_path: str, level: int = 1) -> list[int]:
        """Level 1 is the nearest area above the case that has supervisors, level 2 the next
        one up, and so on (the top one stays in charge beyond that)."""
        nearest_first = path_ids(area_path)[::-1]
        staffed = [self.by_area[area] for area in nearest_first if area in self.by_area]
        return staffed[min(level, len(staffed)) - 1] if staffed else []


def area_supervisors(session: Session, case: Case, *, level: int = 1) -> list[int]:
    ancestors = path_ids(case.area_path)
    return SupervisorDirectory(session, ancestors).for_case(case.area_path, level)


def notify_area_supervisors(session: Session, case: Case, *, kind: str,
                            level: int = 1) -> list[int]:
    return notify(session, area_supervisors(session, case, level=level), kind=kind, case=case,
                  level=level)


def inbox_query(user_id: int, *, unread_only: bool = False) -> Select:
    query = select(Notification).where(Notification.user_id == user_id)
    return query.where(Notification.read_at.is_(None)) if unread_only else query


def unread_count(session: Session, user_id: int) -> int:
    return session.execute(select(func.count()).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))).scalar()


def mark_read(session: Session, user_id: int, notification_id: int) -> Notification:
    """Raises NotFound (also for someone else's message)."""
    message = session.get(Notification, notification_id)
    if message is None or message.user_id != user_id:
        raise NotFound
    if message.read_at is None:
        message.read_at = datetime.now(UTC)
    return message
