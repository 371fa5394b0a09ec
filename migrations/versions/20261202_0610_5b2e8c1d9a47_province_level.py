"""provinces at the top of the area tree

Revision ID: 5b2e8c1d9a47
Revises: 74db12b48630
Create Date: 2026-12-02 06:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '5b2e8c1d9a47'
down_revision: str | None = '74db12b48630'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CURRENT_CELLS = sa.text("level = 'grid' AND valid_to IS NULL")


def upgrade() -> None:
    op.execute("ALTER TYPE area_level ADD VALUE IF NOT EXISTS 'province' BEFORE 'city'")


def downgrade() -> None:
    # PostgreSQL cannot drop an enum value: rebuild the type (fails while provinces exist).
    op.drop_geospatial_index('ix_areas_current_grid_geom', table_name='areas',
                             postgresql_using='gist', postgresql_where=CURRENT_CELLS,
                             column_name='geom')
    op.execute("ALTER TYPE area_level RENAME TO area_level_with_provinces")
    op.execute("CREATE TYPE area_level AS ENUM ('city', 'district', 'street', 'community', 'grid')")
    op.execute("ALTER TABLE areas ALTER COLUMN level TYPE area_level "
               "USING level::text::area_level")
    op.execute("DROP TYPE area_level_with_provinces")
    op.create_geospatial_index('ix_areas_current_grid_geom', 'areas', ['geom'], unique=False,
                               postgresql_using='gist', postgresql_where=CURRENT_CELLS,
                               postgresql_ops={})
