"""large grid generations as background jobs with progress

Revision ID: a7d2c9e4f150
Revises: e8b3d5a10c62
Create Date: 2026-12-02 06:45:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'a7d2c9e4f150'
down_revision: str | None = 'e8b3d5a10c62'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'grid_generation_jobs',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('area_id', sa.BigInteger(), nullable=False),
        sa.Column('requested_by_id', sa.BigInteger(), nullable=True),
        sa.Column('shape', sa.String(length=10), nullable=False),
        sa.Column('size_m', sa.Float(), nullable=False),
        sa.Column('code_digits', sa.SmallInteger(), nullable=False),
        sa.Column('name_prefix', sa.String(length=80), nullable=True),
        sa.Column('status', sa.String(length=10), server_default=sa.text("'queued'"),
                  nullable=False),
        sa.Column('estimated_cells', sa.Integer(), nullable=False),
        sa.Column('created_cells', sa.Integer(), nullable=True),
        sa.Column('progress', sa.SmallInteger(), server_default=sa.text('0'), nullable=False),
        sa.Column('error', sa.String(length=100), nullable=True),
        sa.Column('first_code', sa.String(length=15), nullable=True),
        sa.Column('last_code', sa.String(length=15), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['area_id'], ['areas.id'],
                                name=op.f('fk_grid_generation_jobs_area_id_areas')),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'],
                                name=op.f('fk_grid_generation_jobs_requested_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_grid_generation_jobs')),
    )


def downgrade() -> None:
    op.drop_table('grid_generation_jobs')
