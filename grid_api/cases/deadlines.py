"""Deadlines of a case's stages on the city's working calendar."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from grid_api.cases.settings import CaseSettings
from grid_api.working_time.calendar import (
    CALENDARS,
    WORKING_DAYS,
    WORKING_HOURS,
    WorkingCalendar,
)
from models.category import Category, stage_limit


def calendar(session: Session, settings: CaseSettings,
             fingerprint: str | None = None) -> WorkingCalendar:
    """The working calendar (cached per process; ``fingerprint`` if already read)."""
    return WorkingCalendar(CALENDARS.exceptions(session, fingerprint), settings.day_start,
                           settings.day_end, ZoneInfo(settings.timezone))


def due_soon_until(session: Session, settings: CaseSettings, now: datetime) -> datetime:
    """The end of the "nearly overdue" window (即将超期): one working day's hours from
    ``now`` on the working calendar — on a Friday afternoon it reaches into Monday, where
    24 wall-clock hours would end on Saturday and warn of nothing."""
    cal = calendar(session, settings)
    return cal.add(now, cal.hours_per_day, WORKING_HOURS)


URGENT = "urgent_"  # a category's own limits for urgent cases: "urgent_handle", …


def stage_limit_for(stage: str, own: dict[str, Any] | None, major: dict[str, Any] | None, *,
                    urgent: bool, cal: WorkingCalendar,
                    urgent_percent: int) -> dict[str, Any] | None:
    """The time limit of a stage: an urgent case takes the category's urgent limit, else
    ``urgent_percent`` of the ordinary one (counted in working hours)."""
    if urgent and (own_urgent := stage_limit(URGENT + stage, own, major)) is not None:
        return own_urgent
    limit = stage_limit(stage, own, major)
    if not urgent or limit is None:
        return limit
    hours = limit["value"] * (cal.hours_per_day if limit["unit"] == WORKING_DAYS else 1)
    return {"value": round(hours * urgent_percent / 100, 2), "unit": WORKING_HOURS}


def deadline(cal: WorkingCalendar, category: Category, stage: str, start: datetime, *,
             urgent: bool = False, urgent_percent: int = 100) -> datetime | None:
    major = category.parent.time_limits if category.parent is not None else None
    return deadline_after(cal, stage_limit_for(stage, category.time_limits, major,
                                               urgent=urgent, cal=cal,
                                               urgent_percent=urgent_percent), start)


def deadline_after(cal: WorkingCalendar, limit: dict[str, Any] | None,
                   start: datetime) -> datetime | None:
    return cal.add(start, limit["value"], limit["unit"]) if limit else None
