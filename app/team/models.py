"""The professionals working with a parent: "my team" beside the people they have linked."""

from datetime import datetime

from sqlalchemy import Column
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from app.accounts.models import when_column
from app.calendar.models import Agency
from app.clock import utcnow


class TeamMember(SQLModel, table=True):
    """A professional working with the parent, added by the parent or a supporter."""

    __tablename__ = "team_member"

    id: int | None = Field(default=None, primary_key=True)
    parent_id: int = Field(foreign_key="user.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=120)
    job: str = Field(default="", max_length=120)  # their role, e.g. "safeguarding midwife"
    agency: Agency = Field(
        sa_column=Column(
            SAEnum(
                Agency,
                name="agency",
            ),
            nullable=False,
        )
    )
    phone: str = Field(default="", max_length=32)
    email: str = Field(default="", max_length=254)
    working_hours: str = Field(default="", max_length=200)
    # "Who do I ask about what", in plain words.
    ask_about: str = Field(default="", max_length=300)
    key_worker: bool = Field(default=False)
    added_by_name: str = Field(max_length=120)
    created_at: datetime = Field(default_factory=utcnow, sa_column=when_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=when_column())
