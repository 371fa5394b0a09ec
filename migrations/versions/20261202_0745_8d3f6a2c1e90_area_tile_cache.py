"""cached vector tiles of the area layers, invalidated by any write to areas

Revision ID: 8d3f6a2c1e90
Revises: 297efbb65936
Create Date: 2026-12-02 07:45:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '8d3f6a2c1e90'
down_revision: str | None = '297efbb65936'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('area_generation',
    sa.Column('id', sa.SmallInteger(), nullable=False),
    sa.Column('n', sa.BigInteger(), server_default='0', nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_area_generation_one_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_area_generation'))
    )
    op.execute("INSERT INTO area_generation (id, n) VALUES (1, 0)")
    op.create_table('area_tiles',
    sa.Column('layer', sa.String(length=20), nullable=False),
    sa.Column('z', sa.SmallInteger(), nullable=False),
    sa.Column('x', sa.Integer(), nullable=False),
    sa.Column('y', sa.Integer(), nullable=False),
    sa.Column('generation', sa.BigInteger(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('layer', 'z', 'x', 'y', name=op.f('pk_area_tiles'))
    )
    # Every statement that writes areas moves the generation on and drops the cached tiles,
    # in its own transaction: an import, a grid generation, a script, a restore alike.
    op.execute("""
CREATE FUNCTION areas_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE area_generation SET n = n + 1 WHERE id = 1;
    DELETE FROM area_tiles;
    RETURN NULL;
END $$;
CREATE TRIGGER areas_changed AFTER INSERT OR UPDATE OR DELETE ON areas
    FOR EACH STATEMENT EXECUTE FUNCTION areas_changed();
CREATE TRIGGER areas_truncated AFTER TRUNCATE ON areas
    FOR EACH STATEMENT EXECUTE FUNCTION areas_changed();
""")


def downgrade() -> None:
    op.execute("DROP TRIGGER areas_truncated ON areas")
    op.execute("DROP TRIGGER areas_changed ON areas")
    op.execute("DROP FUNCTION areas_changed()")
    op.drop_table('area_tiles')
    op.drop_table('area_generation')
