"""missed reports and the cases looked at

Revision ID: 26272d557e45
Revises: 420fdd3a6ed6
Create Date: 2026-12-02 06:43:38.057009+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '26272d557e45'
down_revision: str | None = '420fdd3a6ed6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('missed_report_scans',
    sa.Column('case_id', sa.BigInteger(), nullable=False),
    sa.Column('scanned_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_missed_report_scans_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_missed_report_scans'))
    )
    op.create_table('missed_reports',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('case_id', sa.BigInteger(), nullable=False),
    sa.Column('worker_id', sa.BigInteger(), nullable=False),
    sa.Column('patrol_id', sa.BigInteger(), nullable=False),
    sa.Column('passed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('distance_m', sa.Float(), nullable=False),
    sa.Column('status', sa.String(length=10), server_default=sa.text("'candidate'"), nullable=False),
    sa.Column('decided_by', sa.BigInteger(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_missed_reports_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_missed_reports_decided_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['patrol_id'], ['patrols.id'], name=op.f('fk_missed_reports_patrol_id_patrols'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['worker_id'], ['users.id'], name=op.f('fk_missed_reports_worker_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_missed_reports'))
    )
    op.create_index(op.f('ix_missed_reports_worker_id'), 'missed_reports', ['worker_id'], unique=False)
    op.create_index('uq_missed_reports_case_worker', 'missed_reports', ['case_id', 'worker_id'], unique=True)


def downgrade() -> None:
    op.drop_index('uq_missed_reports_case_worker', table_name='missed_reports')
    op.drop_index(op.f('ix_missed_reports_worker_id'), table_name='missed_reports')
    op.drop_table('missed_reports')
    op.drop_table('missed_report_scans')
