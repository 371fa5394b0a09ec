"""the heat layer's tallies: reports per map bin and local month or day, kept by triggers;
tallies built while the counters are written (tally_settings.ready)

Revision ID: a8d2c6f0e4b7
Revises: e7a4b9c2d5f1
Create Date: 2026-12-02 16:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'a8d2c6f0e4b7'
down_revision: str | None = 'e7a4b9c2d5f1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A cell's bin at zoom 16 (a z10 tile's 64 × 64): its inner point in Web Mercator, rows
# counted from the north as tile rows are.
HEAT_BIN = """
CREATE FUNCTION heat_bin(g geometry) RETURNS TABLE (bin_x int, bin_y int)
LANGUAGE sql IMMUTABLE AS $$
    SELECT floor((ST_X(p) + 20037508.342789244) / (40075016.685578488 / 65536))::int,
           floor((20037508.342789244 - ST_Y(p)) / (40075016.685578488 / 65536))::int
    FROM ST_Transform(ST_PointOnSurface(g), 3857) p
    WHERE p IS NOT NULL
$$"""

# A counters row counts once at its cell's bin; only its cell and its report time move it.
COUNTERS_FUNCTION = """
CREATE FUNCTION case_counters_heat() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    kept record;
BEGIN
    SELECT zone, depth INTO kept FROM tally_settings;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.area_path = NEW.area_path
       AND OLD.reported_at = NEW.reported_at THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO heat_changes (day, area_path, bin_x, bin_y, reported)
        SELECT (OLD.reported_at AT TIME ZONE kept.zone)::date,
               tally_area(OLD.area_path, kept.depth), b.bin_x, b.bin_y, -1
        FROM areas a, heat_bin(a.geom) b WHERE a.path = OLD.area_path AND a.level = 'grid';
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO heat_changes (day, area_path, bin_x, bin_y, reported)
        SELECT (NEW.reported_at AT TIME ZONE kept.zone)::date,
               tally_area(NEW.area_path, kept.depth), b.bin_x, b.bin_y, 1
        FROM areas a, heat_bin(a.geom) b WHERE a.path = NEW.area_path AND a.level = 'grid';
    END IF;
    RETURN NULL;
END $$"""

# A cell reshaped, moved or retyped takes its cases from its old bin to its new one.
AREAS_FUNCTION = """
CREATE FUNCTION areas_heat() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    kept record;
BEGIN
    SELECT zone, depth INTO kept FROM tally_settings;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.level <> 'grid' AND NEW.level <> 'grid' THEN
        RETURN NULL;  -- a district or street: no reports are placed by its shape
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.path = NEW.path AND OLD.level = NEW.level
       AND (SELECT array[bin_x, bin_y] FROM heat_bin(OLD.geom))
           IS NOT DISTINCT FROM (SELECT array[bin_x, bin_y] FROM heat_bin(NEW.geom)) THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.level = 'grid' THEN
        INSERT INTO heat_changes (day, area_path, bin_x, bin_y, reported)
        SELECT (k.reported_at AT TIME ZONE kept.zone)::date,
               tally_area(k.area_path, kept.depth), b.bin_x, b.bin_y, -count(*)
        FROM case_counters k, heat_bin(OLD.geom) b WHERE k.area_path = OLD.path
        GROUP BY 1, 2, 3, 4;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.level = 'grid' THEN
        INSERT INTO heat_changes (day, area_path, bin_x, bin_y, reported)
        SELECT (k.reported_at AT TIME ZONE kept.zone)::date,
               tally_area(k.area_path, kept.depth), b.bin_x, b.bin_y, count(*)
        FROM case_counters k, heat_bin(NEW.geom) b WHERE k.area_path = NEW.path
        GROUP BY 1, 2, 3, 4;
    END IF;
    RETURN NULL;
END $$"""

TRUNCATE_FUNCTION = """
CREATE FUNCTION case_counters_heat_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM heat_changes;
    DELETE FROM heat_tallies;
    RETURN NULL;
END $$"""


def upgrade() -> None:
    op.create_table(
        'heat_tallies',
        sa.Column('level', sa.SmallInteger(), nullable=False),
        sa.Column('tile_x', sa.Integer(), nullable=False),
        sa.Column('tile_y', sa.Integer(), nullable=False),
        sa.Column('monthly', sa.Boolean(), nullable=False),
        sa.Column('period_start', sa.Date(), nullable=False),
        sa.Column('area_path', sa.String(length=200), nullable=False),
        sa.Column('bin_x', sa.Integer(), nullable=False),
        sa.Column('bin_y', sa.Integer(), nullable=False),
        sa.Column('reported', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('level', 'tile_x', 'tile_y', 'monthly', 'period_start',
                                'area_path', 'bin_x', 'bin_y', name=op.f('pk_heat_tallies')),
    )
    op.create_table(
        'heat_changes',
        sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('area_path', sa.String(length=200), nullable=False),
        sa.Column('bin_x', sa.Integer(), nullable=False),
        sa.Column('bin_y', sa.Integer(), nullable=False),
        sa.Column('reported', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_heat_changes')),
    )
    op.add_column('tally_settings', sa.Column('ready', sa.Boolean(), nullable=False,
                                              server_default=sa.text('true')))
    op.execute(HEAT_BIN)
    op.execute(COUNTERS_FUNCTION)
    op.execute("CREATE TRIGGER case_counters_heat AFTER INSERT OR DELETE "
               "OR UPDATE OF area_path, reported_at ON case_counters "
               "FOR EACH ROW EXECUTE FUNCTION case_counters_heat()")
    op.execute(AREAS_FUNCTION)
    op.execute("CREATE TRIGGER areas_heat AFTER INSERT OR DELETE OR UPDATE OF geom, path, level "
               "ON areas FOR EACH ROW EXECUTE FUNCTION areas_heat()")
    op.execute(TRUNCATE_FUNCTION)
    op.execute("CREATE TRIGGER case_counters_heat_truncate AFTER TRUNCATE ON case_counters "
               "FOR EACH STATEMENT EXECUTE FUNCTION case_counters_heat_truncate()")
    # The appended changes are a queue, emptied every minute: vacuumed as often, or every
    # read of the tallies would wade through what the folds left dead.
    for table in ('tally_changes', 'heat_changes'):
        op.execute(f"ALTER TABLE {table} SET (autovacuum_vacuum_scale_factor = 0, "
                   "autovacuum_vacuum_threshold = 10000, autovacuum_vacuum_cost_delay = 0)")
    # Tallies kept before this revision lack their heat part: switched off, the worker's
    # next keeping (tasks.tallies) builds both; meanwhile every question counts cases.
    op.execute("DELETE FROM tally_changes")
    op.execute("DELETE FROM tallies")
    op.execute("DELETE FROM tally_settings")


def downgrade() -> None:
    op.execute("DROP TRIGGER case_counters_heat_truncate ON case_counters")
    op.execute("DROP FUNCTION case_counters_heat_truncate()")
    op.execute("DROP TRIGGER areas_heat ON areas")
    op.execute("DROP FUNCTION areas_heat()")
    op.execute("DROP TRIGGER case_counters_heat ON case_counters")
    op.execute("DROP FUNCTION case_counters_heat()")
    op.execute("DROP FUNCTION heat_bin(geometry)")
    op.drop_column('tally_settings', 'ready')
    op.drop_table('heat_changes')
    op.drop_table('heat_tallies')

