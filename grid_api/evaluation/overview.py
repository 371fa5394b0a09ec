"""The one-screen overview (一屏通览): what a supervisor's wall screen shows for an area —
today, this month and this year; open cases by status; overdue and nearly overdue cases;
top categories; the source mix; the units with the most returns; the trend against last
year. The public overview is the same figures without any case or person."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.orm import Session

from grid_api.evaluation import definitions, indicators
from grid_api.evaluation.definitions import Definitions
from grid_api.evaluation.indicators import Period, Scope

HEADLINE = ("reported", "registered", "handled", "closed")
TREND = ("reported", "registered", "closed")
LOOKBACK = timedelta(days=3660)  # overdue for longer than this is a data error, not a case
LISTED = 20  # cases listed per overdue list; the count says how many there are
TOP = 5

OPEN_BY_STATUS = text("""
    SELECT status, count(*) AS n FROM case_counters
    WHERE area_path LIKE :area_like AND status NOT IN ('closed', 'rejected')
    GROUP BY status
""")
DUE = text("""
    SELECT k.case_id, c.code, k.status, k.due_at, k.urgent, k.unit_id
    FROM case_counters k JOIN cases c ON c.id = k.case_id
    WHERE k.area_path LIKE :area_like AND k.due_at >= :after AND k.due_at < :before
      AND NOT k.deferred
    ORDER BY k.due_at, k.case_id LIMIT :limit
""")
DUE_COUNT = text("""
    SELECT count(*) FROM case_counters
    WHERE area_path LIKE :area_like AND due_at >= :after AND due_at < :before AND NOT deferred
""")


def _periods(today: date, zone: ZoneInfo) -> dict[str, Period]:
    return {"today": Period(today, today, zone),
            "month": Period(today.replace(day=1), today, zone),
            "year": Period(today.replace(month=1, day=1), today, zone)}


def _last_year(period: Period) -> Period:
    def back(day: date) -> date:
        return day.replace(year=day.year - 1, day=min(day.day, 28)
                           if (day.month, day.day) == (2, 29) else day.day)
    return Period(back(period.first), back(period.last), period.zone)


def _headline(counts: dict[str, int], city: Definitions) -> dict[str, Any]:
    figures = indicators.describe(counts, city)
    return {**{name: counts[name] for name in HEADLINE},
            "on_time_closing_rate": figures["rates"]["on_time_closing_rate"]["value"],
            "closing_rate": figures["rates"]["closing_rate"]["value"]}


def _so_far(session: Session, scope: Scope, periods: dict[str, Period], city: Definitions,
            now: datetime) -> dict[str, dict[str, int]]:
    """The counts of periods that end on the same day, in one pass (indicators.to_date)."""
    last = next(iter(periods.values())).last
    return indicators.to_date(session, scope=scope, last=last,
                              firsts={name: p.first for name, p in periods.items()},
                              zone=next(iter(periods.values())).zone, definitions=city,
                              now=now)


def _top(groups: dict[str, dict[str, int]], measure: str) -> list[tuple[str, int]]:
    ranked = sorted(((key, counts[measure]) for key, counts in groups.items()
                     if key is not None and counts[measure]), key=lambda kv: (-kv[1], kv[0]))
    return ranked[:TOP]


def figures(session: Session, *, area_path: str, zone: ZoneInfo, now: datetime,
            soon_until: datetime, with_cases: bool) -> dict[str, Any]:
    """The overview of an area subtree; ``with_cases`` adds the overdue lists and the
    units (staff screens), which the public overview leaves out."""
    city = definitions.current(session)
    scope = Scope(area_path=area_path)
    today = now.astimezone(zone).date()
    periods = _periods(today, zone)
    month = periods["month"]
    current = _so_far(session, scope, periods, city, now)
    last_year = _so_far(session, scope, {name: _last_year(periods[name])
                                         for name in ("month", "year")}, city, now)
    answer: dict[str, Any] = {
        "as_of": now, "definitions": city.as_dict(),
        **{name: _headline(current[name], city) for name in periods},
    }
    answer["trend"] = {
        name: {"current": {key: answer[name][key] for key in TREND},
               "last_year": {key: last_year[name][key] for key in TREND}}
        for name in ("month", "year")}
    like = {"area_like": area_path + "%"}
    answer["open_by_status"] = {row.status: row.n
                                for row in session.execute(OPEN_BY_STATUS, like)}
    # the month's cohort broken down three ways in one pass
    month_by = indicators.breakdowns(
        session, scope=scope, period=month, definitions=city, now=now,
        wanted={"category": "registered", "source": "registered",
                **({"unit": "returns"} if with_cases else {})})
    answer["top_categories"] = [{"category": key, "registered": n} for key, n in _top(
        month_by["category"], "registered")]
    answer["sources"] = {key: counts["registered"] for key, counts in month_by["source"].items()
                         if key is not None}
    overdue = {**like, "after": now - LOOKBACK, "before": now}
    soon = {**like, "after": now, "before": soon_until}  # deadlines.due_soon_until
    answer["overdue"] = {"count": session.execute(DUE_COUNT, overdue).scalar()}
    answer["due_soon"] = {"count": session.execute(DUE_COUNT, soon).scalar()}
    if with_cases:
        for name, window in (("overdue", overdue), ("due_soon", soon)):
            answer[name]["cases"] = [
                {"id": row.case_id, "code": row.code, "status": row.status,
                 "due_at": row.due_at, "urgent": row.urgent}
                for row in session.execute(DUE, {**window, "limit": LISTED})]
        answer["most_returned_units"] = [{"unit_id": int(key), "returns": n} for key, n in _top(
            month_by["unit"], "returns")]
    return answer
