"""appointments say who changed them, and whether the parent has seen the change

A change records who said so (`by_parent`, or `said_by`: the calendar's name as it was,
since a calendar can be removed later); an appointment records when the parent last
opened it (`seen_at`), so a change noticed since is flagged in every view. Removing a
calendar is its own kind of change (`source_removed`), never a cancellation.

Revision ID: 5c1e7a9d2b40
Revises: 1f694fbb84a3
Create Date: 2026-12-07 03:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = '5c1e7a9d2b40'
down_revision: str | Sequence[str] | None = '1f694fbb84a3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = ('new', 'moved', 'cancelled', 'changed', 'restored')
NEW_KINDS = (*OLD_KINDS, 'source_removed')


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seen_at', sa.DateTime(timezone=True), nullable=True))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("ALTER TYPE change_kind ADD VALUE IF NOT EXISTS 'source_removed'")
    with op.batch_alter_table('appointment_change', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('by_parent', sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column('said_by', sa.String(length=120), nullable=False, server_default='')
        )
        if op.get_bind().dialect.name != 'postgresql':
            batch_op.alter_column(
                'kind',
                existing_type=sa.Enum(*OLD_KINDS, name='change_kind'),
                type_=sa.Enum(*NEW_KINDS, name='change_kind'),
                existing_nullable=False,
            )


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DELETE FROM appointment_change WHERE kind = 'source_removed'")
    with op.batch_alter_table('appointment_change', schema=None) as batch_op:
        batch_op.drop_column('said_by')
        batch_op.drop_column('by_parent')
        if op.get_bind().dialect.name != 'postgresql':
            batch_op.alter_column(
                'kind',
                existing_type=sa.Enum(*NEW_KINDS, name='change_kind'),
                type_=sa.Enum(*OLD_KINDS, name='change_kind'),
                existing_nullable=False,
            )
    # PostgreSQL cannot drop one value from an enum; the unused value is harmless.
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.drop_column('seen_at')
