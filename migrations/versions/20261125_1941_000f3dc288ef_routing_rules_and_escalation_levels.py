"""routing rules and escalation levels

Revision ID: 000f3dc288ef
Revises: 6f08112d04f9
Create Date: 2026-11-25 19:41:48.796795+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '000f3dc288ef'
down_revision: str | None = '6f08112d04f9'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('routing_rules',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('category_id', sa.BigInteger(), nullable=False),
    sa.Column('area_id', sa.BigInteger(), nullable=False),
    sa.Column('unit_id', sa.BigInteger(), nullable=False),
    sa.Column('priority', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_routing_rules_area_id_areas')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_routing_rules_category_id_categories')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_routing_rules_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_routing_rules')),
    sa.UniqueConstraint('category_id', 'area_id', 'unit_id', name=op.f('uq_routing_rules_category_id'))
    )
    op.create_index(op.f('ix_routing_rules_area_id'), 'routing_rules', ['area_id'], unique=False)
    op.create_index(op.f('ix_routing_rules_category_id'), 'routing_rules', ['category_id'], unique=False)
    op.add_column('cases', sa.Column('escalation_level', sa.SmallInteger(), server_default=sa.text('0'), nullable=False))
    op.add_column('cases', sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('cases', 'escalated_at')
    op.drop_column('cases', 'escalation_level')
    op.drop_index(op.f('ix_routing_rules_category_id'), table_name='routing_rules')
    op.drop_index(op.f('ix_routing_rules_area_id'), table_name='routing_rules')
    op.drop_table('routing_rules')
