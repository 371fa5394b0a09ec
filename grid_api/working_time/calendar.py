"""Deadlines on the working calendar: weekdays are working days unless the calendar says
otherwise (public holidays off, make-up Saturdays on), within daily working hours."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from models.calendar import CalendarDay

WORKING_HOURS, WORKING_DAYS = "working_hours", "working_days"
SATURDAY = 5
MAX_SEARCH_DAYS = 3660  # a deadline ten years out means a broken calendar, not a real one


@dataclass(frozen=True)
class WorkingCalendar:
    exceptions: Mapping[date, bool]  # day → working?
    day_start: time = time(8, 30)
    day_end: time = time(17, 30)
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))

    @property
    def hours_per_day(self) -> float:
        opening = datetime.combine(date.min, self.day_end) - datetime.combine(date.min,
                                                                             self.day_start)
        return opening / timedelta(hours=1)

    def is_working(self, day: date) -> bool:
        return self.exceptions.get(day, day.weekday() < SATURDAY)

    def _opening(self, day: date) -> tuple[datetime, datetime]:
        return (datetime.combine(day, self.day_start, self.zone),
                datetime.combine(day, self.day_end, self.zone))

    def add(self, start: datetime, value: float, unit: str) -> datetime:
        """``start`` plus ``value`` working hours, or the end of the ``value``-th working day
        after the day of ``start``; in UTC."""
        local = start.astimezone(self.zone)
        if unit == WORKING_DAYS:
            day, remaining = local.date(), int(value)
            for _ in range(MAX_SEARCH_DAYS):
                day += timedelta(days=1)
                remaining -= self.is_working(day)
                if remaining <= 0:
                    return self._opening(day)[1].astimezone(UTC)
            raise ValueError("no working day found")
        return self._add_hours(local, timedelta(hours=value)).astimezone(UTC)

    def _add_hours(self, local: datetime, left: timedelta) -> datetime:
        day = local.date()
        for _ in range(MAX_SEARCH_DAYS):
            if self.is_working(day):
                opens, closes = self._opening(day)
                begin = max(local, opens)
                if begin < closes:
                    if begin + left <= closes:
                        return begin + left
                    left -= closes - begin
            day += timedelta(days=1)
        raise ValueError("no working time found")


# The calendar's rows in one string: equal fingerprints, equal calendars. Cheap (a few
# hundred rows at most), so the hot path reads it alongside its own data.
CALENDAR_FINGERPRINT_SQL = """
    SELECT md5(coalesce(string_agg(day::text || ':' || working::text, ',' ORDER BY day), ''))
    FROM calendar_days"""
_CALENDAR_WITH_FINGERPRINT = text(f"""
    SELECT ({CALENDAR_FINGERPRINT_SQL}) AS fingerprint,
           coalesce(json_object_agg(day, working), '{{}}') AS days
    FROM calendar_days""")  # noqa: S608 - constant fragments only


class CalendarCache:
    """The last calendar this process loaded, under the fingerprint of its rows.

    Readers check the fingerprint (reports in their own query) and reload only when it
    changed: the calendar changes a few times a year, deadlines are set every second. Rows and
    fingerprint are read in one statement, so a cached calendar is never mislabelled.
    """

    def __init__(self) -> None:
        self._latest: tuple[str, dict[date, bool]] | None = None

    def exceptions(self, session: Session, fingerprint: str | None = None
                   ) -> Mapping[date, bool]:
        """The calendar's exceptions; ``fingerprint`` if the caller read it already."""
        if fingerprint is None:
            fingerprint = session.execute(text(CALENDAR_FINGERPRINT_SQL)).scalar()
        latest = self._latest
        if latest is not None and latest[0] == fingerprint:
            return latest[1]
        row = session.execute(_CALENDAR_WITH_FINGERPRINT).one()
        exceptions = {date.fromisoformat(day): working for day, working in row.days.items()}
        self._latest = (row.fingerprint, exceptions)
        return exceptions


def calendar_year(session: Session, year: int) -> list[CalendarDay]:
    """The days of a year that break the weekday rule, in order."""
    return list(session.execute(select(CalendarDay).where(
        CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
        .order_by(CalendarDay.day)).scalars())


def set_calendar_day(session: Session, *, day: date, working: bool,
                     note: str | None = None) -> CalendarDay:
    """Mark a day as working or not (a holiday, or a make-up working day)."""
    stored = session.merge(CalendarDay(day=day, working=working, note=note))
    session.flush()
    return stored


CALENDARS = CalendarCache()  # this process's
