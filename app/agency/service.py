"""Agency staff tokens, and bookings that staff create, move and cancel through the API.

A booking is keyed by the agency's own id, so sending the same booking twice changes
nothing, and sending it with new times moves it (with the move in the parent's history).
"""

import datetime as dt
import hashlib
import secrets

from pydantic import BaseModel, Field, field_validator
from sqlmodel import Session, select

from app.accounts.models import Role, User
from app.agency.models import ApiToken
from app.calendar import service as calendar
from app.calendar.models import Agency, Appointment, CalendarSource, SourceEvent, SourceKind
from app.db import end_read
from app.forms import N_, FormError

TOKEN_PREFIX = "ns_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, *, user: User, name: str, now: dt.datetime) -> str:
    """A new API token for agency staff; it is shown once and only its hash is kept."""
    if user.role != Role.agency_staff:
        raise FormError({"name": N_("Only agency staff can make API tokens.")})
    name = " ".join(name.split())[:80]
    if not name:
        raise FormError({"name": N_("Give the token a name, so you know where it is used.")})
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, name=name, token_hash=_digest(token), created_at=now))
    session.commit()
    return token


def tokens_for(session: Session, *, user: User) -> list[ApiToken]:
    query = select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    return list(session.exec(query.order_by(ApiToken.created_at.desc())))


def revoke_token(session: Session, *, user: User, token_id: int, now: dt.datetime) -> None:
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise LookupError(token_id)
    token.revoked_at = now
    session.add(token)
    session.commit()


def user_for_token(session: Session, *, token: str, now: dt.datetime) -> User | None:
    """The live, unsuspended agency staff member a token belongs to."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    found = session.exec(
        select(ApiToken).where(ApiToken.token_hash == _digest(token), ApiToken.revoked_at.is_(None))
    ).first()
    if found is None:
        return None
    user = session.get(User, found.user_id)
    if user is None or user.role != Role.agency_staff or user.suspended_at is not None:
        return None
    # A GET that has only read: noting the token's use waits its turn (see end_read).
    end_read(session, then_write=True)
    found.last_used_at = now
    session.add(found)
    session.commit()
    return user


class BookingIn(BaseModel):
    """A booking as an agency sends it. Times are ISO 8601 with an offset (or Z)."""

    agency: Agency
    start: dt.datetime
    end: dt.datetime
    summary: str = Field(min_length=1, max_length=300)
    location: str = Field(default="", max_length=500)
    who: str = Field(default="", max_length=1000)
    what_to_bring: str = Field(default="", max_length=2000)
    notes: str = Field(default="", max_length=4000)

    @field_validator("start", "end")
    @classmethod
    def needs_offset(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            raise ValueError("give the time with its offset, e.g. 2026-12-01T10:00:00+00:00")
        return value.astimezone(dt.UTC)

    @field_validator("end")
    @classmethod
    def after_start(cls, value: dt.datetime, info) -> dt.datetime:
        start = info.data.get("start")
        if start and value <= start:
            raise ValueError("end must be after start")
        return value


class BookingOut(BaseModel):
    booking_id: str
    appointment_id: int | None
    agency: Agency
    start: dt.datetime
    end: dt.datetime
    summary: str
    location: str
    cancelled: bool


def _uid(staff: User, booking_id: str) -> str:
    return f"agency-{staff.id}-{booking_id}@api.nextsteps"


def _api_source(session: Session, *, parent_id: int, agency: Agency, staff: User):
    query = select(CalendarSource).where(
        CalendarSource.parent_id == parent_id,
        CalendarSource.kind == SourceKind.agency_api,
        CalendarSource.agency == agency,
    )
    source = session.exec(query).first()
    if source is None:
        source = CalendarSource(
            parent_id=parent_id, kind=SourceKind.agency_api, agency=agency,
            label=staff.display_name[:120],
        )  # fmt: skip
        session.add(source)
        session.flush()
    return source


def _event(session: Session, *, parent_id: int, staff: User, booking_id: str):
    sources = select(CalendarSource.id).where(
        CalendarSource.parent_id == parent_id, CalendarSource.kind == SourceKind.agency_api
    )
    return session.exec(
        select(SourceEvent).where(
            SourceEvent.source_id.in_(sources), SourceEvent.uid == _uid(staff, booking_id)
        )
    ).first()


def put_booking(
    session: Session, *, parent_id: int, staff: User, booking_id: str, booking: BookingIn,
    now: dt.datetime,
) -> tuple[BookingOut, bool]:  # fmt: skip
    """Create or update a booking by the agency's id; (booking, created)."""
    event = _event(session, parent_id=parent_id, staff=staff, booking_id=booking_id)
    created = event is None
    fields = {
        "start": booking.start, "end": booking.end, "summary": booking.summary.strip(),
        "location": booking.location.strip(), "attendees": booking.who.strip(),
        "what_to_bring": booking.what_to_bring.strip(), "notes": booking.notes.strip(),
        "status": "CONFIRMED",
    }  # fmt: skip
    if event is None:
        source = _api_source(session, parent_id=parent_id, agency=booking.agency, staff=staff)
        event = SourceEvent(source_id=source.id, uid=_uid(staff, booking_id), **fields)
    else:
        changed = any(
            getattr(event, k) != v for k, v in fields.items() if k not in {"start", "end"}
        )
        changed |= (calendar.as_utc(event.start), calendar.as_utc(event.end)) != (
            booking.start,
            booking.end,
        )
        if changed:
            for key, value in fields.items():
                setattr(event, key, value)
            event.sequence += 1
    session.add(event)
    session.flush()
    calendar.remerge(session, parent_id=parent_id, now=now, complete=set())
    session.commit()
    return _out(session, parent_id=parent_id, booking_id=booking_id, event=event), created


