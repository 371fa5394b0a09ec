"""case counters indexed by cell path and report time, for per-cell counts

Revision ID: d5e2f0a7c913
Revises: c3a91d7e5b21
Create Date: 2026-12-02 10:10:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = 'd5e2f0a7c913'
down_revision: str | None = 'c3a91d7e5b21'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_case_counters_area_reported', 'case_counters',
                    ['area_path', 'reported_at'],
                    postgresql_ops={'area_path': 'text_pattern_ops'})


def downgrade() -> None:
    op.drop_index('ix_case_counters_area_reported', table_name='case_counters')
