"""Notification tables: each device a parent allowed to notify, what they want to be told
and when, and the outbox of messages waiting to go."""

import enum
from datetime import datetime

from sqlalchemy import Column, DateTime, Index, Text, false
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from app.clock import utcnow
from app.forms import N_

#: The reminder times a parent can choose: the evening before (at 19:00), or so many
#: minutes before the start. The defaults are the evening before and two hours before.
REMINDER_CHOICES = ("evening", "1440", "120", "60", "30")
DEFAULT_REMINDERS = "evening,120"
# Each reminder choice as a parent reads it; translated where it is shown.
REMINDER_LABELS = {
    "evening": N_("The evening before, at 7pm"),
    "1440": N_("A day before"),
    "120": N_("2 hours before"),
    "60": N_("1 hour before"),
    "30": N_("30 minutes before"),
}


class PushSubscription(SQLModel, table=True):
    """One browser on one device that said yes to notifications (the Push API's answer)."""

    __tablename__ = "push_subscription"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    # The push service's address for this browser: a capability, never shown or logged.
    endpoint: str = Field(sa_column=Column(Text, nullable=False, unique=True))
    p256dh: str = Field(max_length=200)
    auth: str = Field(max_length=100)
    device: str = Field(default="", max_length=120)  # "Chrome on Android", to tell them apart
    # The signed-in session that turned it on (its token's hash, as in user_session): signing
    # out of that session forgets this device, unless the parent ticked "keep reminders on
    # this phone" (a shared phone then stops getting their reminders).
    session_hash: str | None = Field(default=None, max_length=64, index=True)
    keep_after_sign_out: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    last_success_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class NotificationPreferences(SQLModel, table=True):
    __tablename__ = "notification_preferences"

    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    reminders: str = Field(default=DEFAULT_REMINDERS, max_length=60)  # REMINDER_CHOICES, joined
    quiet_start: str | None = Field(default=None, max_length=5)  # "21:30", in TIMEZONE
    quiet_end: str | None = Field(default=None, max_length=5)
    # On by default: a lock screen can be seen by the wrong person.
    discreet: bool = True


class OutboxKind(enum.StrEnum):
    reminder = "reminder"
    changes = "changes"
    shared = "shared"


class OutboxStatus(enum.StrEnum):
    pending = "pending"
    sent = "sent"
    cancelled = "cancelled"  # re-planned, the appointment went, or no device to send to
    failed = "failed"  # given up after retries, or refused by the push service


class OutboxMessage(SQLModel, table=True):
    """One notification for one person, written in the same transaction as its cause.

    `key` is unique: the same reminder (appointment, reminder time, start time) or the same
    group of changes can never be queued twice. The words are made when it is sent, in the
    person's language and with their discreet setting as it is then.
    """

    __tablename__ = "notification_outbox"
    __table_args__ = (Index("ix_notification_outbox_due", "status", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    kind: OutboxKind = Field(
        sa_column=Column(SAEnum(OutboxKind, name="outbox_kind"), nullable=False)
    )
    appointment_id: int | None = Field(
        default=None, foreign_key="appointment.id", index=True, ondelete="CASCADE"
    )
    data: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    status: OutboxStatus = Field(
        default=OutboxStatus.pending,
        sa_column=Column(SAEnum(OutboxStatus, name="outbox_status"), nullable=False),
    )
    due_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    expires_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=60)
    # Subscriptions this message is finished with ("3,7": reached, or refused for good),
    # so a retry goes only to the others.
    finished_for: str = Field(default="", max_length=400)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    sent_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
