"""where a parent is in the process: each mark of a step, newest is current

Revision ID: 7d2e4f1a9b3c
Revises: 5c1e7a9d2b40
Create Date: 2026-12-08 09:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = '7d2e4f1a9b3c'
down_revision: str | Sequence[str] | None = '5c1e7a9d2b40'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        'pathway_position',
        sa.Column('happened_on', sa.Date(), nullable=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('parent_id', sa.Integer(), nullable=False),
        sa.Column('step', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column('nation', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('area', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column('set_by_id', sa.Integer(), nullable=True),
        sa.Column('set_by_name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.ForeignKeyConstraint(['parent_id'], ['user.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['set_by_id'], ['user.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('pathway_position', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_pathway_position_parent_id'), ['parent_id'], unique=False
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('pathway_position', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pathway_position_parent_id'))
    op.drop_table('pathway_position')
