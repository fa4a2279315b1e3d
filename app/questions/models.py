"""Questions a parent wants to ask, kept with their account once they have one."""

from datetime import datetime

from sqlalchemy import Column, DateTime, Text
from sqlmodel import Field, SQLModel

from app.clock import utcnow


class Question(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    parent_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    text: str = Field(sa_column=Column(Text, nullable=False))
    about: str = Field(default="", max_length=300)  # e.g. the pathway step it came from
    done: bool = False
    appointment_id: int | None = Field(
        default=None, foreign_key="appointment.id", ondelete="SET NULL"
    )
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    client_key: str | None = Field(default=None, max_length=64)  # a device's key: no duplicates
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
