"""The overview's counts of running cases read only their indexes: at a city's scale the
open cases are too many to fetch from the table one by one, so each count's index holds
every column the count reads (a plan without a table visit is an index-only scan)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, text

from grid_api.evaluation import definitions, overview, tallies
from tests.evaluation_city import build_city

ZONE = ZoneInfo("Asia/Shanghai")
# A mark of each count's statement, and the index that alone should answer it.
COVERING = {
    "GROUP BY status": "ix_case_counters_open_area",  # open cases by status
    "SELECT count(*) FROM case_counters WHERE area_path LIKE": "ix_case_counters_due_at",
}
LIVE = "AS overdue_now"  # the live measures, over the unfinished cases of the cohort


def _statements_of_the_overview(db, area_path: str) -> list[tuple[str, object]]:
    seen: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        seen.append((" ".join(statement.split()), parameters))

    connection = db.connection()
    event.listen(connection, "before_cursor_execute", record)
    try:
        now = datetime.now(UTC)
        overview.figures(db, area_path=area_path, zone=ZONE, now=now,
                         soon_until=now + timedelta(hours=9), with_cases=True)
    finally:
        event.remove(connection, "before_cursor_execute", record)
    return seen


def _plan(db, statement: str, parameters) -> str:
    cursor = db.connection().connection.driver_connection.cursor()
    cursor.execute("EXPLAIN " + statement, parameters)
    return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize("cohort", ["registered", "reported"])
def test_the_running_cases_are_counted_from_their_indexes_alone(db, cohort):
    tallies.ensure(db, zone=ZONE.key, depth=2)  # the city and its districts are tallied
    definitions.change(db, {"cohort": cohort}, actor_id=None)
    covering = {**COVERING, LIVE: f"ix_case_counters_unfinished_{cohort}"}
    city = build_city(db, cases=30, on_site=0)
    # Whether an index alone can answer does not depend on a tiny table's costs: with the
    # other indexes gone (until the test's transaction rolls back) and no table scans, a
    # count reads the table only if its index lacks a column.
    for (index,) in db.execute(text(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = 'case_counters'::regclass AND NOT i.indisprimary "
            "AND c.relname <> ALL(:kept)"), {"kept": list(covering.values())}):
        db.execute(text(f'DROP INDEX "{index}"'))
    db.execute(text("SET LOCAL enable_seqscan = off"))
    db.execute(text("SET LOCAL enable_bitmapscan = off"))
    statements = _statements_of_the_overview(db, city.tree["city"].path)

    def plans_of(marker: str) -> list[str]:
        found = [_plan(db, statement, parameters) for statement, parameters in statements
                 if marker in statement]
        assert found, marker
        return found

    for marker, index in covering.items():
        for plan in plans_of(marker):
            assert f"Index Only Scan using {index}" in plan, (marker, plan)
