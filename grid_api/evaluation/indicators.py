"""Indicators (GB/T 30428.4 style): counts and rates over the per-case counters, for a scope
and a period, grouped by time or by child area, unit, grid worker or category.

Two aggregate queries over ``case_counters``, both bounded by an indexed time range: one
counts reports by the time they were made, one counts the cohort (口径) by the time it was
registered or reported. For the city and its districts the daily tallies (models.tally)
answer instead, with the measures that depend on the clock counted live over the cases not
yet finished. Every formula is in README.md and in :data:`RATES`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.orm import Session

from grid_api.errors import ValidationFailed
from grid_api.evaluation import tallies
from grid_api.evaluation.definitions import Definitions
from models.tally import COHORT_BY_REGISTRATION, COHORT_BY_REPORT, REPORTS, UNFINISHED

MAX_PERIOD_DAYS = 366
PERIODS = ("day", "week", "month")
SPLIT_BUCKETS = 60  # time buckets counted one aggregate each; more: one grouped pass
GROUPINGS = ("none", *PERIODS, "area", "unit", "worker", "category", "source")

# Reports, counted by when they were made (上报, 有效上报, 作废, 按时立案, 自行处置).
REPORT_MEASURES = {
    "reported": "count(*)",
    "worker_reported": "count(*) FILTER (WHERE source = 'grid_worker')",
    "self_handled": "count(*) FILTER (WHERE self_handled)",
    "valid": "count(*) FILTER (WHERE registered_at IS NOT NULL)",
    "rejected": "count(*) FILTER (WHERE rejected)",
    "registered_on_time": "count(*) FILTER (WHERE registered_at IS NOT NULL "
                          "AND registered_on_time)",
}
# The cohort: registered cases, counted by registration (or report) time. {x} is
# "AND NOT deferred" where 缓办 cases leave the on-time denominators.
COHORT_MEASURES = {
    "registered": "count(*)",
    "dispatched": "count(*) FILTER (WHERE dispatched)",
    "dispatched_accurately": "count(*) FILTER (WHERE dispatched AND returns = 0)",
    "handled": "count(*) FILTER (WHERE handled)",
    "handled_on_time": "count(*) FILTER (WHERE handled AND handled_on_time {x})",
    "handle_due": "count(*) FILTER (WHERE dispatched AND (handled OR handle_deadline < :now) {x})",
    "verified": "count(*) FILTER (WHERE verified)",
    "closed": "count(*) FILTER (WHERE closed)",
    "closed_on_time": "count(*) FILTER (WHERE closed_on_time {x})",
    "due": "count(*) FILTER (WHERE (closed OR coalesce(handle_deadline, due_at) < :now) {x})",
    "reworked": "count(*) FILTER (WHERE reworks > 0)",
    "extended": "count(*) FILTER (WHERE extensions > 0)",
    "deferred": "count(*) FILTER (WHERE deferred)",
    "returns": "coalesce(sum(returns), 0)",
    "overdue": "count(*) FILTER (WHERE late OR (NOT deferred AND due_at < :now))",
    "overdue_now": "count(*) FILTER (WHERE NOT deferred AND due_at < :now)",
    "open": "count(*) FILTER (WHERE NOT closed)",
    "checks": "coalesce(sum(checks), 0)",
    "checks_on_time": "coalesce(sum(checks_on_time), 0)",
    "rated": "count(*) FILTER (WHERE rating IS NOT NULL)",
    "rating_sum": "coalesce(sum(rating), 0)",
    "satisfied": "count(*) FILTER (WHERE rating >= :satisfied_from)",
}
# The part of the clock-dependent measures the tallies cannot hold: counted live, over the
# unfinished cases only (models.tally.UNFINISHED, a partial index).
LIVE_MEASURES = {
    "handle_due": "count(*) FILTER (WHERE dispatched AND NOT handled "
                  "AND handle_deadline < :now {x})",
    "due": "count(*) FILTER (WHERE NOT closed AND coalesce(handle_deadline, due_at) < :now {x})",
    "overdue": "count(*) FILTER (WHERE NOT late AND NOT deferred AND due_at < :now)",
    "overdue_now": "count(*) FILTER (WHERE NOT deferred AND due_at < :now)",
}
COUNT_NAMES = {  # what the answer's counts are called, in the published vocabulary
    "reported": "上报", "valid": "有效上报", "registered": "立案", "dispatched": "派遣",
    "handled": "处置", "verified": "核查", "closed": "结案", "rejected": "作废",
    "reworked": "返工", "extended": "延期", "deferred": "缓办", "returns": "回退",
    "overdue": "超期", "overdue_now": "超期未办结", "open": "未结案", "due": "应结案",
    "handle_due": "应处置", "checks": "核查次数", "worker_reported": "网格员上报",
    "self_handled": "自行处置",
}


@dataclass(frozen=True)
class Rate:
    name: str
    zh: str
    numerator: str
    denominator: str


def rates(definitions: Definitions) -> tuple[Rate, ...]:
    """Every rate as numerator / denominator, after the city's 口径."""
    return (
        Rate("valid_report_rate", "有效上报率", "valid", "reported"),
        Rate("on_time_registration_rate", "按时立案率", "registered_on_time", "valid"),
        Rate("accurate_dispatch_rate", "准确派遣率", "dispatched_accurately", "dispatched"),
        Rate("handling_rate", "处置率", "handled", "dispatched"),
        Rate("on_time_handling_rate", "按期处置率", "handled_on_time", "handle_due"),
        Rate("closing_rate", "结案率", "closed", "registered"),
        Rate("on_time_closing_rate", "按期结案率", "closed_on_time", "due"),
        Rate("rework_rate", "返工率", "reworked", definitions.rework_denominator),
        Rate("extension_rate", "延期率", "extended", "dispatched"),
        Rate("overdue_open_rate", "超期待处置率", "overdue_now", "open"),
        Rate("on_time_check_rate", "按时核查率", "checks_on_time", "checks"),
        Rate("satisfaction_rate", "满意率", "satisfied", "rated"),
        Rate("self_handling_rate", "自行处置率", "self_handled", "worker_reported"),
    )


