"""push channels and phones: a device's provider and phone, a delivery's phone

Revision ID: 451e73c9db93
Revises: aab70d302c3d
Create Date: 2026-12-02 06:15:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '451e73c9db93'
down_revision: str | None = 'aab70d302c3d'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('devices', sa.Column('provider', sa.String(length=20), server_default='fcm', nullable=False))
    op.add_column('devices', sa.Column('phone_id', sa.String(length=64), nullable=True))
    op.add_column('push_deliveries', sa.Column('provider', sa.String(length=20), server_default='fcm', nullable=False))
    op.add_column('push_deliveries', sa.Column('phone_key', sa.String(length=80), nullable=True))
    # Every token registered so far was its own phone.
    op.execute("UPDATE push_deliveries SET phone_key = 'device:' || device_id")
    op.alter_column('push_deliveries', 'phone_key', nullable=False)
    op.create_index('uq_push_deliveries_one_per_phone', 'push_deliveries', ['notification_id', 'phone_key'], unique=True, postgresql_where=sa.text("status IN ('sending', 'sent')"))
    op.create_index('ix_push_deliveries_created_at', 'push_deliveries', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_push_deliveries_created_at', table_name='push_deliveries')
    op.drop_index('uq_push_deliveries_one_per_phone', table_name='push_deliveries', postgresql_where=sa.text("status IN ('sending', 'sent')"))
    op.drop_column('push_deliveries', 'phone_key')
    op.drop_column('push_deliveries', 'provider')
    op.drop_column('devices', 'phone_id')
    op.drop_column('devices', 'provider')
