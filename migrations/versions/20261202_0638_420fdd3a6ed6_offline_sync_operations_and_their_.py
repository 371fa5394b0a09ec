"""offline sync operations and their answers

Revision ID: 420fdd3a6ed6
Revises: 6970c3f96b71
Create Date: 2026-12-02 06:38:56.035573+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '420fdd3a6ed6'
down_revision: str | None = '6970c3f96b71'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('sync_operations',
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('op_id', sa.String(length=64), nullable=False),
    sa.Column('op_type', sa.String(length=20), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status', sa.SmallInteger(), nullable=True),
    sa.Column('result', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('error', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sync_operations_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'op_id', name=op.f('pk_sync_operations'))
    )


def downgrade() -> None:
    op.drop_table('sync_operations')
