"""Deadlines of a case's stages on the city's working calendar."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from grid_api.cases.settings import CaseSettings
from grid_api.working_time.calendar import CALENDARS, WorkingCalendar
from models.category import Category


def calendar(session: Session, settings: CaseSettings,
             fingerprint: str | None = None) -> WorkingCalendar:
    """The working calendar (cached per process; ``fingerprint`` if already read)."""
    return WorkingCalendar(CALENDARS.exceptions(session, fingerprint), settings.day_start,
                           settings.day_end, ZoneInfo(settings.timezone))


def deadline(cal: WorkingCalendar, category: Category, stage: str,
             start: datetime) -> datetime | None:
    return deadline_after(cal, category.limit(stage), start)


def deadline_after(cal: WorkingCalendar, limit: dict[str, Any] | None,
                   start: datetime) -> datetime | None:
    return cal.add(start, limit["value"], limit["unit"]) if limit else None
