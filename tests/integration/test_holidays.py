"""A year's public holidays and make-up days come from the chinesecalendar package, not from
typing: loaded into the working calendar, they move deadlines."""

from datetime import UTC, date, datetime

import pytest

from grid_api.errors import BusinessRuleViolation
from grid_api.working_time.calendar import CALENDARS, WORKING_DAYS, WorkingCalendar, calendar_year
from grid_api.working_time.holidays import load_year, official_days
from models.calendar import CalendarDay


def test_the_official_days_of_2026():
    days = {day: (working, note) for day, working, note in official_days(2026)}
    assert days[date(2026, 2, 16)] == (False, "春节")  # a Monday off
    assert days[date(2026, 2, 14)] == (True, "春节调休上班")  # a Saturday worked
    assert days[date(2026, 10, 10)] == (True, "国庆节调休上班")
    assert date(2026, 2, 21) not in days  # a Saturday off anyway: not an exception
    assert sum(not working for working, _ in days.values()) == 19
    assert sum(working for working, _ in days.values()) == 6


def test_a_year_the_package_does_not_know_is_refused_with_the_years_it_does():
    with pytest.raises(BusinessRuleViolation) as raised:
        official_days(2099)
    assert raised.value.detail_code == "holidays_not_published"
    assert raised.value.params["year"] == 2099
    assert raised.value.params["last"] >= 2026


def test_loading_is_idempotent_and_keeps_days_set_by_hand(db):
    db.add(CalendarDay(day=date(2026, 3, 9), working=False, note="市运动会"))
    db.add(CalendarDay(day=date(2026, 2, 16), working=True, note="typed wrong"))
    db.flush()
    first = load_year(db, 2026)
    assert (first.holidays, first.make_up_days, first.changed) == (19, 6, 25)
    again = load_year(db, 2026)
    assert again.changed == 0
    stored = {row.day: row.working for row in calendar_year(db, 2026)}
    assert stored[date(2026, 3, 9)] is False  # the city's own day stays
    assert stored[date(2026, 2, 16)] is False  # the official day wins over a typo


def test_loaded_holidays_move_a_deadline(db):
    load_year(db, 2026)
    calendar = WorkingCalendar(CALENDARS.exceptions(db))
    # Friday 13 Feb 2026 + 2 working days: Saturday 14th is a make-up day, then 16th–20th and
    # 23rd are the Spring Festival; the second working day is Tuesday 24th.
    due = calendar.add(datetime(2026, 2, 13, 2, 0, tzinfo=UTC), 2, WORKING_DAYS)
    assert due.astimezone(calendar.zone).date() == date(2026, 2, 24)
