"""integration clients api keys client cases

Revision ID: aab70d302c3d
Revises: 5b2e8c1d9a47
Create Date: 2026-12-02 05:49:28.985481+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'aab70d302c3d'
down_revision: str | None = '5b2e8c1d9a47'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('integration_clients',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('channel', sa.Enum('hotline', 'mini_program', 'open311_app', 'department', name='client_channel'), nullable=False),
    sa.Column('operations', postgresql.ARRAY(sa.String(length=40)), nullable=False),
    sa.Column('rate_limit', sa.String(length=80), nullable=False),
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('owner_id', sa.BigInteger(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['users.id'], name=op.f('fk_integration_clients_account_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_integration_clients_owner_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_integration_clients')),
    sa.UniqueConstraint('account_id', name=op.f('uq_integration_clients_account_id')),
    sa.UniqueConstraint('name', name=op.f('uq_integration_clients_name'))
    )
    op.create_table('api_keys',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('client_id', sa.BigInteger(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['integration_clients.id'], name=op.f('fk_api_keys_client_id_integration_clients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_keys_key_hash'))
    )
    op.create_index(op.f('ix_api_keys_client_id'), 'api_keys', ['client_id'], unique=False)
    op.create_table('client_cases',
    sa.Column('case_id', sa.BigInteger(), nullable=False),
    sa.Column('client_id', sa.BigInteger(), nullable=False),
    sa.Column('external_number', sa.String(length=64), nullable=True),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('details', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_client_cases_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['integration_clients.id'], name=op.f('fk_client_cases_client_id_integration_clients'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_client_cases')),
    sa.UniqueConstraint('client_id', 'external_number', name='uq_client_cases_client_id_external_number'),
    sa.UniqueConstraint('token', name=op.f('uq_client_cases_token'))
    )


def downgrade() -> None:
    op.drop_table('client_cases')
    op.drop_index(op.f('ix_api_keys_client_id'), table_name='api_keys')
    op.drop_table('api_keys')
    op.drop_table('integration_clients')
    sa.Enum(name='client_channel').drop(op.get_bind())
