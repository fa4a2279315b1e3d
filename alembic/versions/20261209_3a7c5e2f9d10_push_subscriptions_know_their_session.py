"""push subscriptions know the session that turned them on, and whether to outlive it

Revision ID: 3a7c5e2f9d10
Revises: 3b8c1d5e7f20
Create Date: 2026-12-09 09:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = '3a7c5e2f9d10'
down_revision: str | Sequence[str] | None = '3b8c1d5e7f20'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('push_subscription', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('session_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                'keep_after_sign_out', sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
        batch_op.create_index(
            batch_op.f('ix_push_subscription_session_hash'), ['session_hash'], unique=False
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('push_subscription', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_push_subscription_session_hash'))
        batch_op.drop_column('keep_after_sign_out')
        batch_op.drop_column('session_hash')
