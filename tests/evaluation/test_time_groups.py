"""Indicators grouped by day, week or month: every case in the bucket of its local date —
cases near local midnight, a period starting mid-week, and a zone that changes its clocks."""

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from grid_api.cases import tally
from grid_api.evaluation import indicators
from grid_api.evaluation.definitions import Definitions
from grid_api.evaluation.indicators import Period, Scope
from models.case_counter import CaseCounter
from models.user import Role
from tests.factories import make_case, make_grid_tree, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")  # clocks go forward on 2026-03-29


def _instants(zone):
    """Instants around local midnights, a week's turn, a month's turn and a clock change."""
    local = [datetime(2026, 2, 28, 23, 59, 59), datetime(2026, 3, 1, 0, 0),
             datetime(2026, 3, 1, 0, 30), datetime(2026, 3, 4, 12, 0),  # a Wednesday
             datetime(2026, 3, 8, 23, 59), datetime(2026, 3, 9, 0, 1),  # Sunday → Monday
             datetime(2026, 3, 28, 23, 30), datetime(2026, 3, 29, 3, 30),
             datetime(2026, 3, 31, 23, 59, 59), datetime(2026, 4, 1, 0, 0),
             datetime(2026, 4, 2, 8, 0)]
    return [moment.replace(tzinfo=zone) for moment in local]


def _truncated(moment, zone, unit):
    day = moment.astimezone(zone).date()
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    return day


def _reported_at(db, instants):
    """Cases reported at these instants (and registered at once); returns the grid tree."""
    tree = make_grid_tree(db)
    reporter = make_user(db, roles=(Role.grid_worker,))
    cases = [make_case(db, reporter=reporter, cell=tree["cells"][0]) for _ in instants]
    tally.rebuild_cases(db, [case.id for case in cases])
    for case, moment in zip(cases, instants, strict=True):
        db.execute(update(CaseCounter).where(CaseCounter.case_id == case.id)
                   .values(reported_at=moment.astimezone(UTC),
                           registered_at=moment.astimezone(UTC)))
    return tree


@pytest.mark.parametrize("split", [indicators.SPLIT_BUCKETS, 0],
                         ids=["an-aggregate-per-bucket", "one-grouped-pass"])
@pytest.mark.parametrize("zone", [SHANGHAI, BERLIN], ids=["Asia/Shanghai", "Europe/Berlin"])
@pytest.mark.parametrize("unit", ["day", "week", "month"])
def test_each_case_in_the_bucket_of_its_local_date(db, monkeypatch, zone, unit, split):
    monkeypatch.setattr(indicators, "SPLIT_BUCKETS", split)
    instants = _instants(zone)
    tree = _reported_at(db, instants)
    period = Period.checked(date(2026, 3, 4), date(2026, 4, 1), zone)  # from a Wednesday
    groups = indicators.compute(db, scope=Scope(area_path=tree["community"].path),
                                period=period, group_by=unit, definitions=Definitions(),
                                now=datetime.now(UTC))
    inside = [moment for moment in instants if period.start <= moment < period.end]
    expected = Counter(_truncated(moment, zone, unit).isoformat() for moment in inside)
    assert {key: counts["reported"] for key, counts in groups.items()} == dict(expected)
    assert sum(expected.values()) == 7  # the instants before 3-04 and after 4-01 left out


def test_the_buckets_are_named_as_date_trunc_names_them():
    period = Period.checked(date(2026, 12, 30), date(2027, 1, 12), SHANGHAI)
    assert indicators.buckets(period, "week") == [date(2026, 12, 28), date(2027, 1, 4),
                                                  date(2027, 1, 11)]
    assert indicators.buckets(period, "month") == [date(2026, 12, 1), date(2027, 1, 1)]
    assert len(indicators.buckets(period, "day")) == 14


def test_periods_to_date_in_one_pass_equal_each_period_alone(db):
    """The overview's year, month and day so far (and a repeated first day)."""
    tree = _reported_at(db, _instants(SHANGHAI))
    scope = Scope(area_path=tree["community"].path)
    last = date(2026, 3, 31)
    firsts = {"year": date(2026, 1, 1), "month": date(2026, 3, 1), "day": last,
              "also_month": date(2026, 3, 1)}
    now = datetime.now(UTC)
    together = indicators.to_date(db, scope=scope, last=last, firsts=firsts, zone=SHANGHAI,
                                  definitions=Definitions(), now=now)
    for name, first in firsts.items():
        alone = indicators.total(indicators.compute(
            db, scope=scope, period=Period(first, last, SHANGHAI), group_by="none",
            definitions=Definitions(), now=now))
        assert together[name] == alone, name
    assert [together[name]["reported"] for name in firsts] == [9, 8, 1, 8]
    assert [together[name]["registered"] for name in firsts] == [9, 8, 1, 8]


def test_only_the_named_measures_are_counted(db):
    tree = _reported_at(db, _instants(SHANGHAI))
    scope = Scope(area_path=tree["community"].path)
    period = Period.checked(date(2026, 2, 1), date(2026, 4, 30), SHANGHAI)
    now = datetime.now(UTC)
    full = indicators.compute(db, scope=scope, period=period, group_by="month",
                              definitions=Definitions(), now=now)
    light = indicators.compute(db, scope=scope, period=period, group_by="month",
                               definitions=Definitions(), now=now, only=("registered",))
    assert {key: counts["registered"] for key, counts in light.items()} == {
        key: counts["registered"] for key, counts in full.items()} == {
        "2026-02-01": 1, "2026-03-01": 8, "2026-04-01": 2}
    assert all(counts["reported"] == 0 for counts in light.values())
