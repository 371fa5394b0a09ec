"""The heat tallies draw exactly the tile that counting each cell's cases draws: out to z10,
for the city and its districts, over whole months, parts of months and single days, before
and after folding, after cases change cell or report time, lose their counters, after cells
are reshaped or moved, after a rebuild and a TRUNCATE — and where they cannot answer (a
category, a street, another zone, closer in) the cells are counted."""

import math
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import mapbox_vector_tile
from sqlalchemy import delete, func, select, text, update

from grid_api.evaluation import heat, tallies
from grid_api.evaluation.indicators import Period
from models.area import Area
from models.case_counter import CaseCounter
from models.tally import HeatChange, HeatTally
from tests.evaluation_city import build_city
from tests.factories import COMMUNITY_BOUNDS

ZONE = ZoneInfo("Asia/Shanghai")


def _tiles(zooms=(10, 9, 8, 7, 6, 4)):
    lon = (COMMUNITY_BOUNDS[0] + COMMUNITY_BOUNDS[2]) / 2
    lat = (COMMUNITY_BOUNDS[1] + COMMUNITY_BOUNDS[3]) / 2
    for z in zooms:
        n = 2 ** z
        yield (z, int((lon + 180) / 360 * n),
               int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n))


def _points(data: bytes) -> list[tuple[tuple[int, int], int]]:
    if not data:
        return []
    features = mapbox_vector_tile.decode(data)["heat"]["features"]
    return sorted((tuple(f["geometry"]["coordinates"]), f["properties"]["count"])
                  for f in features)


def _both(db, monkeypatch, *, area_path, period, tile):
    z, x, y = tile
    question = {"area_path": area_path, "period": period, "category": None, "z": z, "x": x,
                "y": y}
    assert heat._tallied(db, area_path, period, z)
    tallied = _points(heat.heat_tile(db, **question))
    with monkeypatch.context() as patched:
        patched.setattr(heat, "_tallied", lambda *_args: False)
        counted = _points(heat.heat_tile(db, **question))
    return tallied, counted


def _periods(today: date):
    month = date(today.year, today.month, 1)
    previous = (month - timedelta(days=1)).replace(day=1)
    yield Period.checked(previous, month - timedelta(days=1), ZONE)  # one whole month
    yield Period.checked(today - timedelta(days=200), today, ZONE)  # months and days
    yield Period.checked(today - timedelta(days=45), today - timedelta(days=3), ZONE)
    monday = today - timedelta(days=today.weekday() + 28)  # whole weeks only
    yield Period.checked(monday, monday + timedelta(days=20), ZONE)
    yield Period.checked(today, today, ZONE)
    yield Period.checked(today + timedelta(days=30), today + timedelta(days=40), ZONE)


def _all_equal(db, monkeypatch, city) -> int:
    """Asserts every question's two answers agree; returns the cases the widest one drew."""
    today = datetime.now(UTC).astimezone(ZONE).date()
    paths = ("/", city.tree["city"].path, city.tree["district"].path,
             city.tree["other_district"].path)
    widest = 0
    for period in _periods(today):
        for path in paths:
            for tile in _tiles():
                tallied, counted = _both(db, monkeypatch, area_path=path, period=period,
                                         tile=tile)
                assert tallied == counted, (path, period, tile)
                widest = max(widest, sum(count for _point, count in tallied))
    return widest


def test_the_heat_tallies_draw_what_counting_the_cells_draws(db, monkeypatch):
    city = build_city(db, cases=60, on_site=4)
    # reports spread over half a year, moved by the counters' trigger
    db.execute(update(CaseCounter).values(
        reported_at=CaseCounter.reported_at - (CaseCounter.case_id % 9) * timedelta(days=19)))
    assert db.scalar(select(func.count()).select_from(HeatChange)) > 0
    assert _all_equal(db, monkeypatch, city) >= 40

    tallies.fold(db)
    assert db.scalar(select(func.count()).select_from(HeatChange)) == 0
    assert db.scalar(select(func.count()).select_from(HeatTally)) > 0
    assert _all_equal(db, monkeypatch, city) >= 40

    cells = city.tree["cells"]
    # a cell reshaped far enough to change bin, another moved under the other district
    db.execute(update(Area).where(Area.id == cells[0].id).values(
        geom=func.ST_Translate(Area.geom, 0.03, 0.02)))
    db.execute(update(Area).where(Area.id == cells[1].id).values(
        path=city.tree["other_district"].path + f"{cells[1].id}/"))
    # cases change cell and lose counters
    db.execute(update(CaseCounter).where(CaseCounter.case_id.in_(city.case_ids[:10])).values(
        area_path=cells[2].path))
    db.execute(delete(CaseCounter).where(CaseCounter.case_id.in_(city.case_ids[10:15])))
    _all_equal(db, monkeypatch, city)
    tallies.fold(db)
    _all_equal(db, monkeypatch, city)

    # rebuilt for another depth and back; then emptied at once
    assert tallies.ensure(db, zone=ZONE.key, depth=3)
    _all_equal(db, monkeypatch, city)
    assert tallies.ensure(db, zone=ZONE.key, depth=tallies.DEFAULT_DEPTH)
    assert _all_equal(db, monkeypatch, city) >= 30
    db.execute(text("TRUNCATE case_counters"))
    assert db.scalar(select(func.count()).select_from(HeatTally)) == 0
    assert _all_equal(db, monkeypatch, city) == 0


