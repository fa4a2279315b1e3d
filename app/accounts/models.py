"""People, the organisations staff belong to, and how they prove who they are."""

import enum
from datetime import datetime

from sqlalchemy import Column, DateTime, Index, LargeBinary, false
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from app.clock import utcnow


def when_column(nullable: bool = False, index: bool = False) -> Column:
    return Column(DateTime(timezone=True), nullable=nullable, index=index)


class Role(enum.StrEnum):
    parent = "parent"
    supporter = "supporter"  # advocate or voluntary-sector worker
    agency_staff = "agency_staff"
    content_editor = "content_editor"
    admin = "admin"


STAFF_ROLES = (Role.supporter, Role.agency_staff, Role.content_editor, Role.admin)
# Roles a parent can link to their things with a code.
LINKABLE_ROLES = (Role.supporter, Role.agency_staff)


class OrganisationKind(enum.StrEnum):
    charity = "charity"
    local_authority = "local_authority"
    nhs_trust = "nhs_trust"
    probation_service = "probation_service"
    other = "other"


class Organisation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    kind: OrganisationKind = Field(
        sa_column=Column(SAEnum(OrganisationKind, name="organisation_kind"), nullable=False)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=when_column())


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # The sign-in name, case-folded so "Sam" and "sam" are one account.
    username: str = Field(max_length=80, unique=True, index=True)
    # The name as the person wrote it; any name they choose.
    display_name: str = Field(max_length=120)
    role: Role = Field(sa_column=Column(SAEnum(Role, name="user_role"), nullable=False))
    organisation_id: int | None = Field(
        default=None, foreign_key="organisation.id", ondelete="RESTRICT"
    )
    # May invite and suspend the staff of their organisation.
    organisation_admin: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    locale: str | None = Field(default=None, max_length=16)
    # Optional: many parents have neither, and recovery codes work without them.
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)
    # argon2id; empty for an account that has only passkeys.
    passphrase_hash: str | None = Field(default=None, max_length=255)
    # Random WebAuthn user handle, so authenticators never hold our row id or the name.
    webauthn_handle: bytes | None = Field(
        default=None, sa_column=Column(LargeBinary(64), nullable=True, unique=True, index=True)
    )
    suspended_at: datetime | None = Field(default=None, sa_column=when_column(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=when_column())


class UserSession(SQLModel, table=True):
    """A signed-in browser. The cookie holds a random token; only its hash is kept here."""

    __tablename__ = "user_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE", index=True)
    shared_device: bool = Field(default=False)
    # "Chrome on Android", so the person can tell their sessions apart.
    device: str = Field(default="", max_length=120)
    created_at: datetime = Field(default_factory=utcnow, sa_column=when_column())
    last_seen_at: datetime = Field(default_factory=utcnow, sa_column=when_column())
    expires_at: datetime = Field(sa_column=when_column(index=True))


class RecoveryCode(SQLModel, table=True):
    """One-time codes shown at sign-up that can reset the passphrase; kept hashed."""

    __tablename__ = "recovery_code"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE", index=True)
    code_hash: str = Field(max_length=64, unique=True)
    used_at: datetime | None = Field(default=None, sa_column=when_column(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=when_column())


class Passkey(SQLModel, table=True):
    """A WebAuthn credential registered by a person."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE", index=True)
    credential_id: bytes = Field(sa_column=Column(LargeBinary(1024), nullable=False, unique=True))
    public_key: bytes = Field(sa_column=Column(LargeBinary(2048), nullable=False))
    sign_count: int = Field(default=0)
    name: str = Field(default="", max_length=80)
    created_at: datetime = Field(default_factory=utcnow, sa_column=when_column())
    last_used_at: datetime | None = Field(default=None, sa_column=when_column(nullable=True))


class ChallengePurpose(enum.StrEnum):
    register = "register"
    authenticate = "authenticate"


class WebAuthnChallenge(SQLModel, table=True):
    """A passkey ceremony in progress; kept in the database so any app instance can finish it."""

    __tablename__ = "webauthn_challenge"

    id: int | None = Field(default=None, primary_key=True)
    challenge: bytes = Field(sa_column=Column(LargeBinary(64), nullable=False, unique=True))
    purpose: ChallengePurpose = Field(
        sa_column=Column(SAEnum(ChallengePurpose, name="challenge_purpose"), nullable=False)
    )
    user_id: int | None = Field(default=None, foreign_key="user.id", ondelete="CASCADE", index=True)
    expires_at: datetime = Field(sa_column=when_column())


class SignInFailure(SQLModel, table=True):
    """A wrong sign-in attempt, counted in a sliding window by account and by address.

    The key is an HMAC of the account name or the address, so neither is stored readable.
    """

    __tablename__ = "sign_in_failure"
    __table_args__ = (Index("ix_sign_in_failure_key_at", "key_hash", "attempted_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key_hash: str = Field(max_length=64)
    attempted_at: datetime = Field(default_factory=utcnow, sa_column=when_column())


class StaffInvitation(SQLModel, table=True):
    """An organisation admin's one-time invitation for a new staff account."""

    __tablename__ = "staff_invitation"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE", index=True)
    invited_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    role: Role = Field(sa_column=Column(SAEnum(Role, name="user_role"), nullable=False))
    code_hash: str = Field(max_length=64, unique=True)
    expires_at: datetime = Field(sa_column=when_column())
    used_at: datetime | None = Field(default=None, sa_column=when_column(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=when_column())
