"""What a parent lets each supporter do, and the record of every look at their things."""

import enum
from datetime import datetime

from sqlmodel import Field, SQLModel

from app.accounts.models import when_column
from app.clock import utcnow


class Permission(enum.StrEnum):
    """What a parent can let a linked supporter or staff member do."""

    see_appointments = "see_appointments"
    edit_appointments = "edit_appointments"
    see_pathway = "see_pathway"
    birth_plan = "birth_plan"


class Level(enum.StrEnum):
    """What the gate needs beyond the link permissions."""

    owner = "owner"  # the parent alone
    linked = "linked"  # the parent, or anyone with a live link to them


class SupporterLink(SQLModel, table=True):
    """A parent's consent for one supporter: pending (code not yet used), live or revoked."""

    __tablename__ = "supporter_link"

    id: int | None = Field(default=None, primary_key=True)
    # What the supporter puts in addresses (`?parent=…`): random, never the parent's id.
    public_id: str = Field(max_length=24, unique=True, index=True)
    parent_id: int = Field(foreign_key="user.id", ondelete="CASCADE", index=True)
    supporter_id: int | None = Field(
        default=None, foreign_key="user.id", ondelete="CASCADE", index=True
    )
    code_hash: str | None = Field(default=None, max_length=64, unique=True)
    code_expires_at: datetime | None = Field(default=None, sa_column=when_column(nullable=True))
    see_appointments: bool = Field(default=False)
    edit_appointments: bool = Field(default=False)
    see_pathway: bool = Field(default=False)
    birth_plan: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_column=when_column())
    accepted_at: datetime | None = Field(default=None, sa_column=when_column(nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=when_column(nullable=True))

    def allows(self, permission: Permission) -> bool:
        return bool(getattr(self, permission.value))

    @property
    def permissions(self) -> list[Permission]:
        return [permission for permission in Permission if self.allows(permission)]

    @property
    def live(self) -> bool:
        return self.supporter_id is not None and self.revoked_at is None


class AccessRecord(SQLModel, table=True):
    """One visit by a supporter or staff member to one of a parent's pages, written by the
    gate: the same person on the same page in the same clock hour is one row, counted.

    The actor's name is copied so the parent's record still reads if that account goes.
    """

    __tablename__ = "access_record"

    id: int | None = Field(default=None, primary_key=True)
    parent_id: int = Field(foreign_key="user.id", ondelete="CASCADE", index=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    actor_name: str = Field(max_length=120)
    organisation_name: str | None = Field(default=None, max_length=200)
    permission: str = Field(max_length=40)
    method: str = Field(max_length=8)
    path: str = Field(max_length=300)
    # The first load of the visit; `times` loads in all, the last at `last_at`.
    at: datetime = Field(default_factory=utcnow, sa_column=when_column(index=True))
    times: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    last_at: datetime | None = Field(default=None, sa_column=when_column(nullable=True))
