"""event counters for /metrics in PostgreSQL, not Redis

Revision ID: e8b3d5a10c62
Revises: c4f1a9e27b30
Create Date: 2026-12-02 06:25:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'e8b3d5a10c62'
down_revision: str | None = 'c4f1a9e27b30'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'event_counters',
        sa.Column('name', sa.String(length=50), nullable=False),
        sa.Column('shard', sa.SmallInteger(), nullable=False),
        sa.Column('value', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
        sa.PrimaryKeyConstraint('name', 'shard', name=op.f('pk_event_counters')),
    )


def downgrade() -> None:
    op.drop_table('event_counters')
