"""Notification tables: each device a parent allowed to notify, what they want to be told
and when, and the outbox of messages waiting to go."""

import enum
from datetime import datetime

from sqlalchemy import Column, DateTime, Index, Text, UniqueConstraint, false
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


def _when(nullable: bool) -> Column:
    return Column(DateTime(timezone=True), nullable=nullable)


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


class Channel(enum.StrEnum):
    """How one outbox row goes."""

    push = "push"
    text = "text"
    email = "email"


#: What a parent can choose for each kind of message. "push_then_text": a push first, and a
#: text only if no phone showed it within FALLBACK_*_MINUTES (never once it is too late).
WAY_CHOICES = ("push", "text", "email", "push_then_text")
WAY_LABELS = {
    "push": N_("A notification on my phone"),
    "text": N_("A text message"),
    "email": N_("An email"),
    "push_then_text": N_("A notification, then a text if my phone has not shown it"),
}


class NotificationPreferences(SQLModel, table=True):
    __tablename__ = "notification_preferences"

    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    reminders: str = Field(default=DEFAULT_REMINDERS, max_length=60)  # REMINDER_CHOICES, joined
    quiet_start: str | None = Field(default=None, max_length=5)  # "21:30", in TIMEZONE
    quiet_end: str | None = Field(default=None, max_length=5)
    # On by default: a lock screen can be seen by the wrong person.
    discreet: bool = True
    # How each kind of message goes: one of WAY_CHOICES.
    reminders_by: str = Field(
        default="push", max_length=20, sa_column_kwargs={"server_default": "push"}
    )
    changes_by: str = Field(
        default="push", max_length=20, sa_column_kwargs={"server_default": "push"}
    )
    shared_by: str = Field(
        default="push", max_length=20, sa_column_kwargs={"server_default": "push"}
    )


class AddressKind(enum.StrEnum):
    phone = "phone"
    email = "email"


class NotifyAddress(SQLModel, table=True):
    """A parent's mobile number or email address for texts or emails. Nothing but its
    confirmation code is sent to it until the parent types that code back."""

    __tablename__ = "notify_address"
    __table_args__ = (UniqueConstraint("user_id", "kind", name="uq_notify_address_user_kind"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    kind: AddressKind = Field(
        sa_column=Column(SAEnum(AddressKind, name="address_kind"), nullable=False)
    )
    value: str = Field(max_length=254)  # +447700900982, or the email address
    code_hash: str | None = Field(default=None, max_length=64)  # SHA-256 of the code
    code_expires_at: datetime | None = Field(default=None, sa_column=_when(True))
    wrong_codes: int = 0  # wrong tries at the current code; at MAX_WRONG_CODES it is void
    codes_sent: int = 0  # codes sent in the current hour (codes_window_at)
    codes_window_at: datetime | None = Field(default=None, sa_column=_when(True))
    confirmed_at: datetime | None = Field(default=None, sa_column=_when(True))
    # A permanent failure (a number that does not exist, a mailbox gone): this channel
    # stops until the parent changes the address; the page tells them.
    failed_at: datetime | None = Field(default=None, sa_column=_when(True))
    failure: str | None = Field(default=None, max_length=60)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when(False))


class TextSent(SQLModel, table=True):
    """One text sent (a message or a code), counted for the per-parent daily cap and the
    site's monthly budget. No content, no number."""

    __tablename__ = "text_sent"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True, ondelete="CASCADE")
    sent_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))


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
    channel: Channel = Field(
        default=Channel.push,
        sa_column=Column(
            SAEnum(Channel, name="outbox_channel"), nullable=False, server_default="push"
        ),
    )
    # Push rows: a random id the service worker sends back when it has shown the message.
    ack: str | None = Field(default=None, max_length=32, unique=True, index=True)
    shown_at: datetime | None = Field(default=None, sa_column=_when(True))
    # Text and email rows: Notify's id for the message, and the last status it reported.
    provider_ref: str | None = Field(default=None, max_length=64, index=True)
    delivery_status: str | None = Field(default=None, max_length=40)