def percent(numerator: int, denominator: int) -> float | None:
    """A rate in percent, rounded half up to two decimals (911 of 972 → 93.72)."""
    if not denominator:
        return None
    exact = Decimal(numerator) * 100 / Decimal(denominator)
    return float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Scope:
    """Which cases: an area subtree, a unit, a reporting grid worker, a category prefix."""

    area_path: str | None = None
    unit_id: int | None = None
    worker_id: int | None = None
    category: str | None = None
    sources: tuple[str, ...] = ()
    urgent: bool | None = None


@dataclass(frozen=True)
class Period:
    first: date
    last: date  # inclusive
    zone: ZoneInfo

    @classmethod
    def checked(cls, first: date, last: date, zone: ZoneInfo) -> Period:
        """Raises ValidationFailed (inverted, or longer than MAX_PERIOD_DAYS)."""
        if last < first:
            raise ValidationFailed("period_inverted", errors={"to": ["Before `from`."]})
        if (last - first).days + 1 > MAX_PERIOD_DAYS:
            raise ValidationFailed("period_too_long", params={"days": MAX_PERIOD_DAYS},
                                   errors={"to": [f"At most {MAX_PERIOD_DAYS} days."]})
        return cls(first, last, zone)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time.min, self.zone)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time.min, self.zone)


def _where(scope: Scope) -> tuple[list[str], dict[str, Any]]:
    """The scope's conditions (the time range is the caller's)."""
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if scope.area_path:
        clauses.append("area_path LIKE :area_like")
        params["area_like"] = scope.area_path + "%"
    if scope.unit_id is not None:
        clauses.append("unit_id = :unit_id")
        params["unit_id"] = scope.unit_id
    if scope.worker_id is not None:
        clauses.append("reporter_id = :worker_id")
        params["worker_id"] = scope.worker_id
    if scope.category:
        clauses.append("category_code LIKE :category_like")
        params["category_like"] = scope.category.replace("%", "").replace("_", "") + "%"
    if scope.sources:
        clauses.append("source::text = ANY(:sources)")
        params["sources"] = list(scope.sources)
    if scope.urgent is not None:
        clauses.append("urgent = :urgent")
        params["urgent"] = scope.urgent
    return clauses, params


COLUMN_KEYS = {"unit": "unit_id::text", "worker": "reporter_id::text", "source": "source::text"}


def buckets(period: Period, unit: str) -> list[date]:
    """The first day of each day, ISO week (from Monday) or month the period touches — the
    dates PostgreSQL's ``date_trunc`` would name them by."""
    first = period.first
    if unit == "week":
        first -= timedelta(days=first.weekday())
    elif unit == "month":
        first = first.replace(day=1)
    starts = []
    while first <= period.last:
        starts.append(first)
        if unit == "day":
            first += timedelta(days=1)
        elif unit == "week":
            first += timedelta(days=7)
        else:
            first = (first + timedelta(days=32)).replace(day=1)
    return starts


