"""who has looked: one row per person, page and hour, with a count of loads

Revision ID: 3b8c1d5e7f20
Revises: 7d2e4f1a9b3c
Create Date: 2026-12-09 09:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = '3b8c1d5e7f20'
down_revision: str | Sequence[str] | None = '7d2e4f1a9b3c'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema: rows written before are visits of one load each."""
    with op.batch_alter_table('access_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('times', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('last_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('access_record', schema=None) as batch_op:
        batch_op.drop_column('last_at')
        batch_op.drop_column('times')
