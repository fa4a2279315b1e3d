"""typed-in appointments read from a letter say so

Revision ID: 3b8c6d1e5f27
Revises: 8703c88b9f7e
Create Date: 2026-12-09 09:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = '3b8c6d1e5f27'
down_revision: str | Sequence[str] | None = '8703c88b9f7e'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column(
        'source_event',
        sa.Column('from_letter', sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('source_event') as batch:
        batch.drop_column('from_letter')
