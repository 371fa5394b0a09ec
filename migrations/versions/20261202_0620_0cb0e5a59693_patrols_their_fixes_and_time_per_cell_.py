"""patrols, their fixes and time per cell and day

Revision ID: 0cb0e5a59693
Revises: 451e73c9db93
Create Date: 2026-12-02 05:50:12.679160+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = '0cb0e5a59693'
down_revision: str | None = '451e73c9db93'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('patrols',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('worker_id', sa.BigInteger(), nullable=False),
    sa.Column('client_ref', sa.String(length=64), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_by', sa.String(length=10), nullable=True),
    sa.Column('last_fix_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_activity_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('fix_count', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('walked_m', sa.Float(), nullable=True),
    sa.Column('walking_seconds', sa.Integer(), nullable=True),
    sa.Column('vehicle_m', sa.Float(), nullable=True),
    sa.Column('vehicle_seconds', sa.Integer(), nullable=True),
    sa.Column('gap_seconds', sa.Integer(), nullable=True),
    sa.Column('excluded', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('track_purged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('finished_at IS NULL OR finished_at >= started_at', name=op.f('ck_patrols_finished_after_start')),
    sa.ForeignKeyConstraint(['worker_id'], ['users.id'], name=op.f('fk_patrols_worker_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patrols'))
    )
    op.create_index('ix_patrols_open_activity', 'patrols', ['last_activity_at'], unique=False, postgresql_where=sa.text('finished_at IS NULL'))
    op.create_index('ix_patrols_worker_started', 'patrols', ['worker_id', 'started_at'], unique=False)
    op.create_index('uq_patrols_one_open', 'patrols', ['worker_id'], unique=True, postgresql_where=sa.text('finished_at IS NULL'))
    op.create_index('uq_patrols_worker_client_ref', 'patrols', ['worker_id', 'client_ref'], unique=True, postgresql_where=sa.text('client_ref IS NOT NULL'))
    op.create_table('patrol_cell_days',
    sa.Column('patrol_id', sa.BigInteger(), nullable=False),
    sa.Column('cell_id', sa.BigInteger(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('worker_id', sa.BigInteger(), nullable=False),
    sa.Column('seconds', sa.Integer(), nullable=False),
    sa.Column('first_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cell_id'], ['areas.id'], name=op.f('fk_patrol_cell_days_cell_id_areas'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['patrol_id'], ['patrols.id'], name=op.f('fk_patrol_cell_days_patrol_id_patrols'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['worker_id'], ['users.id'], name=op.f('fk_patrol_cell_days_worker_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('patrol_id', 'cell_id', 'day', name=op.f('pk_patrol_cell_days'))
    )
    op.create_index('ix_patrol_cell_days_cell_day', 'patrol_cell_days', ['cell_id', 'day'], unique=False)
    op.create_index('ix_patrol_cell_days_worker_day', 'patrol_cell_days', ['worker_id', 'day'], unique=False)
    op.create_geospatial_table('patrol_fixes',
    sa.Column('patrol_id', sa.BigInteger(), nullable=False),
    sa.Column('t', sa.DateTime(timezone=True), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('accuracy_m', sa.REAL(), nullable=False),
    sa.Column('speed_mps', sa.REAL(), nullable=True),
    sa.ForeignKeyConstraint(['patrol_id'], ['patrols.id'], name=op.f('fk_patrol_fixes_patrol_id_patrols'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('patrol_id', 't', name=op.f('pk_patrol_fixes'))
    )


def downgrade() -> None:
    op.drop_geospatial_table('patrol_fixes')
    op.drop_index('ix_patrol_cell_days_worker_day', table_name='patrol_cell_days')
    op.drop_index('ix_patrol_cell_days_cell_day', table_name='patrol_cell_days')
    op.drop_table('patrol_cell_days')
    op.drop_index('uq_patrols_worker_client_ref', table_name='patrols', postgresql_where=sa.text('client_ref IS NOT NULL'))
    op.drop_index('uq_patrols_one_open', table_name='patrols', postgresql_where=sa.text('finished_at IS NULL'))
    op.drop_index('ix_patrols_worker_started', table_name='patrols')
    op.drop_index('ix_patrols_open_activity', table_name='patrols', postgresql_where=sa.text('finished_at IS NULL'))
    op.drop_table('patrols')
