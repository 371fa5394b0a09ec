"""area history and current-cell index

Revision ID: c7a1fdd3a2b6
Revises: 7f0e643c1d2c
Create Date: 2026-11-25 18:57:06.935317+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = 'c7a1fdd3a2b6'
down_revision: str | None = '7f0e643c1d2c'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_geospatial_table('area_versions',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('area_id', sa.BigInteger(), nullable=False),
    sa.Column('code', sa.String(length=15), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_area_versions_area_id_areas'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_area_versions'))
    )
    op.create_index(op.f('ix_area_versions_area_id'), 'area_versions', ['area_id'], unique=False)
    op.create_geospatial_index('ix_areas_current_grid_geom', 'areas', ['geom'], unique=False, postgresql_using='gist', postgresql_where=sa.text("level = 'grid' AND valid_to IS NULL"), postgresql_ops={})


def downgrade() -> None:
    op.drop_geospatial_index('ix_areas_current_grid_geom', table_name='areas', postgresql_using='gist', postgresql_where=sa.text("level = 'grid' AND valid_to IS NULL"), column_name='geom')
    op.drop_index(op.f('ix_area_versions_area_id'), table_name='area_versions')
    op.drop_geospatial_table('area_versions')
