"""Urgent cases' time limits: the category's own, else a share of the ordinary one."""

from datetime import time

from grid_api.cases.deadlines import stage_limit_for
from grid_api.working_time.calendar import WorkingCalendar

CALENDAR = WorkingCalendar({}, time(8, 30), time(17, 30))


def test_ordinary_cases_keep_their_limit():
    own = {"handle": {"value": 2, "unit": "working_days"}}
    assert stage_limit_for("handle", own, None, urgent=False, cal=CALENDAR,
                           urgent_percent=50) == {"value": 2, "unit": "working_days"}


def test_urgent_cases_get_a_share_in_working_hours():
    own = {"handle": {"value": 2, "unit": "working_days"}}
    assert stage_limit_for("handle", own, None, urgent=True, cal=CALENDAR,
                           urgent_percent=50) == {"value": 9.0, "unit": "working_hours"}
    hours = {"verify": {"value": 3, "unit": "working_hours"}}
    assert stage_limit_for("verify", None, hours, urgent=True, cal=CALENDAR,
                           urgent_percent=25) == {"value": 0.75, "unit": "working_hours"}


def test_a_category_urgent_limit_wins_and_falls_back_to_the_major_class():
    own = {"handle": {"value": 2, "unit": "working_days"}}
    major = {"urgent_handle": {"value": 1, "unit": "working_hours"}}
    assert stage_limit_for("handle", own, major, urgent=True, cal=CALENDAR,
                           urgent_percent=50) == {"value": 1, "unit": "working_hours"}
    assert stage_limit_for("register", own, major, urgent=True, cal=CALENDAR,
                           urgent_percent=50) is None
