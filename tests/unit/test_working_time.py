"""Working-time deadlines: weekends, holidays, make-up days, hours across days."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from grid_api.working_time.calendar import WORKING_DAYS, WORKING_HOURS, WorkingCalendar

SH = ZoneInfo("Asia/Shanghai")
# 2026 National Day: 1–7 Oct off, Sunday 27 Sep and Saturday 10 Oct are make-up working days.
CALENDAR = WorkingCalendar({**{date(2026, 10, d): False for d in range(1, 8)},
                            date(2026, 9, 27): True, date(2026, 10, 10): True},
                           time(8, 30), time(17, 30), SH)


def local(*args):
    return datetime(*args, tzinfo=SH)


def test_hours_within_a_day():
    assert CALENDAR.add(local(2026, 11, 25, 9, 0), 2, WORKING_HOURS) == local(2026, 11, 25, 11, 0)


def test_hours_roll_over_the_evening_and_weekend():
    # Friday 16:30 + 2 h: one hour on Friday, one on Monday from 08:30.
    assert CALENDAR.add(local(2026, 11, 27, 16, 30), 2, WORKING_HOURS) == local(
        2026, 11, 30, 9, 30)


def test_reports_at_night_start_next_morning():
    assert CALENDAR.add(local(2026, 11, 25, 22, 0), 1, WORKING_HOURS) == local(
        2026, 11, 26, 9, 30)


def test_days_skip_the_holiday_and_count_the_make_up_saturday():
    # Reported Wed 30 Sep: the next working day is Thu 8 Oct, after the holiday.
    assert CALENDAR.add(local(2026, 9, 30, 10, 0), 1, WORKING_DAYS) == local(2026, 10, 8, 17, 30)
    assert CALENDAR.add(local(2026, 10, 8, 10, 0), 2, WORKING_DAYS) == local(
        2026, 10, 10, 17, 30)
    assert CALENDAR.add(local(2026, 9, 26, 10, 0), 1, WORKING_DAYS) == local(
        2026, 9, 27, 17, 30)


def test_result_is_utc():
    assert CALENDAR.add(local(2026, 11, 25, 9, 0), 1, WORKING_HOURS).tzinfo == UTC
