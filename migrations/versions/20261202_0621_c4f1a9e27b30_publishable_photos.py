"""photos are shown beyond the case's full viewers only once staff mark them publishable

Revision ID: c4f1a9e27b30
Revises: 0cb0e5a59693
Create Date: 2026-12-02 06:20:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c4f1a9e27b30'
down_revision: str | None = '0cb0e5a59693'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('attachments', sa.Column('publishable', sa.Boolean(), nullable=False,
                                           server_default=sa.text('false')))
    op.add_column('attachments', sa.Column('published_by_id', sa.BigInteger(), nullable=True))
    op.add_column('attachments', sa.Column('published_at', sa.DateTime(timezone=True),
                                           nullable=True))
    op.create_foreign_key(op.f('fk_attachments_published_by_id_users'), 'attachments', 'users',
                          ['published_by_id'], ['id'])


def downgrade() -> None:
    op.drop_constraint(op.f('fk_attachments_published_by_id_users'), 'attachments',
                       type_='foreignkey')
    op.drop_column('attachments', 'published_at')
    op.drop_column('attachments', 'published_by_id')
    op.drop_column('attachments', 'publishable')
