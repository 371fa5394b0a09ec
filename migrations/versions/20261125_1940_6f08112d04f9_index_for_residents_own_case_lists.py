"""index for residents' own case lists

Revision ID: 6f08112d04f9
Revises: 491c158321b7
Create Date: 2026-11-25 19:40:44.482958+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '6f08112d04f9'
down_revision: str | None = '491c158321b7'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_cases_reporter_created', 'cases', ['reporter_id', 'created_at', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_cases_reporter_created', table_name='cases')