def _group_key(group_by: str, scope: Scope) -> tuple[str, dict[str, Any]]:
    """The SQL of a group's key (not a time grouping) and its parameters."""
    if group_by == "area":
        prefix = scope.area_path or "/"
        return ("coalesce(nullif(split_part(substr(area_path, :prefix_len + 1), '/', 1), ''), "
                ":own_area)", {"prefix_len": len(prefix),
                               "own_area": prefix.rstrip("/").rsplit("/", 1)[-1]})
    if group_by in COLUMN_KEYS:
        return COLUMN_KEYS[group_by], {}
    if group_by == "category":
        wide = not scope.category or len(scope.category) < 3  # noqa: PLR2004 - 大类 codes
        return f"left(category_code, {3 if wide else 12})", {}
    return "'total'", {}


def _time_buckets(session: Session, measures: str, *, column: str, where: list[str],
                  params: dict[str, Any], period: Period, starts: list[date]
                  ) -> list[tuple[str, Any]]:
    """Rows (bucket name, row) for buckets beginning on ``starts``, each bounded by local
    midnights. Up to SPLIT_BUCKETS buckets, one plain aggregate per bucket (UNION ALL): a
    key the planner cannot see would be estimated at one group per row, which rules out
    parallel workers and can even turn to sorting on disk. Beyond, the bucket is found by
    a binary search among the midnights (width_bucket) — still far cheaper per row than
    date_trunc in a time zone."""
    bounds = [period.start, *(datetime.combine(day, time.min, period.zone)
                              for day in starts[1:]), period.end]
    bound_params = {f"b{i}": bound for i, bound in enumerate(bounds)}
    conditions = " AND ".join(where) if where else "true"
    if len(starts) <= SPLIT_BUCKETS:
        sql = " UNION ALL ".join(
            f"SELECT {i} AS key, {measures} FROM case_counters "  # noqa: S608 - constants
            f"WHERE {column} >= :b{i} AND {column} < :b{i + 1} AND {conditions}"
            for i in range(len(starts)))
    else:
        sql = (f"SELECT width_bucket({column}, CAST(:inner AS timestamptz[])) - 1 AS key, "  # noqa: S608 - constants
               f"{measures} FROM case_counters "
               f"WHERE {column} >= :b0 AND {column} < :b{len(starts)} AND {conditions} "
               "GROUP BY 1")
        bound_params["inner"] = bounds[:-1]
    rows = session.execute(text(sql), {**params, **bound_params})
    return [(starts[row.key].isoformat(), row) for row in rows]


def _aggregate(session: Session, measures: dict[str, str], column: str, *, extra: str = "",
               scope: Scope, period: Period, group_by: str, starts: list[date] | None,
               params: dict[str, Any]) -> dict[str, dict]:
    where, where_params = _where(scope)
    if extra:
        where.append(extra)
    selected = ", ".join(f"{sql} AS {name}" for name, sql in measures.items())
    if starts is not None:
        rows = _time_buckets(session, selected, column=column, where=where,
                             params={**params, **where_params}, period=period, starts=starts)
    else:
        key, key_params = _group_key(group_by, scope)
        clauses = [f"{column} >= :start", f"{column} < :end", *where]
        sql = (f"SELECT {key} AS key, {selected} FROM case_counters "  # noqa: S608 - constants
               f"WHERE {' AND '.join(clauses)} GROUP BY 1")
        rows = [(row.key, row) for row in session.execute(
            text(sql), {**params, **where_params, **key_params})]
    counted = ((key, {name: int(getattr(row, name)) for name in measures}) for key, row in rows)
    return {key: counts for key, counts in counted if any(counts.values())}  # no empty bucket


def compute(session: Session, *, scope: Scope, period: Period, group_by: str,
            definitions: Definitions, now: datetime, starts: list[date] | None = None,
            only: tuple[str, ...] | None = None) -> dict[str, dict[str, int]]:
    """Counts per group key (``'total'`` when not grouped; with ``starts``, per bucket
    beginning on each of those days, named by it); ``only`` these measures when named (the
    rest read 0), so a breakdown that needs one count pays for one. Raises
    ValidationFailed."""
    if group_by not in GROUPINGS:
        raise ValidationFailed(errors={"group_by": [f"One of: {', '.join(GROUPINGS)}."]})
    params = {"start": period.start, "end": period.end, "now": now,
              "satisfied_from": definitions.satisfied_from}
    deferred = _without_deferred(definitions)
    wanted = set(only) if only is not None else {*REPORT_MEASURES, *COHORT_MEASURES}
    if starts is None and group_by in PERIODS:  # one bucket list for every query below
        starts = buckets(period, group_by)
    if _tallied(session, scope, period, group_by):
        return _from_tallies(session, scope=scope, period=period, group_by=group_by,
                             starts=starts, definitions=definitions, wanted=wanted,
                             params=params)
    reported = {name: sql for name, sql in REPORT_MEASURES.items() if name in wanted}
    cohort = {name: sql.replace("{x}", deferred) for name, sql in COHORT_MEASURES.items()
              if name in wanted}
    bounds = {"scope": scope, "period": period, "group_by": group_by, "starts": starts,
              "params": params}
    found = []
    if reported:
        found.append(_aggregate(session, reported, "reported_at", **bounds))
    if cohort:
        column, extra = _cohort_basis(definitions)
        found.append(_aggregate(session, cohort, column, extra=extra, **bounds))
    groups: dict[str, dict[str, int]] = defaultdict(
        lambda: dict.fromkeys([*REPORT_MEASURES, *COHORT_MEASURES], 0))
    for counted in found:
        for key, counts in counted.items():
            groups[key].update(counts)
    return dict(groups)


