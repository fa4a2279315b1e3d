"""texts and emails: addresses, per-kind ways, outbox channels, acknowledgements, delivery statuses

Revision ID: 8703c88b9f7e
Revises: 3a7c5e2f9d10
Create Date: 2026-12-09 10:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = '8703c88b9f7e'
down_revision: str | Sequence[str] | None = '3a7c5e2f9d10'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('notify_address',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('phone', 'email', name='address_kind'), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('code_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('wrong_codes', sa.Integer(), nullable=False),
    sa.Column('codes_sent', sa.Integer(), nullable=False),
    sa.Column('codes_window_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failure', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'kind', name='uq_notify_address_user_kind')
    )
    with op.batch_alter_table('notify_address', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notify_address_user_id'), ['user_id'], unique=False)

    op.create_table('text_sent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('text_sent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_text_sent_sent_at'), ['sent_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_text_sent_user_id'), ['user_id'], unique=False)

    sa.Enum('push', 'text', 'email', name='outbox_channel').create(op.get_bind(), checkfirst=True)
    with op.batch_alter_table('notification_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.Enum('push', 'text', 'email', name='outbox_channel'), server_default='push', nullable=False))
        batch_op.add_column(sa.Column('ack', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column('shown_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('provider_ref', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('delivery_status', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
        batch_op.create_index(batch_op.f('ix_notification_outbox_provider_ref'), ['provider_ref'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_outbox_ack'), ['ack'], unique=True)

    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminders_by', sqlmodel.sql.sqltypes.AutoString(length=20), server_default='push', nullable=False))
        batch_op.add_column(sa.Column('changes_by', sqlmodel.sql.sqltypes.AutoString(length=20), server_default='push', nullable=False))
        batch_op.add_column(sa.Column('shared_by', sqlmodel.sql.sqltypes.AutoString(length=20), server_default='push', nullable=False))



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.drop_column('shared_by')
        batch_op.drop_column('changes_by')
        batch_op.drop_column('reminders_by')

    with op.batch_alter_table('notification_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_outbox_ack'))
        batch_op.drop_index(batch_op.f('ix_notification_outbox_provider_ref'))
        batch_op.drop_column('delivery_status')
        batch_op.drop_column('provider_ref')
        batch_op.drop_column('shown_at')
        batch_op.drop_column('ack')
        batch_op.drop_column('channel')

    with op.batch_alter_table('text_sent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_text_sent_user_id'))
        batch_op.drop_index(batch_op.f('ix_text_sent_sent_at'))

    op.drop_table('text_sent')
    with op.batch_alter_table('notify_address', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notify_address_user_id'))

    op.drop_table('notify_address')
    for name in ('outbox_channel', 'address_kind'):
        sa.Enum(name=name).drop(op.get_bind(), checkfirst=True)
