"""evaluation settings: the city's definitions of its rates

Revision ID: a14c0de5a003
Revises: a14c0de5a002
Create Date: 2026-12-02 06:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'a14c0de5a003'
down_revision: str | None = 'a14c0de5a002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'evaluation_settings',
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('value', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('updated_by', sa.BigInteger(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.ForeignKeyConstraint(['updated_by'], ['users.id'],
                                name=op.f('fk_evaluation_settings_updated_by_users')),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_evaluation_settings')),
    )


def downgrade() -> None:
    op.drop_table('evaluation_settings')