def test_where_the_heat_tallies_cannot_answer_the_cells_are_counted(db, monkeypatch):
    city = build_city(db, cases=6, on_site=0)
    today = datetime.now(UTC).astimezone(ZONE).date()
    period = Period.checked(today - timedelta(days=60), today, ZONE)
    district = city.tree["district"].path
    z10, *_ = _tiles((10,))
    assert heat._tallied(db, district, period, 10)
    assert not heat._tallied(db, district, period, 11)
    assert not heat._tallied(db, city.tree["street"].path, period, 10)
    berlin = ZoneInfo("Europe/Berlin")
    assert not heat._tallied(db, district, Period.checked(today, today, berlin), 10)
    # a category is counted per cell: the tallied statement is never run for it
    monkeypatch.setattr(heat, "TALLIED", text("SELECT 1 / 0"))
    drawn = _points(heat.heat_tile(db, area_path=district, period=period, category="E", z=10,
                                   x=z10[1], y=z10[2]))
    filed = db.scalar(select(func.count()).select_from(CaseCounter).where(
        CaseCounter.category_code.like("E%")))
    assert filed > 0
    assert sum(count for _point, count in drawn) == filed


def test_without_tallies_nothing_is_appended_and_the_cells_are_counted(db):
    assert tallies.ensure(db, zone=ZONE.key, depth=0)
    city = build_city(db, cases=3, on_site=0)
    assert db.scalar(select(func.count()).select_from(HeatChange)) == 0
    today = datetime.now(UTC).astimezone(ZONE).date()
    assert not heat._tallied(db, city.tree["district"].path,
                             Period.checked(today, today, ZONE), 10)


def test_a_period_is_read_as_its_whole_months_then_its_whole_weeks_then_its_other_days():
    months, weeks, days = heat.spans(date(2026, 1, 30), date(2026, 4, 2))
    assert months == [date(2026, 2, 1), date(2026, 3, 1)]
    assert weeks == []
    assert days == [date(2026, 1, 30), date(2026, 1, 31), date(2026, 4, 1), date(2026, 4, 2)]
    assert heat.spans(date(2025, 12, 1), date(2025, 12, 31)) == ([date(2025, 12, 1)], [], [])
    # 30 days across two months: three whole weeks (one across the months) and nine days
    months, weeks, days = heat.spans(date(2025, 10, 15), date(2025, 11, 13))
    assert months == []
    assert weeks == [date(2025, 10, 20), date(2025, 10, 27), date(2025, 11, 3)]
    assert days == [*(date(2025, 10, 15) + timedelta(days=n) for n in range(5)),
                    *(date(2025, 11, 10) + timedelta(days=n) for n in range(4))]
    # a week that starts before a whole month is read as days: the month is read whole
    months, weeks, days = heat.spans(date(2026, 1, 26), date(2026, 2, 28))
    assert months == [date(2026, 2, 1)]
    assert weeks == []
    assert days == [date(2026, 1, 26) + timedelta(days=n) for n in range(6)]


def test_every_day_is_read_once_in_one_of_the_spans():
    first = date(2025, 12, 20)
    for length in range(70):
        last = first + timedelta(days=length)
        months, weeks, days = heat.spans(first, last)
        covered = [*days, *(monday + timedelta(days=n) for monday in weeks for n in range(7))]
        for month in months:
            day = month
            while day.month == month.month:
                covered.append(day)
                day += timedelta(days=1)
        assert sorted(covered) == [first + timedelta(days=n) for n in range(length + 1)]
        assert all(monday.weekday() == 0 for monday in weeks)
        first += timedelta(days=3)
