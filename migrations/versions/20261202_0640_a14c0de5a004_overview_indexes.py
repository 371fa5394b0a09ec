"""indexes for the overview: open cases by area, running deadlines

Revision ID: a14c0de5a004
Revises: a14c0de5a003
Create Date: 2026-12-02 06:40:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'a14c0de5a004'
down_revision: str | None = 'a14c0de5a003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_case_counters_open_area', 'case_counters', ['area_path'],
                    postgresql_ops={'area_path': 'text_pattern_ops'},
                    postgresql_where=sa.text("status NOT IN ('closed', 'rejected')"))
    op.create_index('ix_case_counters_due_at', 'case_counters', ['due_at'],
                    postgresql_where=sa.text('due_at IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('ix_case_counters_due_at', table_name='case_counters')
    op.drop_index('ix_case_counters_open_area', table_name='case_counters')
