"""Who hears of what: inbox messages, written in the same transaction as their cause."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, any_, func, literal, select
from sqlalchemy.orm import Session

from grid_api.errors import NotFound
from models.case import Case
from models.notification import Notification
from models.user import Role, User

# kind → (zh-CN title, en title, zh-CN body, en body); bodies may use {code}, {level}.
TEMPLATES: dict[str, tuple[str, str, str, str]] = {
    "needs_manual_dispatch": ("案件待人工派遣", "Case needs manual dispatch",
                              "案件 {code} 没有匹配的派遣规则，请人工派遣。",
                              "No routing rule matches case {code}; please dispatch it."),
    "case_returned": ("案件被回退", "Case returned",
                      "处置单位回退了案件 {code}，请重新派遣。",
                      "The unit returned case {code}; please dispatch it again."),
    "case_overdue": ("案件超期", "Case overdue",
                     "案件 {code} 已超过处置期限（第 {level} 级督办）。",
                     "Case {code} is past its deadline (escalation level {level})."),
}


def notify(session: Session, user_ids: Iterable[int], *, kind: str, case: Case | None = None,
           **params: Any) -> list[Notification]:
    params = {"code": case.code if case else None, **params}
    messages = [Notification(user_id=user_id, case_id=case.id if case else None, kind=kind,
                             params=params) for user_id in sorted(set(user_ids))]
    session.add_all(messages)
    return messages


def _supervisors_by_area(session: Session, area_ids: list[int]) -> dict[int, list[int]]:
    rows = session.execute(select(User.area_id, User.id).where(
        User.area_id.in_(area_ids), literal(Role.supervisor.value) == any_(User.roles),
        User.disabled_at.is_(None))).all()
    found: dict[int, list[int]] = {}
    for area_id, user_id in rows:
        found.setdefault(area_id, []).append(user_id)
    return found


def area_supervisors(session: Session, case: Case, *, level: int = 1) -> list[int]:
    """The supervisors who hear of this case at an escalation level: level 1 is the nearest
    area above the case that has supervisors, level 2 the next one up, and so on (the top
    one stays in charge beyond that)."""
    nearest_first = [int(part) for part in reversed(case.area_path.strip("/").split("/"))]
    by_area = _supervisors_by_area(session, nearest_first)
    staffed = [by_area[area_id] for area_id in nearest_first if area_id in by_area]
    if not staffed:
        return []
    return staffed[min(level, len(staffed)) - 1]


def notify_area_supervisors(session: Session, case: Case, *, kind: str,
                            level: int = 1) -> list[Notification]:
    return notify(session, area_supervisors(session, case, level=level), kind=kind, case=case,
                  level=level)


def render(message: Notification, locale: str) -> dict[str, Any]:
    zh_title, en_title, zh_body, en_body = TEMPLATES[message.kind]
    english = locale == "en"
    return {
        "id": message.id, "kind": message.kind, "case_id": message.case_id,
        "title": en_title if english else zh_title,
        "body": (en_body if english else zh_body).format(**message.params),
        "created_at": message.created_at, "read_at": message.read_at,
    }


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
