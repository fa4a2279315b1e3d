"""Where a parent is in the process: each mark is kept, the newest is where they are."""

from datetime import date, datetime

from sqlalchemy import Column, Date
from sqlmodel import Field, SQLModel

from app.accounts.models import when_column
from app.clock import utcnow


class PathwayPosition(SQLModel, table=True):
    """One mark of the step a parent is at, by the parent or a supporter they allow.

    The author's name is copied so the history still reads if that account goes.
    """

    __tablename__ = "pathway_position"

    id: int | None = Field(default=None, primary_key=True)
    parent_id: int = Field(foreign_key="user.id", ondelete="CASCADE", index=True)
    step: str = Field(max_length=80)
    happened_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    nation: str = Field(default="england", max_length=10)
    area: str | None = Field(default=None, max_length=80)
    set_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    set_by_name: str = Field(max_length=120)
    at: datetime = Field(default_factory=utcnow, sa_column=when_column())
