"""the heat tallies also sum each ISO week, so a window that is not whole months reads its
whole weeks, not each of their days: `monthly` becomes `span` (day, week, month)

Revision ID: c4e9a7b1d3f5
Revises: f2b8d4a6c0e9
Create Date: 2026-12-03 00:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = 'c4e9a7b1d3f5'
down_revision: str | None = 'f2b8d4a6c0e9'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DAY, WEEK, MONTH = 0, 1, 2
KEY = "level, tile_x, tile_y, {span}, period_start, area_path, bin_x, bin_y"


def _rebuild(span: str, rows: str) -> None:
    """heat_tallies again, its span column ``span`` and its rows ``rows`` (read from the
    old table, heat_tallies_old), written in key order as the tallies' rebuild writes them."""
    op.execute("ALTER TABLE heat_tallies RENAME TO heat_tallies_old")
    op.execute("ALTER TABLE heat_tallies_old RENAME CONSTRAINT pk_heat_tallies "
               "TO pk_heat_tallies_old")
    kind = "smallint" if span == "span" else "boolean"
    op.execute(f"""
        CREATE TABLE heat_tallies (
            level smallint NOT NULL, tile_x integer NOT NULL, tile_y integer NOT NULL,
            {span} {kind} NOT NULL, period_start date NOT NULL,
            area_path varchar(200) NOT NULL, bin_x integer NOT NULL, bin_y integer NOT NULL,
            reported bigint NOT NULL,
            CONSTRAINT pk_heat_tallies PRIMARY KEY ({KEY.format(span=span)}))""")
    op.execute(f"INSERT INTO heat_tallies {rows} ORDER BY 1, 2, 3, 4, 5, 6, 7, 8")
    op.execute("DROP TABLE heat_tallies_old")


def upgrade() -> None:
    _rebuild("span", f"""
        SELECT level, tile_x, tile_y, CASE WHEN monthly THEN {MONTH} ELSE {DAY} END,
               period_start, area_path, bin_x, bin_y, reported
        FROM heat_tallies_old
        UNION ALL
        SELECT level, tile_x, tile_y, {WEEK},
               period_start - (extract(isodow FROM period_start)::int - 1), area_path,
               bin_x, bin_y, sum(reported)
        FROM heat_tallies_old WHERE NOT monthly GROUP BY 1, 2, 3, 4, 5, 6, 7, 8""")  # noqa: S608


def downgrade() -> None:
    _rebuild("monthly", f"""
        SELECT level, tile_x, tile_y, span = {MONTH}, period_start, area_path, bin_x, bin_y,
               reported
        FROM heat_tallies_old WHERE span <> {WEEK}""")  # noqa: S608
