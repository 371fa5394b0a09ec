"""case source channel and urgent flag

Revision ID: a14c0de5a001
Revises: 8d3f6a2c1e90
Create Date: 2026-12-02 06:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'a14c0de5a001'
down_revision: str | None = '8d3f6a2c1e90'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SOURCES = ('grid_worker', 'resident_app', 'patrol', 'hotline', 'other_system', 'video',
           'supervision', 'leader_assigned', 'media')
case_source = postgresql.ENUM(*SOURCES, name='case_source', create_type=False)


def upgrade() -> None:
    case_source.create(op.get_bind(), checkfirst=True)
    op.add_column('cases', sa.Column('source', case_source, nullable=True))
    op.add_column('cases', sa.Column('urgent', sa.Boolean(), server_default=sa.text('false'),
                                     nullable=False))
    # Cases filed before channels were recorded: a grid worker's report came from the field,
    # anyone else's from the app.
    op.execute("""
        UPDATE cases SET source = CASE
            WHEN 'grid_worker' = ANY (users.roles) THEN 'grid_worker'::case_source
            ELSE 'resident_app'::case_source END
        FROM users WHERE users.id = cases.reporter_id
    """)
    op.alter_column('cases', 'source', nullable=False)


def downgrade() -> None:
    op.drop_column('cases', 'urgent')
    op.drop_column('cases', 'source')
    case_source.drop(op.get_bind(), checkfirst=True)