def _without_deferred(definitions: Definitions) -> str:
    """What replaces {x} in the on-time denominators: 缓办 cases out, where the city says."""
    return "AND NOT deferred" if definitions.exclude_deferred else ""


def _cohort_basis(definitions: Definitions) -> tuple[str, str]:
    """The time the cohort is counted by, and what else makes a case part of it (口径)."""
    if definitions.cohort == "registered":
        return "registered_at", ""
    return "reported_at", "registered_at IS NOT NULL"


def breakdowns(session: Session, *, scope: Scope, period: Period, definitions: Definitions,
               now: datetime, wanted: dict[str, str]) -> dict[str, dict[str, dict[str, int]]]:
    """Several breakdowns of the cohort, one measure each (``wanted``: grouping → measure,
    the groupings keyed by a column: category, source, unit, worker), in one pass over the
    period's cases (GROUPING SETS) instead of one per breakdown. Groups whose measure is 0
    are left out."""
    column, extra = _cohort_basis(definitions)
    where, params = _where(scope)
    keys = {group_by: _group_key(group_by, scope)[0] for group_by in wanted}
    deferred = _without_deferred(definitions)
    measures = {measure: COHORT_MEASURES[measure].replace("{x}", deferred)
                for measure in set(wanted.values())}
    clauses = [f"{column} >= :start", f"{column} < :end", *where, *([extra] if extra else [])]
    selected = [f"GROUPING({key}) AS set_{i}, {key} AS key_{i}"
                for i, key in enumerate(keys.values())]
    selected += [f"{sql} AS {name}" for name, sql in measures.items()]
    sets = ", ".join(f"({key})" for key in keys.values())
    sql = (f"SELECT {', '.join(selected)} FROM case_counters "  # noqa: S608 - constants
           f"WHERE {' AND '.join(clauses)} GROUP BY GROUPING SETS ({sets})")
    found: dict[str, dict[str, dict[str, int]]] = {group_by: {} for group_by in wanted}
    rows = session.execute(text(sql), {**params, "start": period.start, "end": period.end,
                                       "now": now, "satisfied_from": definitions.satisfied_from})
    for row in rows:
        i = next(i for i in range(len(keys)) if getattr(row, f"set_{i}") == 0)
        group_by = list(keys)[i]
        value = int(getattr(row, wanted[group_by]))
        if value:
            found[group_by][getattr(row, f"key_{i}")] = {wanted[group_by]: value}
    return found


def _tallied(session: Session, scope: Scope, period: Period, group_by: str) -> bool:
    """Whether the tallies can answer: kept in the period's zone, for an area at most as
    deep as theirs (and its children, when grouped by area), nothing else narrowing."""
    if (scope.unit_id, scope.worker_id, scope.category, scope.sources, scope.urgent) != (
            None, None, None, (), None) or group_by not in ("none", *PERIODS, "area"):
        return False
    kept = tallies.kept(session)
    if kept is None or kept.zone != period.zone.key:
        return False
    depth = tallies.area_depth(scope.area_path or "/") + (group_by == "area")
    return depth <= kept.depth


def _tally_key(group_by: str, scope: Scope, period: Period, starts: list[date] | None
               ) -> tuple[str, dict[str, Any], list[str] | None]:
    if starts is not None:
        return ("width_bucket(day, CAST(:days AS date[])) - 1",
                {"days": [period.first, *starts[1:]]}, [day.isoformat() for day in starts])
    key, key_params = _group_key(group_by, scope)
    return key, key_params, None


