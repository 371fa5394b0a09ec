"""The daily tallies (models.tally): switched on for the city's zone and depth and built
from the counters, their appended changes folded in, and read back summed."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import delete, text
from sqlalchemy.orm import Session

from models.tally import (
    COHORT_BY_REGISTRATION,
    COHORT_BY_REPORT,
    COHORT_COLUMNS,
    COLUMNS,
    REPORT_COLUMNS,
    REPORTS,
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


def kept(session: Session) -> TallySetting | None:
    """The zone and depth tallies are kept for; None when they are not kept."""
    return session.get(TallySetting, 1)


def ensure(session: Session, *, zone: str, depth: int) -> bool:
    """Keep tallies for this zone and depth (``depth`` 0: keep none). Switching on, or
    changing either, rebuilds them from the counters with writes to the counters held off
    meanwhile (a minute or two at 10^7 cases). Returns whether anything changed."""
    setting = session.get(TallySetting, 1, with_for_update=True)
    wanted = (zone, depth) if depth else None
    if wanted == ((setting.zone, setting.depth) if setting else None):
        return False
    # The counters stay still while they are summed: no change slips between the two.
    session.execute(text("LOCK TABLE case_counters IN SHARE MODE"))
    session.execute(delete(TallyChange))
    session.execute(delete(Tally))
    if depth == 0:
        session.delete(setting)
        session.flush()
        return True
    if setting is None:
        session.add(TallySetting(id=1, zone=zone, depth=depth))
    else:
        setting.zone, setting.depth = zone, depth
    session.flush()
    session.execute(REBUILD, {"zone": zone, "depth": depth})
    return True


def fold(session: Session) -> int:
    """Move the appended changes into the tallies. Returns how many tally rows it touched."""
    return session.execute(FOLD).rowcount


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
