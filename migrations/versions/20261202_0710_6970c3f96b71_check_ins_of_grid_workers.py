"""check-ins of grid workers

Revision ID: 6970c3f96b71
Revises: 613639b89bd1
Create Date: 2026-12-02 06:23:33.685472+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = '6970c3f96b71'
down_revision: str | None = '613639b89bd1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_geospatial_table('check_ins',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('worker_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=3), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('accuracy_m', sa.REAL(), nullable=True),
    sa.Column('cell_id', sa.BigInteger(), nullable=False),
    sa.Column('client_ref', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['cell_id'], ['areas.id'], name=op.f('fk_check_ins_cell_id_areas'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['worker_id'], ['users.id'], name=op.f('fk_check_ins_worker_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_check_ins'))
    )
    op.create_index('ix_check_ins_worker_at', 'check_ins', ['worker_id', 'at'], unique=False)
    op.create_index('uq_check_ins_worker_client_ref', 'check_ins', ['worker_id', 'client_ref'], unique=True, postgresql_where=sa.text('client_ref IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('uq_check_ins_worker_client_ref', table_name='check_ins', postgresql_where=sa.text('client_ref IS NOT NULL'))
    op.drop_index('ix_check_ins_worker_at', table_name='check_ins')
    op.drop_geospatial_table('check_ins')
