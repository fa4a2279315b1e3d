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
from app.birth_plan.models import (
    BirthPlan,
    BirthPlanChange,
    BirthPlanSection,
    BirthPlanShare,
    BirthPlanShareOpen,
)
from app.calendar.models import (
    Appointment,
    AppointmentChange,
    CalendarPreferences,
    CalendarSource,
    SourceEvent,
)
from app.consent.models import AccessRecord, SupporterLink
from app.notify.models import (
    NotificationPreferences,
    NotifyAddress,
    OutboxMessage,
    PushSubscription,
    TextSent,
)
from app.position.models import PathwayPosition
from app.questions.models import Question
from app.resources.models import (
    LocalResource,
    PackDelivery,
    SavedResource,
    SharePack,
    SharePackItem,
)
from app.team.models import TeamMember

metadata = SQLModel.metadata

__all__ = [
    "AccessRecord",
    "ApiToken",
    "Appointment",
    "BirthPlan",
    "BirthPlanChange",
    "BirthPlanSection",
    "BirthPlanShare",
    "BirthPlanShareOpen",
    "AppointmentChange",
    "CalendarPreferences",
    "CalendarSource",
    "SourceEvent",
    "NotificationPreferences",
    "Organisation",
    "OutboxMessage",
    "Passkey",
    "PathwayPosition",
    "PushSubscription",
    "NotifyAddress",
    "TextSent",
    "LocalResource",
    "PackDelivery",
    "Question",
    "SavedResource",
    "SharePack",
    "SharePackItem",
    "RecoveryCode",
    "SignInFailure",
    "StaffInvitation",
    "SupporterLink",
    "TeamMember",
    "User",
    "UserSession",
    "WebAuthnChallenge",
    "metadata",
]
