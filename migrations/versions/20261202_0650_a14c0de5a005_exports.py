"""exports written in the background

Revision ID: a14c0de5a005
Revises: a14c0de5a004
Create Date: 2026-12-02 06:50:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'a14c0de5a005'
down_revision: str | None = 'a14c0de5a004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

export_status = postgresql.ENUM('queued', 'running', 'done', 'failed', name='export_status',
                                create_type=False)


def upgrade() -> None:
    export_status.create(op.get_bind(), checkfirst=True)
    op.create_table(
        'exports',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('user_id', sa.BigInteger(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('format', sa.String(length=10), nullable=False),
        sa.Column('params', postgresql.JSONB(astext_type=sa.Text()),
                  server_default=sa.text("'{}'"), nullable=False),
        sa.Column('status', export_status, nullable=False),
        sa.Column('rows_done', sa.Integer(), server_default=sa.text('0'), nullable=False),
        sa.Column('rows_total', sa.Integer(), nullable=True),
        sa.Column('storage_key', sa.String(length=200), nullable=True),
        sa.Column('size_bytes', sa.BigInteger(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_exports_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_exports')),
    )
    op.create_index('ix_exports_user_created', 'exports', ['user_id', 'created_at'])


def downgrade() -> None:
    op.drop_table('exports')
    export_status.drop(op.get_bind(), checkfirst=True)
