"""Calendar sources, what each said, merged appointments and their history

Revision ID: 8a3960272e23
Revises: 000a1d08bff7
Create Date: 2026-11-23 01:06:49.236840

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

# revision identifiers, used by Alembic.
revision: str = '8a3960272e23'
down_revision: str | Sequence[str] | None = '000a1d08bff7'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('appointment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=False),
    sa.Column('match_key', sqlmodel.sql.sqltypes.AutoString(length=600), nullable=False),
    sa.Column('agency', sa.Enum('midwifery', 'health_visiting', 'gp', 'childrens_social_care', 'child_protection_conference', 'perinatal_mental_health', 'substance_use', 'probation', 'housing', 'family_court', 'cafcass', 'solicitor', 'voluntary_sector', 'other', name='agency'), nullable=False),
    sa.Column('start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('all_day', sa.Boolean(), nullable=False),
    sa.Column('summary', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('location', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('attendees', sa.Text(), nullable=False),
    sa.Column('what_to_bring', sa.Text(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('cancelled', sa.Boolean(), nullable=False),
    sa.Column('source_ids', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('parent_id', 'match_key')
    )
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.create_index('ix_appointment_parent_start', ['parent_id', 'start'], unique=False)

    op.create_table('calendar_preferences',
    sa.Column('parent_id', sa.Integer(), nullable=False),
    sa.Column('travel_minutes', sa.Integer(), nullable=False),
    sa.Column('feed_token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.ForeignKeyConstraint(['parent_id'], ['user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('parent_id')
    )
    op.create_table('calendar_source',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('feed', 'upload', 'manual', 'agency_api', name='source_kind'), nullable=False),
    sa.Column('agency', sa.Enum('midwifery', 'health_visiting', 'gp', 'childrens_social_care', 'child_protection_conference', 'perinatal_mental_health', 'substance_use', 'probation', 'housing', 'family_court', 'cafcass', 'solicitor', 'voluntary_sector', 'other', name='agency'), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('feed_url', sa.Text(), nullable=True),
    sa.Column('etag', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('last_modified', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('last_success_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('next_fetch_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('calendar_source', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_source_next_fetch_at'), ['next_fetch_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_calendar_source_parent_id'), ['parent_id'], unique=False)

    op.create_table('appointment_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appointment_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('new', 'moved', 'cancelled', 'changed', 'restored', name='change_kind'), nullable=False),
    sa.Column('before', sa.Text(), nullable=False),
    sa.Column('after', sa.Text(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('noticed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointment.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_id'], ['calendar_source.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('appointment_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appointment_change_appointment_id'), ['appointment_id'], unique=False)

    op.create_table('source_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('uid', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('recurrence_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('all_day', sa.Boolean(), nullable=False),
    sa.Column('summary', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('location', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('attendees', sa.Text(), nullable=False),
    sa.Column('what_to_bring', sa.Text(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['source_id'], ['calendar_source.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source_id', 'uid', 'recurrence_id')
    )
    with op.batch_alter_table('source_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_source_event_source_id'), ['source_id'], unique=False)



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('source_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_source_event_source_id'))

    op.drop_table('source_event')
    with op.batch_alter_table('appointment_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appointment_change_appointment_id'))

    op.drop_table('appointment_change')
    with op.batch_alter_table('calendar_source', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_source_parent_id'))
        batch_op.drop_index(batch_op.f('ix_calendar_source_next_fetch_at'))

    op.drop_table('calendar_source')
    op.drop_table('calendar_preferences')
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.drop_index('ix_appointment_parent_start')

    op.drop_table('appointment')
    # PostgreSQL keeps enum types after their tables go.
    for name in ("change_kind", "source_kind", "agency"):
        sa.Enum(name=name).drop(op.get_bind(), checkfirst=True)
