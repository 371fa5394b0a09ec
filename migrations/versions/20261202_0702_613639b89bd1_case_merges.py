"""case merges

Revision ID: 613639b89bd1
Revises: b80c28742bf6
Create Date: 2026-12-02 06:22:42.215524+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '613639b89bd1'
down_revision: str | None = 'b80c28742bf6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


FAN_OUT_FUNCTION = """
CREATE OR REPLACE FUNCTION case_events_webhook_fan_out() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM webhook_endpoints WHERE disabled_at IS NULL)
       OR (NEW.action = 'close'
           AND EXISTS (SELECT 1 FROM case_merges WHERE master_id = NEW.case_id)) THEN
        INSERT INTO outbox_messages (topic, queue, payload)
        VALUES ('webhook.fan_out', 'default', jsonb_build_object('event_id', NEW.id));
    END IF;
    RETURN NULL;
END
$$
"""
PREVIOUS_FUNCTION = """
CREATE OR REPLACE FUNCTION case_events_webhook_fan_out() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM webhook_endpoints WHERE disabled_at IS NULL) THEN
        INSERT INTO outbox_messages (topic, queue, payload)
        VALUES ('webhook.fan_out', 'default', jsonb_build_object('event_id', NEW.id));
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.create_table('case_merges',
    sa.Column('case_id', sa.BigInteger(), nullable=False),
    sa.Column('master_id', sa.BigInteger(), nullable=False),
    sa.Column('merged_by', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_merges_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['master_id'], ['cases.id'], name=op.f('fk_case_merges_master_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['merged_by'], ['users.id'], name=op.f('fk_case_merges_merged_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_merges'))
    )
    op.create_index(op.f('ix_case_merges_master_id'), 'case_merges', ['master_id'], unique=False)
    # A delivery names its case: a closing master also tells the clients of its followers.
    op.add_column('webhook_deliveries', sa.Column('case_id', sa.BigInteger(), nullable=True))
    op.execute("UPDATE webhook_deliveries d SET case_id = e.case_id FROM case_events e "
               "WHERE e.id = d.case_event_id")
    op.alter_column('webhook_deliveries', 'case_id', nullable=False)
    op.drop_constraint(op.f('uq_webhook_deliveries_endpoint_id_case_event_id'), 'webhook_deliveries', type_='unique')
    op.create_unique_constraint('uq_webhook_deliveries_endpoint_event_case', 'webhook_deliveries', ['endpoint_id', 'case_event_id', 'case_id'])
    op.create_foreign_key(op.f('fk_webhook_deliveries_case_id_cases'), 'webhook_deliveries', 'cases', ['case_id'], ['id'], ondelete='CASCADE')
    op.execute(FAN_OUT_FUNCTION)


def downgrade() -> None:
    op.execute(PREVIOUS_FUNCTION)
    op.drop_constraint(op.f('fk_webhook_deliveries_case_id_cases'), 'webhook_deliveries', type_='foreignkey')
    op.drop_constraint('uq_webhook_deliveries_endpoint_event_case', 'webhook_deliveries', type_='unique')
    op.create_unique_constraint(op.f('uq_webhook_deliveries_endpoint_id_case_event_id'), 'webhook_deliveries', ['endpoint_id', 'case_event_id'])
    op.drop_column('webhook_deliveries', 'case_id')
    op.drop_index(op.f('ix_case_merges_master_id'), table_name='case_merges')
    op.drop_table('case_merges')
