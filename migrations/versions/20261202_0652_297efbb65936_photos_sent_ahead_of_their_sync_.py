"""photos sent ahead of their sync operations

Revision ID: 297efbb65936
Revises: 26272d557e45
Create Date: 2026-12-02 06:52:31.367124+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '297efbb65936'
down_revision: str | None = '26272d557e45'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('sync_photos',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('op_id', sa.String(length=64), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('storage_key', sa.String(length=200), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sync_photos_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_photos'))
    )
    op.create_index('uq_sync_photos_user_op_sha', 'sync_photos', ['user_id', 'op_id', 'sha256'], unique=True)


def downgrade() -> None:
    op.drop_index('uq_sync_photos_user_op_sha', table_name='sync_photos')
    op.drop_table('sync_photos')
