"""A parent's birth plan, every change to it, supporters' suggestions, and the read-only
links shared with professionals."""

import enum
from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from app.accounts.models import when_column
from app.clock import utcnow


class ChangeStatus(enum.StrEnum):
    """A saved version, or a supporter's suggestion and what the parent did with it."""

    saved = "saved"  # the parent's own change, in the plan at once
    pending = "pending"  # a supporter's suggestion waiting for the parent
    accepted = "accepted"  # a suggestion the parent took into the plan
    rejected = "rejected"  # a suggestion the parent said no to


class BirthPlan(SQLModel, table=True):
    """One plan per parent; its words are in sections, its story in changes."""

    __tablename__ = "birth_plan"

    id: int | None = Field(default=None, primary_key=True)
    parent_id: int = Field(foreign_key="user.id", ondelete="CASCADE", unique=True)
    # The parent's own decision that professionals may read it.
    ready_at: datetime | None = Field(default=None, sa_column=when_column(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=when_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=when_column())


class BirthPlanSection(SQLModel, table=True):
    """What a section says now: a JSON object of its fields (`text`, and for the
    safeguarding section `agreed_by` and `agreed_on`)."""

    __tablename__ = "birth_plan_section"
    __table_args__ = (UniqueConstraint("plan_id", "section"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="birth_plan.id", ondelete="CASCADE", index=True)
    section: str = Field(max_length=40)
    content: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=when_column())


class BirthPlanChange(SQLModel, table=True):
    """One version of one section (before and after, as JSON), or a suggestion for one.

    The author's name is copied so the parent's history still reads if that account goes.
    """

    __tablename__ = "birth_plan_change"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="birth_plan.id", ondelete="CASCADE", index=True)
    section: str = Field(max_length=40)
    status: ChangeStatus = Field(
        sa_column=Column(SAEnum(ChangeStatus, name="birth_plan_change_status"), nullable=False)
    )
    author_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    author_name: str = Field(max_length=120)
    before: str = Field(sa_column=Column(Text, nullable=False))
    after: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=when_column(index=True))
    decided_at: datetime | None = Field(default=None, sa_column=when_column(nullable=True))


class BirthPlanShare(SQLModel, table=True):
    """A read-only link for a professional. Only the token's SHA-256 is kept."""

    __tablename__ = "birth_plan_share"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="birth_plan.id", ondelete="CASCADE", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    # Who the parent made it for, in their words ("my midwife").
    label: str = Field(max_length=120)
    created_at: datetime = Field(default_factory=utcnow, sa_column=when_column())
    revoked_at: datetime | None = Field(default=None, sa_column=when_column(nullable=True))


class BirthPlanShareOpen(SQLModel, table=True):
    """One opening of a shared link, shown to the parent."""

    __tablename__ = "birth_plan_share_open"

    id: int | None = Field(default=None, primary_key=True)
    share_id: int = Field(foreign_key="birth_plan_share.id", ondelete="CASCADE", index=True)
    opened_at: datetime = Field(default_factory=utcnow, sa_column=when_column())
