"""per-case counters for the evaluation

Revision ID: a14c0de5a002
Revises: a14c0de5a001
Create Date: 2026-12-02 06:20:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'a14c0de5a002'
down_revision: str | None = 'a14c0de5a001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

case_source = postgresql.ENUM(name='case_source', create_type=False)
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'case_counters',
        sa.Column('case_id', sa.BigInteger(), nullable=False),
        sa.Column('area_path', sa.String(length=200), nullable=False),
        sa.Column('category_code', sa.String(length=12), nullable=False),
        sa.Column('source', case_source, nullable=False),
        sa.Column('reporter_id', sa.BigInteger(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('reported_at', WHEN, nullable=False),
        sa.Column('registered_at', WHEN, nullable=True),
        sa.Column('registered_on_time', sa.Boolean(), nullable=False),
        sa.Column('rejected', sa.Boolean(), nullable=False),
        sa.Column('dispatched', sa.Boolean(), nullable=False),
        sa.Column('unit_id', sa.BigInteger(), nullable=True),
        sa.Column('returns', sa.SmallInteger(), nullable=False),
        sa.Column('handled', sa.Boolean(), nullable=False),
        sa.Column('handled_on_time', sa.Boolean(), nullable=False),
        sa.Column('checks', sa.SmallInteger(), nullable=False),
        sa.Column('checks_on_time', sa.SmallInteger(), nullable=False),
        sa.Column('last_check_on_time', sa.Boolean(), nullable=False),
        sa.Column('checker_id', sa.BigInteger(), nullable=True),
        sa.Column('verified', sa.Boolean(), nullable=False),
        sa.Column('closed', sa.Boolean(), nullable=False),
        sa.Column('closed_on_time', sa.Boolean(), nullable=False),
        sa.Column('reworks', sa.SmallInteger(), nullable=False),
        sa.Column('extensions', sa.SmallInteger(), nullable=False),
        sa.Column('deferred', sa.Boolean(), nullable=False),
        sa.Column('late', sa.Boolean(), nullable=False),
        sa.Column('urgent', sa.Boolean(), nullable=False),
        sa.Column('rating', sa.SmallInteger(), nullable=True),
        sa.Column('register_deadline', WHEN, nullable=True),
        sa.Column('handle_deadline', WHEN, nullable=True),
        sa.Column('verify_deadline', WHEN, nullable=True),
        sa.Column('due_at', WHEN, nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE',
                                name=op.f('fk_case_counters_case_id_cases')),
        sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_counters')),
    )
    op.create_index('ix_case_counters_reported_at', 'case_counters', ['reported_at'])
    op.create_index('ix_case_counters_registered_at', 'case_counters', ['registered_at'])
    op.create_index('ix_case_counters_area_registered', 'case_counters',
                    ['area_path', 'registered_at'],
                    postgresql_ops={'area_path': 'text_pattern_ops'})
    op.create_index('ix_case_counters_unit_registered', 'case_counters',
                    ['unit_id', 'registered_at'])
    op.create_index('ix_case_counters_reporter_reported', 'case_counters',
                    ['reporter_id', 'reported_at'])


def downgrade() -> None:
    op.drop_table('case_counters')
