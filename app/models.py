"""Every table model, imported in one place so Alembic and the tests see the whole schema."""

from sqlmodel import SQLModel

from app.accounts.models import (
    Organisation,
    Passkey,
    RecoveryCode,
    SignInFailure,
    StaffInvitation,
    User,
    UserSession,
    WebAuthnChallenge,
)
from app.agency.models import ApiToken
from app.calendar.models import (
    Appointment,
    AppointmentChange,
    CalendarPreferences,
    CalendarSource,
    SourceEvent,
)
from app.consent.models import AccessRecord, SupporterLink
from app.notify.models import NotificationPreferences, OutboxMessage, PushSubscription
from app.questions.models import Question

metadata = SQLModel.metadata

__all__ = [
    "AccessRecord",
    "ApiToken",
    "Appointment",
    "AppointmentChange",
    "CalendarPreferences",
    "CalendarSource",
    "SourceEvent",
    "NotificationPreferences",
    "Organisation",
    "OutboxMessage",
    "Passkey",
    "PushSubscription",
    "Question",
    "RecoveryCode",
    "SignInFailure",
    "StaffInvitation",
    "SupporterLink",
    "User",
    "UserSession",
    "WebAuthnChallenge",
    "metadata",
]
