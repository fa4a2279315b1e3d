"""Local services workers add, share packs, and what parents keep or are sent.

National services are content (app/content/resources/national.yaml), held in memory; a
local service is a row here. Both are named by a `ref`: a national service by its slug,
a local one by `local-<id>` (see `directory.local_ref`), so packs and saved lists hold
either kind in one column.
"""

from datetime import date, datetime

from sqlalchemy import Column, Date, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.accounts.models import when_column
from app.clock import utcnow


class LocalResource(SQLModel, table=True):
    """A service for one area, added by a worker for their organisation."""

    __tablename__ = "local_resource"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE", index=True)
    # Only the author edits; the name is copied so the record reads if the account goes.
    author_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    author_name: str = Field(max_length=120)
    name: str = Field(max_length=120)
    summary: str = Field(max_length=600)
    topics: str = Field(max_length=300)  # topic keys, comma-separated
    languages: str = Field(default="en", max_length=200)  # ISO 639-1 codes, comma-separated
    # Postcode areas or districts ("CF", "CF10") and council names, comma-separated.
    areas: str = Field(max_length=400)
    phone: str = Field(default="", max_length=32)
    website: str = Field(default="", max_length=300)
    email: str = Field(default="", max_length=254)
    hours: str = Field(default="", max_length=200)
    free: bool | None = Field(default=None)
    checked_on: date = Field(sa_column=Column(Date, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=when_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=when_column())
    withdrawn_at: datetime | None = Field(default=None, sa_column=when_column(nullable=True))
    withdrawn_by_name: str | None = Field(default=None, max_length=120)


class SharePack(SQLModel, table=True):
    """Resources a worker picked for someone, with a note, behind a short link."""

    __tablename__ = "share_pack"

    id: int | None = Field(default=None, primary_key=True)
    # The short link's code: random, never a count, so packs cannot be walked.
    code: str = Field(max_length=16, unique=True, index=True)
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE", index=True)
    author_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    author_name: str = Field(max_length=120)
    organisation_name: str = Field(max_length=200)
    title: str = Field(max_length=120)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # The language the note is written in; the short link opens the pack in it.
    locale: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_column=when_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=when_column())
    withdrawn_at: datetime | None = Field(default=None, sa_column=when_column(nullable=True))
    withdrawn_by_name: str | None = Field(default=None, max_length=120)


class SharePackItem(SQLModel, table=True):
    """One resource in a pack, in the order the worker picked them."""

    __tablename__ = "share_pack_item"
    __table_args__ = (UniqueConstraint("pack_id", "ref"),)

    id: int | None = Field(default=None, primary_key=True)
    pack_id: int = Field(foreign_key="share_pack.id", ondelete="CASCADE", index=True)
    position: int
    ref: str = Field(max_length=80)


class SavedResource(SQLModel, table=True):
    """A resource a parent keeps in "My saved"."""

    __tablename__ = "saved_resource"
    __table_args__ = (UniqueConstraint("user_id", "ref"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE", index=True)
    ref: str = Field(max_length=80)
    saved_at: datetime = Field(default_factory=utcnow, sa_column=when_column())


class PackDelivery(SQLModel, table=True):
    """A pack a worker put straight into a parent's app, under "Shared with you"."""

    __tablename__ = "pack_delivery"
    __table_args__ = (UniqueConstraint("pack_id", "parent_id"),)

    id: int | None = Field(default=None, primary_key=True)
    pack_id: int = Field(foreign_key="share_pack.id", ondelete="CASCADE", index=True)
    parent_id: int = Field(foreign_key="user.id", ondelete="CASCADE", index=True)
    sent_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    sent_by_name: str = Field(max_length=120)
    sent_at: datetime = Field(default_factory=utcnow, sa_column=when_column())
    # The parent can take it off their list; the pack itself stays the worker's.
    hidden_at: datetime | None = Field(default=None, sa_column=when_column(nullable=True))