def _from_tallies(session: Session, *, scope: Scope, period: Period, group_by: str,
                  starts: list[date] | None, definitions: Definitions, wanted: set[str],
                  params: dict[str, Any]) -> dict[str, dict[str, int]]:
    """The same counts as the case-by-case queries, from the tallies plus a live count of
    the clock-dependent measures over the unfinished cases."""
    key, key_params, names = _tally_key(group_by, scope, period, starts)
    by_report = definitions.cohort != "registered"
    cohort_basis = COHORT_BY_REPORT if by_report else COHORT_BY_REGISTRATION

    def read(basis: int) -> dict[str, dict[str, int]]:
        found = tallies.read(session, basis=basis, first=period.first, last=period.last,
                             area_path=scope.area_path, key=key, key_params=key_params)
        return {(names[k] if names else k): sums for k, sums in found.items()}

    reports = read(REPORTS) if wanted & set(REPORT_MEASURES) else {}
    cohort = read(cohort_basis) if wanted & set(COHORT_MEASURES) else {}
    live: dict[str, dict[str, int]] = {}
    if wanted & set(LIVE_MEASURES):
        x = _without_deferred(definitions)
        extra = f"registered_at IS NOT NULL AND {UNFINISHED}" if by_report else UNFINISHED
        live = _aggregate(session, {name: sql.replace("{x}", x)
                                    for name, sql in LIVE_MEASURES.items()},
                          "reported_at" if by_report else "registered_at", extra=extra,
                          scope=scope, period=period, group_by=group_by, starts=starts,
                          params=params)
    nd = "_nd" if definitions.exclude_deferred else ""
    groups: dict[str, dict[str, int]] = {}
    for group in {*reports, *cohort}:
        sums = {**dict.fromkeys(tallies.COLUMNS, 0), **reports.get(group, {})}
        sums |= {name: value for name, value in cohort.get(group, {}).items()
                 if name not in REPORT_MEASURES}
        now = {**dict.fromkeys(LIVE_MEASURES, 0), **live.get(group, {})}
        counts = {name: sums[name] for name in (*REPORT_MEASURES, *COHORT_MEASURES)
                  if name in sums}
        counts |= {
            "handled_on_time": sums[f"handled_on_time{nd}"],
            "closed_on_time": sums[f"closed_on_time{nd}"],
            "handle_due": sums[f"handled_dispatched{nd}"] + now["handle_due"],
            "due": sums[f"closed{nd}"] + now["due"],
            "overdue": sums["late"] + now["overdue"],
            "overdue_now": now["overdue_now"],
            "satisfied": sum(sums[f"rated_{stars}"] for stars in range(1, 6)
                             if stars >= definitions.satisfied_from),
        }
        if counts["reported"] or counts["registered"]:
            groups[group] = {name: (value if name in wanted else 0)
                             for name, value in counts.items()}
    return groups


def to_date(session: Session, *, scope: Scope, last: date, firsts: dict[str, date],
            zone: ZoneInfo, definitions: Definitions, now: datetime
            ) -> dict[str, dict[str, int]]:
    """Totals of several periods that all end on ``last`` — the year, the month and the day
    so far — in one pass over the longest: each case falls in one bucket between the
    periods' first days, and a period sums the buckets from its first day on."""
    starts = sorted(set(firsts.values()))
    groups = compute(session, scope=scope, period=Period(starts[0], last, zone),
                     group_by="none", definitions=definitions, now=now, starts=starts)
    return {name: total({key: counts for key, counts in groups.items()
                         if key >= first.isoformat()})
            for name, first in firsts.items()}


def total(groups: dict[str, dict[str, int]]) -> dict[str, int]:
    """Every measure is a count or a sum, so the total is the sum of the groups."""
    summed: dict[str, int] = dict.fromkeys([*REPORT_MEASURES, *COHORT_MEASURES], 0)
    for counts in groups.values():
        for name, value in counts.items():
            summed[name] += value
    return summed


def describe(counts: dict[str, int], definitions: Definitions) -> dict[str, Any]:
    """Counts and rates of one group, each rate with its numerator and denominator."""
    shown = {name: counts[name] for name in COUNT_NAMES}
    described = {rate.name: {"value": percent(counts[rate.numerator], counts[rate.denominator]),
                             "numerator": counts[rate.numerator],
                             "denominator": counts[rate.denominator]}
                 for rate in rates(definitions)}
    mean = (Decimal(counts["rating_sum"]) / counts["rated"]).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP) if counts["rated"] else None
    described["mean_rating"] = {"value": float(mean) if mean is not None else None,
                                "numerator": counts["rating_sum"],
                                "denominator": counts["rated"]}
    return {"counts": shown, "rates": described}
