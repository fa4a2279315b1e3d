"""Calendar tables: where appointments come from, what each source said, the merged
appointments a parent sees, and their history."""

import enum
from datetime import date, datetime, timedelta

from sqlalchemy import Boolean, Column, DateTime, Index, Text, UniqueConstraint, false
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from app.clock import utcnow
from app.localtime import local_date


class Agency(enum.StrEnum):
    midwifery = "midwifery"
    health_visiting = "health_visiting"
    gp = "gp"
    childrens_social_care = "childrens_social_care"
    child_protection_conference = "child_protection_conference"
    perinatal_mental_health = "perinatal_mental_health"
    substance_use = "substance_use"
    probation = "probation"
    housing = "housing"
    family_court = "family_court"
    cafcass = "cafcass"
    solicitor = "solicitor"
    voluntary_sector = "voluntary_sector"
    other = "other"


class SourceKind(enum.StrEnum):
    feed = "feed"
    upload = "upload"
    manual = "manual"
    agency_api = "agency_api"


class ChangeKind(enum.StrEnum):
    new = "new"
    moved = "moved"
    cancelled = "cancelled"
    changed = "changed"  # place, title or details
    restored = "restored"  # a cancelled appointment is back
    source_removed = "source_removed"  # the parent took a calendar away: never a cancellation


def _when(*, nullable: bool, index: bool = False):
    column = Column(DateTime(timezone=True), nullable=nullable, index=index)
    return Field(default=None, sa_column=column) if nullable else Field(sa_column=column)


class CalendarSource(SQLModel, table=True):
    __tablename__ = "calendar_source"

    id: int | None = Field(default=None, primary_key=True)
    parent_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    kind: SourceKind = Field(
        sa_column=Column(SAEnum(SourceKind, name="source_kind"), nullable=False)
    )
    agency: Agency = Field(sa_column=Column(SAEnum(Agency, name="agency"), nullable=False))
    label: str = Field(max_length=120)
    # Often carries a secret token: never logged, never shown in full to anyone but the parent.
    feed_url: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    etag: str | None = Field(default=None, max_length=300)
    last_modified: str | None = Field(default=None, max_length=100)
    last_success_at: datetime | None = _when(nullable=True)
    last_attempt_at: datetime | None = _when(nullable=True)
    last_error: str | None = Field(default=None, max_length=40)  # an error code, never a URL
    next_fetch_at: datetime | None = _when(nullable=True, index=True)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class SourceEvent(SQLModel, table=True):
    """One appointment as one source last told us (kept when a later fetch fails)."""

    __tablename__ = "source_event"
    __table_args__ = (UniqueConstraint("source_id", "uid", "recurrence_id"),)

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="calendar_source.id", index=True, ondelete="CASCADE")
    uid: str = Field(max_length=500)
    recurrence_id: str = Field(default="", max_length=40)
    start: datetime = _when(nullable=False)
    end: datetime = _when(nullable=False)
    all_day: bool = False
    summary: str = Field(default="", max_length=300)
    location: str = Field(default="", max_length=500)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    status: str = Field(default="CONFIRMED", max_length=20)
    sequence: int = 0
    attendees: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    what_to_bring: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # A typed-in appointment the parent (or a supporter) read in from a photo of a letter.
    from_letter: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, default=False,
                                        server_default=false())
    )


class Appointment(SQLModel, table=True):
    """One booking as the parent sees it, merged from every source that knows it."""

    __table_args__ = (
        UniqueConstraint("parent_id", "match_key"),
        Index("ix_appointment_parent_start", "parent_id", "start"),
    )

    id: int | None = Field(default=None, primary_key=True)
    parent_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    match_key: str = Field(max_length=600)
    agency: Agency = Field(sa_column=Column(SAEnum(Agency, name="agency"), nullable=False))
    start: datetime = _when(nullable=False)
    end: datetime = _when(nullable=False)
    all_day: bool = False
    summary: str = Field(default="", max_length=300)
    location: str = Field(default="", max_length=500)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    attendees: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    what_to_bring: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    cancelled: bool = False
    source_ids: str = Field(default="", max_length=200)  # "3,7": every source that has it
    first_seen_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    # When the parent last opened it: a change noticed after this is flagged in every view.
    seen_at: datetime | None = _when(nullable=True)

    @property
    def days(self) -> list[date]:
        """The dates (in TIMEZONE) it is on: an all-day one runs to the day before its end,
        as DTEND says in iCalendar; any other is on the day it starts."""
        first = local_date(self.start)
        if not self.all_day:
            return [first]
        last = max(local_date(self.end) - timedelta(days=1), first)
        return [first + timedelta(days=i) for i in range(min((last - first).days, 366) + 1)]

    @property
    def last_day(self) -> date | None:
        """The last date of an all-day appointment of more than one day, else None."""
        days = self.days
        return days[-1] if len(days) > 1 else None


class AppointmentChange(SQLModel, table=True):
    """What changed, when we noticed, and which source said so: the parent's evidence."""

    __tablename__ = "appointment_change"

    id: int | None = Field(default=None, primary_key=True)
    appointment_id: int = Field(foreign_key="appointment.id", index=True, ondelete="CASCADE")
    kind: ChangeKind = Field(
        sa_column=Column(SAEnum(ChangeKind, name="change_kind"), nullable=False)
    )
    before: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    after: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    source_id: int | None = Field(
        default=None, foreign_key="calendar_source.id", ondelete="SET NULL"
    )
    noticed_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    notified_at: datetime | None = _when(nullable=True)  # set by the notifications worker
    # Who said so, kept in words as it was then: the source may be removed later.
    by_parent: bool = False
    said_by: str = Field(default="", max_length=120)


class CalendarPreferences(SQLModel, table=True):
    __tablename__ = "calendar_preferences"

    parent_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    travel_minutes: int = 45
    feed_token_hash: str | None = Field(default=None, max_length=64)  # the private .ics address
