"""webhook endpoints and deliveries

Revision ID: fcf406382e23
Revises: c3a9e15f7d21
Create Date: 2026-12-02 06:01:24.310523+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'fcf406382e23'
down_revision: str | None = 'c3a9e15f7d21'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


FAN_OUT_FUNCTION = """
CREATE FUNCTION case_events_webhook_fan_out() RETURNS trigger LANGUAGE plpgsql AS $$
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
    op.create_table('webhook_endpoints',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('client_id', sa.BigInteger(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('secret', sa.String(length=100), nullable=False),
    sa.Column('event_types', postgresql.ARRAY(sa.String(length=40)), nullable=False),
    sa.Column('area_id', sa.BigInteger(), nullable=True),
    sa.Column('area_path', sa.String(length=200), nullable=True),
    sa.Column('failing_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('disabled_reason', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_webhook_endpoints_area_id_areas'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['client_id'], ['integration_clients.id'], name=op.f('fk_webhook_endpoints_client_id_integration_clients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_endpoints'))
    )
    op.create_index(op.f('ix_webhook_endpoints_client_id'), 'webhook_endpoints', ['client_id'], unique=False)
    op.create_table('webhook_deliveries',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('endpoint_id', sa.BigInteger(), nullable=False),
    sa.Column('message_id', sa.String(length=40), nullable=False),
    sa.Column('case_event_id', sa.BigInteger(), nullable=False),
    sa.Column('event_type', sa.String(length=40), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('status', sa.Enum('pending', 'delivered', 'dead', name='delivery_status'), server_default='pending', nullable=False),
    sa.Column('attempts', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_status', sa.SmallInteger(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['case_event_id'], ['case_events.id'], name=op.f('fk_webhook_deliveries_case_event_id_case_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['endpoint_id'], ['webhook_endpoints.id'], name=op.f('fk_webhook_deliveries_endpoint_id_webhook_endpoints'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_deliveries')),
    sa.UniqueConstraint('endpoint_id', 'case_event_id', name='uq_webhook_deliveries_endpoint_id_case_event_id'),
    sa.UniqueConstraint('message_id', name=op.f('uq_webhook_deliveries_message_id'))
    )
    op.create_index('ix_webhook_deliveries_due', 'webhook_deliveries', ['next_attempt_at'], unique=False, postgresql_where=sa.text("status = 'pending'"))
    # Every step of every case, however it was written (the ORM or filing's plain SQL), asks
    # for a webhook fan-out in its own transaction, while any endpoint listens.
    op.execute(FAN_OUT_FUNCTION)
    op.execute("CREATE TRIGGER case_events_webhooks AFTER INSERT ON case_events "
               "FOR EACH ROW EXECUTE FUNCTION case_events_webhook_fan_out()")


def downgrade() -> None:
    op.execute("DROP TRIGGER case_events_webhooks ON case_events")
    op.execute("DROP FUNCTION case_events_webhook_fan_out()")
    op.drop_index('ix_webhook_deliveries_due', table_name='webhook_deliveries', postgresql_where=sa.text("status = 'pending'"))
    op.drop_table('webhook_deliveries')
    op.drop_index(op.f('ix_webhook_endpoints_client_id'), table_name='webhook_endpoints')
    op.drop_table('webhook_endpoints')
    sa.Enum(name='delivery_status').drop(op.get_bind())
