"""The daily tallies and the heat layer's tallies (models.tally): switched on for the city's
zone and depth and built from the counters, their appended changes folded in, and read
back summed."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date
from typing import Any

from sqlalchemy import delete, text
from sqlalchemy.orm import Session

from models.tally import (
    COHORT_BY_REGISTRATION,
    COHORT_BY_REPORT,
    COHORT_COLUMNS,
    COLUMNS,
    DAY,
    HEAT_BIN_LEVEL,
    HEAT_LEVELS,
    MONTH,
    REPORT_COLUMNS,
    REPORTS,
    WEEK,
    HeatChange,
    HeatTally,
    Tally,
    TallyChange,
    TallySetting,
)

DEFAULT_DEPTH = 2  # the city and its districts

_SUMS = ", ".join(f"sum({name}) AS {name}" for name in COLUMNS)
_LIST = ", ".join(COLUMNS)


def _basis(basis: int, day: str, columns: dict[str, str], where: str = "") -> str:
    values = ", ".join(f"{columns.get(name, '0')} AS {name}" for name in COLUMNS)
    return (f"SELECT {basis} AS basis, ({day} AT TIME ZONE :zone)::date AS day, "  # noqa: S608
            f"tally_area(r.area_path, :depth) AS area_path, {values} "
            f"FROM case_counters r {where}")


# Every case's contribution at once (the trigger's tally_contributions, one row at a time).
REBUILD = text(f"""
    INSERT INTO tallies (basis, day, area_path, {_LIST})
    SELECT basis, day, area_path, {_SUMS} FROM (
        {_basis(REPORTS, "r.reported_at", REPORT_COLUMNS)}
        UNION ALL
        {_basis(COHORT_BY_REGISTRATION, "r.registered_at", COHORT_COLUMNS,
                "WHERE r.registered_at IS NOT NULL")}
        UNION ALL
        {_basis(COHORT_BY_REPORT, "r.reported_at", COHORT_COLUMNS,
                "WHERE r.registered_at IS NOT NULL")}
    ) t GROUP BY 1, 2, 3
""")  # noqa: S608 - column names and expressions are constants
FOLD = text(f"""
    WITH moved AS (DELETE FROM tally_changes RETURNING *)
    INSERT INTO tallies (basis, day, area_path, {_LIST})
    SELECT basis, day, area_path, {_SUMS} FROM moved GROUP BY 1, 2, 3
    ON CONFLICT (basis, area_path, day) DO UPDATE SET
    {", ".join(f"{name} = tallies.{name} + excluded.{name}" for name in COLUMNS)}
""")  # noqa: S608 - column names are constants


def _heat_spread(reports: str) -> str:
    """``reports`` (day, area_path, bin_x, bin_y at HEAT_BIN_LEVEL, reported) as heat tally
    rows: at every level, per day, ISO week and month."""
    shift = f"({HEAT_BIN_LEVEL} - l.level)"
    return f"""
    SELECT l.level, (s.bin_x >> {shift}) >> 6, (s.bin_y >> {shift}) >> 6, p.span,
           CASE p.span WHEN {DAY} THEN s.day
                       WHEN {WEEK} THEN s.day - (extract(isodow FROM s.day)::int - 1)
                       ELSE s.day - (extract(day FROM s.day)::int - 1) END,
           s.area_path, s.bin_x >> {shift}, s.bin_y >> {shift}, sum(s.reported)
    FROM ({reports}) s, unnest(CAST(:levels AS int[])) l(level),
         (VALUES ({DAY}), ({WEEK}), ({MONTH})) p(span)
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8"""  # noqa: S608 - constants


_HEAT_COLUMNS = "level, tile_x, tile_y, span, period_start, area_path, bin_x, bin_y, reported"
# Every case at its cell's bin (the trigger case_counters_heat does it one row at a time).
_CASES_BY_BIN = """
    WITH cells AS MATERIALIZED (
        SELECT a.path, b.bin_x, b.bin_y FROM areas a, heat_bin(a.geom) b
        WHERE a.level = 'grid')
    SELECT (k.reported_at AT TIME ZONE :zone)::date AS day,
           tally_area(k.area_path, :depth) AS area_path, c.bin_x, c.bin_y,
           count(*) AS reported
    FROM case_counters k JOIN cells c ON c.path = k.area_path GROUP BY 1, 2, 3, 4"""
# Written in key order: a tile's rows of a month lie together, so reading them is a few pages.
REBUILD_HEAT = text(f"INSERT INTO heat_tallies ({_HEAT_COLUMNS}) "
                    f"{_heat_spread(_CASES_BY_BIN)} ORDER BY 1, 2, 3, 4, 5, 6, 7, 8")
FOLD_HEAT = text(f"""
    WITH moved AS (DELETE FROM heat_changes RETURNING day, area_path, bin_x, bin_y, reported)
    INSERT INTO heat_tallies ({_HEAT_COLUMNS})
    {_heat_spread("SELECT * FROM moved")}
    ON CONFLICT (level, tile_x, tile_y, span, period_start, area_path, bin_x, bin_y)
    DO UPDATE SET reported = heat_tallies.reported + excluded.reported
