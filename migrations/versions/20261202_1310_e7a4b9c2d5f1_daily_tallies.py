"""daily tallies of the counters for the city and its districts, kept by a trigger

Revision ID: e7a4b9c2d5f1
Revises: b61e5f0c2d11
Create Date: 2026-12-02 13:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'e7a4b9c2d5f1'
down_revision: str | None = 'b61e5f0c2d11'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As models/tally.py had them at this revision.
REPORT_COLUMNS = {
    "reported": "1",
    "worker_reported": "(r.source = 'grid_worker')::int",
    "self_handled": "r.self_handled::int",
    "valid": "(r.registered_at IS NOT NULL)::int",
    "rejected": "r.rejected::int",
    "registered_on_time": "(r.registered_at IS NOT NULL AND r.registered_on_time)::int",
}
COHORT_COLUMNS = {
    "registered": "1",
    "dispatched": "r.dispatched::int",
    "dispatched_accurately": "(r.dispatched AND r.returns = 0)::int",
    "handled": "r.handled::int",
    "handled_on_time": "(r.handled AND r.handled_on_time)::int",
    "handled_on_time_nd": "(r.handled AND r.handled_on_time AND NOT r.deferred)::int",
    "handled_dispatched": "(r.dispatched AND r.handled)::int",
    "handled_dispatched_nd": "(r.dispatched AND r.handled AND NOT r.deferred)::int",
    "verified": "r.verified::int",
    "closed": "r.closed::int",
    "closed_nd": "(r.closed AND NOT r.deferred)::int",
    "closed_on_time": "r.closed_on_time::int",
    "closed_on_time_nd": "(r.closed_on_time AND NOT r.deferred)::int",
    "reworked": "(r.reworks > 0)::int",
    "extended": "(r.extensions > 0)::int",
    "deferred": "r.deferred::int",
    "returns": "r.returns",
    "late": "r.late::int",
    "open": "(NOT r.closed)::int",
    "checks": "r.checks",
    "checks_on_time": "r.checks_on_time",
    "rated": "(r.rating IS NOT NULL)::int",
    "rating_sum": "coalesce(r.rating, 0)",
    **{f"rated_{stars}": f"(r.rating IS NOT DISTINCT FROM {stars})::int" for stars in range(1, 6)},
}
COLUMNS = (*REPORT_COLUMNS, *COHORT_COLUMNS)
UNFINISHED = "(NOT handled OR NOT closed OR due_at IS NOT NULL)"


def _sums() -> list[sa.Column]:
    return [sa.Column(name, sa.BigInteger(), server_default=sa.text('0'), nullable=False)
            for name in COLUMNS]


def _contributions() -> str:
    """A counters row's signed contribution to each basis: one row per basis it counts in."""
    def select(basis: int, day: str, report: bool) -> str:
        values = [f"sign * {REPORT_COLUMNS[name]}" if report and name in REPORT_COLUMNS
                  else f"sign * {COHORT_COLUMNS[name]}" if not report and name in COHORT_COLUMNS
                  else "0" for name in COLUMNS]
        where = "" if report else " WHERE r.registered_at IS NOT NULL"
        return (f"SELECT {basis}::smallint, ({day} AT TIME ZONE zone)::date, "
                f"tally_area(r.area_path, depth), {', '.join(values)}{where}")
    returns = ", ".join(f"{name} bigint" for name in COLUMNS)
    return f"""
CREATE FUNCTION tally_contributions(r case_counters, zone text, depth int, sign int)
RETURNS TABLE (basis smallint, day date, area_path varchar, {returns})
LANGUAGE sql STABLE AS $$
{select(0, 'r.reported_at', True)}
UNION ALL
{select(1, 'r.registered_at', False)}
UNION ALL
{select(2, 'r.reported_at', False)}
$$"""


TALLY_AREA = """
CREATE FUNCTION tally_area(path varchar, depth int) RETURNS varchar
LANGUAGE sql IMMUTABLE AS $$
    SELECT '/' || array_to_string((string_to_array(trim(both '/' from path), '/'))[1:depth],
                                  '/') || '/'
$$"""

TRIGGER_FUNCTION = f"""
CREATE FUNCTION case_counters_tally() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    kept record;
BEGIN
    SELECT zone, depth INTO kept FROM tally_settings;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD IS NOT DISTINCT FROM NEW THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO tally_changes (basis, day, area_path, {', '.join(COLUMNS)})
        SELECT * FROM tally_contributions(OLD, kept.zone, kept.depth, -1);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO tally_changes (basis, day, area_path, {', '.join(COLUMNS)})
        SELECT * FROM tally_contributions(NEW, kept.zone, kept.depth, 1);
    END IF;
    RETURN NULL;
END $$"""  # noqa: S608 - column names are constants


# TRUNCATE fires no row trigger: emptying the counters empties the tallies.
TRUNCATE_FUNCTION = """
CREATE FUNCTION case_counters_tally_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM tally_changes;
    DELETE FROM tallies;
    RETURN NULL;
END $$"""


def upgrade() -> None:
    op.create_table(
        'tallies',
        sa.Column('basis', sa.SmallInteger(), nullable=False),
        sa.Column('area_path', sa.String(length=200), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        *_sums(),
        sa.PrimaryKeyConstraint('basis', 'area_path', 'day', name=op.f('pk_tallies')),
    )
    op.create_table(
        'tally_changes',
        sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column('basis', sa.SmallInteger(), nullable=False),
        sa.Column('area_path', sa.String(length=200), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        *_sums(),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tally_changes')),
    )
    op.create_table(
        'tally_settings',
        sa.Column('id', sa.SmallInteger(), server_default=sa.text('1'), nullable=False),
        sa.Column('zone', sa.String(length=64), nullable=False),
        sa.Column('depth', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tally_settings')),
    )
    op.create_index('ix_case_counters_unfinished_registered', 'case_counters',
                    ['registered_at'], postgresql_where=sa.text(UNFINISHED))
    op.create_index('ix_case_counters_unfinished_reported', 'case_counters',
                    ['reported_at'], postgresql_where=sa.text(UNFINISHED))
    op.execute(TALLY_AREA)
    op.execute(_contributions())
    op.execute(TRIGGER_FUNCTION)
    op.execute("CREATE TRIGGER case_counters_tally AFTER INSERT OR UPDATE OR DELETE "
               "ON case_counters FOR EACH ROW EXECUTE FUNCTION case_counters_tally()")
    op.execute(TRUNCATE_FUNCTION)
    op.execute("CREATE TRIGGER case_counters_tally_truncate AFTER TRUNCATE ON case_counters "
               "FOR EACH STATEMENT EXECUTE FUNCTION case_counters_tally_truncate()")


def downgrade() -> None:
    op.execute("DROP TRIGGER case_counters_tally_truncate ON case_counters")
    op.execute("DROP FUNCTION case_counters_tally_truncate()")
    op.execute("DROP TRIGGER case_counters_tally ON case_counters")
    op.execute("DROP FUNCTION case_counters_tally()")
    op.execute("DROP FUNCTION tally_contributions(case_counters, text, int, int)")
    op.execute("DROP FUNCTION tally_area(varchar, int)")
    op.drop_index('ix_case_counters_unfinished_reported', table_name='case_counters')
    op.drop_index('ix_case_counters_unfinished_registered', table_name='case_counters')
    op.drop_table('tally_settings')
    op.drop_table('tally_changes')
    op.drop_table('tallies')
