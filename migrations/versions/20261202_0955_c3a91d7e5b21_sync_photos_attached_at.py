"""sync photos keep the time they reached their case, for the retention sweep

Revision ID: c3a91d7e5b21
Revises: a14c0de5a005
Create Date: 2026-12-02 09:55:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c3a91d7e5b21'
down_revision: str | None = 'a14c0de5a005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('sync_photos', sa.Column('attached_at', sa.DateTime(timezone=True),
                                           nullable=True))
    op.create_index('ix_sync_photos_created_at', 'sync_photos', ['created_at'])
    op.create_index('ix_sync_operations_created_at', 'sync_operations', ['created_at'])


def downgrade() -> None:
    op.drop_index('ix_sync_operations_created_at', table_name='sync_operations')
    op.drop_index('ix_sync_photos_created_at', table_name='sync_photos')
    op.drop_column('sync_photos', 'attached_at')
