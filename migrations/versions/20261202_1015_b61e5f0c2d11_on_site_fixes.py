"""on-site fixes: the category flag, the case flag, photo kinds, the self-handled counter

Revision ID: b61e5f0c2d11
Revises: d5e2f0a7c913
Create Date: 2026-12-02 10:15:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b61e5f0c2d11'
down_revision: str | None = 'd5e2f0a7c913'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('categories', sa.Column('allows_on_site_fix', sa.Boolean(),
                                          server_default=sa.text('false'), nullable=False))
    op.add_column('cases', sa.Column('handled_on_site', sa.Boolean(),
                                     server_default=sa.text('false'), nullable=False))
    op.add_column('attachments', sa.Column('kind', sa.String(length=10), nullable=True))
    op.add_column('sync_photos', sa.Column('kind', sa.String(length=10), nullable=True))
    op.add_column('case_counters', sa.Column('self_handled', sa.Boolean(),
                                             server_default=sa.text('false'), nullable=False))


def downgrade() -> None:
    op.drop_column('case_counters', 'self_handled')
    op.drop_column('sync_photos', 'kind')
    op.drop_column('attachments', 'kind')
    op.drop_column('cases', 'handled_on_site')
    op.drop_column('categories', 'allows_on_site_fix')