""")  # noqa: S608 - constants


_KEPT = (TallyChange, Tally, HeatChange, HeatTally)  # emptied together when switched


def kept(session: Session) -> TallySetting | None:
    """The zone and depth tallies are kept for; None when they are not kept (or are still
    being built)."""
    setting = session.get(TallySetting, 1)
    return setting if setting is not None and setting.ready else None


def _kept_as(setting: TallySetting | None) -> tuple[str, int, bool] | None:
    return (setting.zone, setting.depth, setting.ready) if setting else None


def ensure(session: Session, *, zone: str, depth: int) -> bool:
    """Keep tallies for this zone and depth (``depth`` 0: keep none), in the caller's
    transaction. Switching on, or changing either, rebuilds them from the counters with
    writes to the counters held off meanwhile (minutes at 10^7 cases: the worker uses
    :func:`switch_on`). Returns whether anything changed."""
    setting = session.get(TallySetting, 1, with_for_update=True)
    wanted = (zone, depth, True) if depth else None
    if wanted == _kept_as(setting):
        return False
    # The counters and the cells stay still while they are summed: no change slips between.
    session.execute(text("LOCK TABLE case_counters, areas IN SHARE MODE"))
    for table in _KEPT:
        session.execute(delete(table))
    if depth == 0:
        session.delete(setting)
        session.flush()
        return True
    _set(session, setting, zone=zone, depth=depth, ready=True)
    _rebuild(session, zone=zone, depth=depth)
    return True


def _set(session: Session, setting: TallySetting | None, **values) -> None:
    if setting is None:
        session.add(TallySetting(id=1, **values))
    else:
        for name, value in values.items():
            setattr(setting, name, value)
    session.flush()


def _rebuild(session: Session, *, zone: str, depth: int) -> None:
    session.execute(REBUILD, {"zone": zone, "depth": depth})
    session.execute(REBUILD_HEAT, {"zone": zone, "depth": depth, "levels": list(HEAT_LEVELS)})
    # Read at once: planned without statistics, a tile would scan every bin of the city.
    session.execute(text("ANALYZE tallies, heat_tallies"))


# The transactions writing when the tallies were switched on, still writing.
_WRITERS = text("SELECT count(*) FROM pg_snapshot_xip(CAST(:snapshot AS pg_snapshot)) x "
                "WHERE pg_xact_status(x) = 'in progress'")


def switch_on(sessions: Callable[[], AbstractContextManager[Session]], *, zone: str,
              depth: int, poll_seconds: float = 0.2) -> bool:
    """What :func:`ensure` does, without holding off writes to the counters while the
    tallies are built; ``sessions()`` opens a transaction committed when its block ends.

    1. The setting is written, not ready: from its commit on, every trigger appends.
    2. The transactions already writing then — they may have appended nothing, or for the
       old setting — are waited out.
    3. In one snapshot (REPEATABLE READ) the tallies are summed from the counters it sees
       and the changes it sees are dropped (the counters hold them already); the changes
       of transactions it does not see stay, to be folded. Then the setting is ready.

    Meanwhile every question counts cases. Writers are assumed to be READ COMMITTED (a
    writer whose snapshot predates step 1 and that took no xid before it would append
    nothing); every writer of this application is. Returns whether anything changed."""
    with sessions() as session:
        setting = session.get(TallySetting, 1, with_for_update=True)
        if depth == 0 or _kept_as(setting) == (zone, depth, True):
            return ensure(session, zone=zone, depth=depth)
        _set(session, setting, zone=zone, depth=depth, ready=False)
        for table in _KEPT:
            session.execute(delete(table))
    with sessions() as session:
        snapshot = session.execute(text("SELECT CAST(pg_current_snapshot() AS text)")).scalar()
        while session.execute(_WRITERS, {"snapshot": snapshot}).scalar():
            time.sleep(poll_seconds)
    with sessions() as session:
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        setting = session.get(TallySetting, 1, with_for_update=True)
        if _kept_as(setting) != (zone, depth, False):
            return False  # switched meanwhile by another keeper
        for table in _KEPT:
            session.execute(delete(table))
        _rebuild(session, zone=zone, depth=depth)
        setting.ready = True
    return True


def fold(session: Session) -> int:
    """Move the appended changes into the tallies. Returns how many tally rows it touched
    (none while they are being built: the build drops what it already holds)."""
    if kept(session) is None:
        return 0
    return (session.execute(FOLD).rowcount
            + session.execute(FOLD_HEAT, {"levels": list(HEAT_LEVELS)}).rowcount)


def area_depth(path: str) -> int:
    return len([part for part in path.split("/") if part])


def read(session: Session, *, basis: int, first: date, last: date, area_path: str | None,
         key: str, key_params: dict[str, Any]) -> dict[Any, dict[str, int]]:
    """Sums per key of the tallies (folded and not yet folded) of one basis, for the days
    ``first`` to ``last`` and an area subtree. ``key`` is SQL over ``day`` and
    ``area_path``."""
    where = "basis = :basis AND day >= :first AND day <= :last"
    params: dict[str, Any] = {"basis": basis, "first": first, "last": last, **key_params}
    if area_path:
        where += " AND area_path LIKE :area_like"
        params["area_like"] = area_path + "%"
    sql = (f"SELECT {key} AS key, {_SUMS} FROM ("  # noqa: S608 - constants
           f"SELECT day, area_path, {_LIST} FROM tallies WHERE {where} UNION ALL "
           f"SELECT day, area_path, {_LIST} FROM tally_changes WHERE {where}) t GROUP BY 1")
    return {row.key: {name: int(getattr(row, name)) for name in COLUMNS}
            for row in session.execute(text(sql), params)}
