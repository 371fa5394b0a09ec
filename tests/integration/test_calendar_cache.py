"""The working calendar cached per process under the fingerprint of its rows."""

from datetime import date

from sqlalchemy import text

from grid_api.working_time.calendar import CALENDAR_FINGERPRINT_SQL, CalendarCache
from models.calendar import CalendarDay


def _fingerprint(db) -> str:
    return db.execute(text(CALENDAR_FINGERPRINT_SQL)).scalar()


def test_the_calendar_is_reloaded_only_when_its_fingerprint_changes(db):
    cache, holiday = CalendarCache(), date(2031, 10, 1)
    before = _fingerprint(db)
    assert holiday not in cache.exceptions(db, before)
    db.add(CalendarDay(day=holiday, working=False, note="国庆节"))
    db.flush()
    assert holiday not in cache.exceptions(db, before)  # same fingerprint: kept
    after = _fingerprint(db)
    assert after != before
    assert cache.exceptions(db, after)[holiday] is False


def test_a_changed_working_flag_changes_the_fingerprint(db):
    day = CalendarDay(day=date(2031, 10, 11), working=True, note="调休上班")
    db.add(day)
    db.flush()
    working = _fingerprint(db)
    day.working = False
    db.flush()
    assert _fingerprint(db) != working


def test_without_a_fingerprint_the_cache_reads_it_itself(db):
    cache, holiday = CalendarCache(), date(2031, 10, 2)
    assert holiday not in cache.exceptions(db)
    db.add(CalendarDay(day=holiday, working=False, note="国庆节"))
    db.flush()
    assert cache.exceptions(db)[holiday] is False
