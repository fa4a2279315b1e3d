"""People and the organisations staff belong to. Sign-in and consent build on these."""

import enum
from datetime import UTC, datetime

from sqlalchemy import Column, DateTime
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class Role(enum.StrEnum):
    parent = "parent"
    supporter = "supporter"  # advocate or voluntary-sector worker
    agency_staff = "agency_staff"
    content_editor = "content_editor"
    admin = "admin"


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
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # Any name the person chooses; the least data we can ask for.
    username: str = Field(max_length=80, unique=True, index=True)
    display_name: str = Field(max_length=120)
    role: Role = Field(sa_column=Column(SAEnum(Role, name="user_role"), nullable=False))
    organisation_id: int | None = Field(
        default=None, foreign_key="organisation.id", ondelete="RESTRICT"
    )
    locale: str | None = Field(default=None, max_length=16)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