def cancel_booking(
    session: Session, *, parent_id: int, staff: User, booking_id: str, now: dt.datetime
) -> BookingOut:
    """Cancel a booking; the parent sees it cancelled, with the change in its history."""
    event = _event(session, parent_id=parent_id, staff=staff, booking_id=booking_id)
    if event is None:
        raise LookupError(booking_id)
    if event.status != "CANCELLED":
        event.status, event.sequence = "CANCELLED", event.sequence + 1
        session.add(event)
        session.flush()
        calendar.remerge(session, parent_id=parent_id, now=now, complete=set())
        session.commit()
    return _out(session, parent_id=parent_id, booking_id=booking_id, event=event)


def list_bookings(session: Session, *, parent_id: int, staff: User) -> list[BookingOut]:
    prefix = f"agency-{staff.id}-"
    sources = select(CalendarSource.id).where(
        CalendarSource.parent_id == parent_id, CalendarSource.kind == SourceKind.agency_api
    )
    events = session.exec(
        select(SourceEvent).where(SourceEvent.source_id.in_(sources)).order_by(SourceEvent.start)
    ).all()
    return [
        _out(session, parent_id=parent_id, booking_id=e.uid[len(prefix) :].split("@")[0], event=e)
        for e in events
        if e.uid.startswith(prefix)
    ]


def _out(session: Session, *, parent_id: int, booking_id: str, event: SourceEvent) -> BookingOut:
    source = session.get(CalendarSource, event.source_id)
    appointment = session.exec(
        select(Appointment).where(
            Appointment.parent_id == parent_id, Appointment.match_key == f"{event.uid}|"
        )
    ).first()
    return BookingOut(
        booking_id=booking_id,
        appointment_id=appointment.id if appointment else None,
        agency=source.agency,
        start=calendar.as_utc(event.start),
        end=calendar.as_utc(event.end),
        summary=event.summary,
        location=event.location,
        cancelled=event.status == "CANCELLED",
    )
