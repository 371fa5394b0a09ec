"""devices, push deliveries, outbox retry time

Revision ID: 74db12b48630
Revises: d757ee59ad6d
Create Date: 2026-11-25 19:55:33.985855+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '74db12b48630'
down_revision: str | None = 'd757ee59ad6d'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('devices',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('token', sa.String(length=4096), nullable=False),
    sa.Column('kind', sa.String(length=10), server_default='token', nullable=False),
    sa.Column('platform', sa.String(length=10), nullable=False),
    sa.Column('locale', sa.String(length=10), server_default='zh-CN', nullable=False),
    sa.Column('app_version', sa.String(length=30), nullable=True),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_devices_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_devices')),
    sa.UniqueConstraint('token', name=op.f('uq_devices_token'))
    )
    op.create_index(op.f('ix_devices_user_id'), 'devices', ['user_id'], unique=False)
    op.create_table('push_deliveries',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('notification_id', sa.BigInteger(), nullable=False),
    sa.Column('device_id', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('message_id', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_push_deliveries_device_id_devices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'], name=op.f('fk_push_deliveries_notification_id_notifications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_push_deliveries')),
    sa.UniqueConstraint('notification_id', 'device_id', name=op.f('uq_push_deliveries_notification_id'))
    )
    op.add_column('outbox_messages', sa.Column('available_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('outbox_messages', 'available_at')
    op.drop_table('push_deliveries')
    op.drop_index(op.f('ix_devices_user_id'), table_name='devices')
    op.drop_table('devices')
