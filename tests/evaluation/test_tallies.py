"""The daily tallies answer exactly what counting the cases answers: for the city and its
districts, every grouping the tallies serve, both 口径 and deferral rules, before and after
folding, after cases move, lose their counters or are rebuilt — and where they cannot
answer (a street, a unit, a category), the cases are counted."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, func, select, text, update

from grid_api import cli
from grid_api.evaluation import indicators, tallies
from grid_api.evaluation.definitions import Definitions
from grid_api.evaluation.indicators import Period, Scope
from models.case_counter import CaseCounter
from models.tally import Tally, TallyChange
from tests.evaluation.test_indicators_exact import _facts_of, expected
from tests.evaluation_city import build_city

ZONE = ZoneInfo("Asia/Shanghai")
RULES = (Definitions(),
         Definitions(cohort="reported", exclude_deferred=False, satisfied_from=5))
GROUPINGS = ("none", "day", "week", "month")


def _both(db, monkeypatch, **question):
    """(from the tallies, from the cases) for one question; asserts the tallies answered."""
    assert indicators._tallied(db, question["scope"], question["period"],
                               question["group_by"])
    tallied = indicators.compute(db, **question)
    with monkeypatch.context() as patched:
        patched.setattr(indicators, "_tallied", lambda *_args: False)
        counted = indicators.compute(db, **question)
    return tallied, counted


def _questions(city, now):
    today = now.astimezone(ZONE).date()
    period = Period.checked(today - timedelta(days=60), today + timedelta(days=60), ZONE)
    city_path, district_path = city.tree["city"].path, city.tree["district"].path
    for rules in RULES:
        for path in (city_path, district_path):
            for group_by in GROUPINGS:
                yield {"scope": Scope(area_path=path), "period": period, "group_by": group_by,
                       "definitions": rules, "now": now}
        yield {"scope": Scope(area_path=city_path), "period": period, "group_by": "area",
               "definitions": rules, "now": now}


def _all_equal(db, monkeypatch, city, now):
    for question in _questions(city, now):
        tallied, counted = _both(db, monkeypatch, **question)
        assert tallied == counted, (question["scope"], question["group_by"])


def test_the_tallies_answer_what_counting_the_cases_answers(db, monkeypatch):
    city = build_city(db, cases=120)
    now = datetime.now(UTC)
    assert db.scalar(select(func.count()).select_from(TallyChange)) > 0  # the trigger ran
    _all_equal(db, monkeypatch, city, now)

    # and both equal the timeline's own recomputation
    known = list(_facts_of(db, city.case_ids, now).values())
    question = next(_questions(city, now))
    tallied = indicators.total(indicators.compute(db, **question))
    want = expected(known, question["definitions"], now, question["period"].start,
                    question["period"].end)
    assert tallied == {name: want[name] for name in tallied}
    assert want["registered"] > 50
    assert want["overdue_now"] > 0
    assert want["due"] > want["closed"]  # the live part counts

    tallies.fold(db)
    assert db.scalar(select(func.count()).select_from(TallyChange)) == 0
    _all_equal(db, monkeypatch, city, now)

    # cases move to the other district, some lose their counters: the trigger follows
    moved = city.case_ids[:30]
    db.execute(update(CaseCounter).where(CaseCounter.case_id.in_(moved)).values(
        area_path=city.tree["other_district"].path + "9999/"))
    db.execute(delete(CaseCounter).where(CaseCounter.case_id.in_(city.case_ids[30:40])))
    _all_equal(db, monkeypatch, city, now)
    other = Scope(area_path=city.tree["other_district"].path)
    tallied, counted = _both(db, monkeypatch, scope=other, period=next(
        _questions(city, now))["period"], group_by="none", definitions=Definitions(), now=now)
    assert tallied == counted
    assert tallied["total"]["reported"] >= 30

    # rebuilt for another depth, and back
    assert tallies.ensure(db, zone=ZONE.key, depth=3)
    _all_equal(db, monkeypatch, city, now)
    street = Scope(area_path=city.tree["street"].path)
    tallied, counted = _both(db, monkeypatch, scope=street, period=next(
        _questions(city, now))["period"], group_by="month", definitions=Definitions(), now=now)
    assert tallied == counted
    assert tallies.ensure(db, zone=ZONE.key, depth=tallies.DEFAULT_DEPTH)
    assert not tallies.ensure(db, zone=ZONE.key, depth=tallies.DEFAULT_DEPTH)
    _all_equal(db, monkeypatch, city, now)

    # emptied at once (TRUNCATE fires no row trigger): the tallies are emptied with them
    db.execute(text("TRUNCATE case_counters"))
    assert db.scalar(select(func.count()).select_from(Tally)) == 0
    _all_equal(db, monkeypatch, city, now)


@pytest.mark.parametrize(("scope", "group_by", "zone"), [
    ({"unit_id": 1}, "none", ZONE), ({"category": "C01"}, "month", ZONE),
    ({"sources": ("hotline",)}, "none", ZONE), ({"urgent": True}, "none", ZONE),
    ({}, "unit", ZONE), ({}, "category", ZONE), ({}, "none", ZoneInfo("Europe/Berlin")),
    ({"street": True}, "none", ZONE), ({"district": True}, "area", ZONE),
])
def test_where_the_tallies_cannot_answer_the_cases_are_counted(db, scope, group_by, zone):
    city = build_city(db, cases=3, on_site=0)
    path = (city.tree["street"].path if scope.pop("street", False)
            else city.tree["district"].path if scope.pop("district", False)
            else city.tree["city"].path)
    today = datetime.now(UTC).astimezone(zone).date()
    period = Period.checked(today, today, zone)
    assert not indicators._tallied(db, Scope(area_path=path, **scope), period, group_by)


def test_nothing_is_tallied_when_tallies_are_off(db):
    assert tallies.ensure(db, zone=ZONE.key, depth=0)
    assert tallies.kept(db) is None
    city = build_city(db, cases=3, on_site=0)
    assert db.scalar(select(func.count()).select_from(TallyChange)) == 0
    today = datetime.now(UTC).astimezone(ZONE).date()
    assert not indicators._tallied(db, Scope(area_path=city.tree["city"].path),
                                   Period.checked(today, today, ZONE), "none")


def test_rebuilding_the_counters_rebuilds_the_tallies_once(app, committed, test_env,
                                                           monkeypatch):
    with committed.new_session() as session:
        city = build_city(session, cases=12, on_site=0)
        session.commit()
    result = CliRunner().invoke(cli.main, ["rebuild-counters"], env=test_env)
    assert result.exit_code == 0, result.output
    assert "counters rebuilt for" in result.output
    now = datetime.now(UTC)
    with committed.new_session() as session:
        kept = tallies.kept(session)
        assert (kept.zone, kept.depth) == (ZONE.key, tallies.DEFAULT_DEPTH)
        assert session.scalar(select(func.count()).select_from(TallyChange)) == 0  # rebuilt
        for question in _questions(city, now):
            tallied, counted = _both(session, monkeypatch, **question)
            assert tallied == counted
        assert indicators.total(tallied)["reported"] > 0
