"""category questions and case answers

Revision ID: b80c28742bf6
Revises: fcf406382e23
Create Date: 2026-12-02 06:14:06.828412+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'b80c28742bf6'
down_revision: str | None = 'fcf406382e23'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('category_questions',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('category_id', sa.BigInteger(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('datatype', sa.Enum('string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist', name='question_type'), nullable=False),
    sa.Column('required', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.Column('prompt_zh', sa.String(length=200), nullable=False),
    sa.Column('prompt_en', sa.String(length=200), nullable=False),
    sa.Column('choices', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'"), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_category_questions_category_id_categories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_category_questions')),
    sa.UniqueConstraint('category_id', 'code', name='uq_category_questions_category_id_code')
    )
    op.create_table('case_answers',
    sa.Column('case_id', sa.BigInteger(), nullable=False),
    sa.Column('answers', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_answers_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_answers'))
    )


def downgrade() -> None:
    op.drop_table('case_answers')
    op.drop_table('category_questions')
    sa.Enum(name='question_type').drop(op.get_bind())
