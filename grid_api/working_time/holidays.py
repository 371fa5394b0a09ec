"""Mainland China's public holidays and make-up working days (调休), from the chinesecalendar
package, loaded into the working calendar so a city does not type them in.

The State Council publishes each year's arrangement in the autumn before; the package
follows it in a release, so loading next year's days needs an upgraded package.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib.metadata import version

import chinese_calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from grid_api.errors import BusinessRuleViolation
from models.calendar import CalendarDay

SOURCE = f"chinesecalendar {version('chinesecalendar')}"
SATURDAY = 5


@dataclass
class HolidayLoad:
    year: int
    source: str = SOURCE
    holidays: int = 0  # weekdays off
    make_up_days: int = 0  # weekend days worked
    changed: int = 0  # rows written or rewritten by this load
    days: list[CalendarDay] = field(default_factory=list)


def covered_years() -> tuple[int, int]:
    """The first and last year the installed package knows."""
    known = chinese_calendar.holidays.keys()
    return min(known).year, max(known).year


def official_days(year: int) -> list[tuple[date, bool, str]]:
    """(day, working, note) for each day of ``year`` that breaks the weekday rule.
    Raises BusinessRuleViolation (a year the package does not cover)."""
    first, last = covered_years()
    if not first <= year <= last:
        raise BusinessRuleViolation("holidays_not_published",
                                    params={"year": year, "first": first, "last": last})
    days, day = [], date(year, 1, 1)
    while day.year == year:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        if on_holiday == (day.weekday() < SATURDAY):  # off on a weekday, or on at a weekend
            festival = chinese_calendar.Holiday(name).chinese if name else "休息日"
            days.append((day, not on_holiday, festival if on_holiday else f"{festival}调休上班"))
        day += timedelta(days=1)
    return days


def load_year(session: Session, year: int) -> HolidayLoad:
    """Write ``year``'s official holidays and make-up days into the working calendar; days
    set by hand on other dates are kept. Safe to run again. Raises BusinessRuleViolation."""
    official = official_days(year)
    stored = {row.day: row for row in session.execute(select(CalendarDay).where(
        CalendarDay.day.in_([day for day, _, _ in official]))).scalars()}
    load = HolidayLoad(year)
    for day, working, note in official:
        row = stored.get(day)
        if row is None or (row.working, row.note) != (working, note):
            row = session.merge(CalendarDay(day=day, working=working, note=note))
            load.changed += 1
        load.days.append(row)
        load.holidays += not working
        load.make_up_days += working
    session.flush()
    return load
