"""The calendar room: sources in (feed, upload, manual), merged appointments out.

Services own their transactions. A change to appointments and the history rows that
record it are written in one commit, so nothing a parent was told can be lost.
"""

import datetime as dt
import hashlib
import json
import logging
import random
import re
import secrets
from dataclasses import dataclass, replace

import httpx
from sqlalchemy import or_
from sqlmodel import Session, select

from app import localtime
from app.calendar.feeds import FeedError, fetch_feed, normalise_feed_url
from app.calendar.ics import IcsError, Limits, Occurrence, ParsedCalendar, parse_ics
from app.calendar.merge import Current, Flag, SourceItem, Timed, changes, flags, merge
from app.calendar.models import (
    Agency,
    Appointment,
    AppointmentChange,
    CalendarPreferences,
    CalendarSource,
    ChangeKind,
    SourceEvent,
    SourceKind,
)
from app.clock import as_utc
from app.db import end_read
from app.forms import N_, FormError, Message
from app.notify import planning as notify

log = logging.getLogger("next_steps.calendar")
REFRESH_EVERY = dt.timedelta(minutes=30)
RETRY_AFTER_ERROR = dt.timedelta(minutes=10)
JITTER_SECONDS = 300
MAX_TEXT = {"summary": 300, "location": 500, "what_to_bring": 2000, "notes": 4000, "who": 1000}

# What each error code means to a parent; translated where it is shown.
FEED_ERRORS = {
    "blocked_address": N_("That address is not one we can fetch a calendar from."),
    "blocked_port": N_("That address is not one we can fetch a calendar from."),
    "bad_scheme": N_("A calendar address starts with https://, http:// or webcal://."),
    "bad_url": N_("That does not look like a web address."),
    "unreachable": N_("We could not reach that calendar."),
    "timeout": N_("That calendar took too long to answer."),
    "too_big": N_("That calendar is too big for us to read."),
    "too_many_redirects": N_("That calendar sent us round in circles."),
    "http_status": N_("That calendar's server said no."),
    "not_calendar": N_(
        "That address gave us a web page, not a calendar. It may need you to sign in."
    ),
}
ICS_ERRORS = {
    "empty": N_("That file is empty."),
    "not_utf8": N_("That file is not in a format we can read."),
    "not_calendar": N_("That file is not a calendar (.ics) file."),
    "malformed": N_("That calendar file is damaged, so we could not read it."),
    "too_big": N_("That file is too big. The most we can take is 5 MB."),
    "too_many_events": N_("That file has too many appointments for us to read."),
    "busy": N_("We are busy right now. Please try again in a minute."),
}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _clean(text: str, name: str) -> str:
    return " ".join(text.split()) if name in {"summary", "location"} else text.strip()


# Sources --------------------------------------------------------------------------------


def parent_sources(session: Session, *, parent_id: int) -> list[CalendarSource]:
    """Every source of a parent's calendar, newest first."""
    query = select(CalendarSource).where(CalendarSource.parent_id == parent_id)
    return list(session.exec(query.order_by(CalendarSource.id.desc())))


def add_feed(
    session: Session, *, parent_id: int, url: str, agency: str, label: str, now: dt.datetime
) -> CalendarSource:
    """A feed to fetch on a schedule; checked for shape here, for safety at every fetch."""
    errors = {}
    try:
        clean_url = normalise_feed_url(url)
    except FeedError as error:
        errors["url"] = FEED_ERRORS[error.code]
    if agency not in Agency.__members__:
        errors["agency"] = N_("Choose who the appointments are with.")
    if errors:
        raise FormError(errors)
    source = CalendarSource(
        parent_id=parent_id,
        kind=SourceKind.feed,
        agency=Agency(agency),
        label=_clean(label, "summary")[:120] or Agency(agency).value,
        feed_url=clean_url,
        next_fetch_at=now,
    )
    session.add(source)
    session.commit()
    session.refresh(source)
    return source


@dataclass(frozen=True)
class RemovalPreview:
    """What removing a calendar would do, said before it is done."""

    source: CalendarSource
    only_here: list[Appointment]  # would leave the calendar (or be kept as the parent's own)
    also_elsewhere: list[Appointment]  # stay, because another calendar has them too


def _own_source(session: Session, *, parent_id: int, source_id: int) -> CalendarSource:
    source = session.get(CalendarSource, source_id)
    if source is None or source.parent_id != parent_id:
        raise LookupError(source_id)
    return source


def _ids(appointment: Appointment) -> set[int]:
    return {int(i) for i in appointment.source_ids.split(",") if i}


def preview_removal(session: Session, *, parent_id: int, source_id: int) -> RemovalPreview:
    """Which appointments a calendar alone gives, and which another calendar has too."""
    source = _own_source(session, parent_id=parent_id, source_id=source_id)
    query = select(Appointment).where(Appointment.parent_id == parent_id)
    only_here, also_elsewhere = [], []
    for appointment in session.exec(query.order_by(Appointment.start)):
        ids = _ids(appointment)
        if source_id in ids:
            (also_elsewhere if ids - {source_id} else only_here).append(appointment)
    return RemovalPreview(source, only_here, also_elsewhere)


def source_name(source: CalendarSource) -> str:
    """A calendar's name as the parent gave it, or its agency's key when it has none."""
    return source.label or source.agency.value


def delete_source(
    session: Session, *, parent_id: int, source_id: int, keep: bool = False, now: dt.datetime
) -> RemovalPreview:
    """Take a calendar away. Appointments only it gave leave the calendar, or with `keep`
    become the parent's own typed-in ones. Nothing is marked cancelled and no notice is
    sent: a calendar the parent removed says nothing about whether a meeting is on."""
    preview = preview_removal(session, parent_id=parent_id, source_id=source_id)
    source = preview.source
    events = {
        f"{e.uid}|{e.recurrence_id}": e
        for e in session.exec(select(SourceEvent).where(SourceEvent.source_id == source_id))
    }
    name = source_name(source)
    for appointment in preview.only_here:
        if not keep:
            session.delete(appointment)
            continue
        own = _source_for(
            session, parent_id=parent_id, kind=SourceKind.manual, agency=appointment.agency,
            label="",
        )  # fmt: skip
        event = events.get(appointment.match_key)
        uid, recurrence = appointment.match_key.rsplit("|", 1)
        session.add(
            SourceEvent(
                source_id=own.id, uid=uid, recurrence_id=recurrence,
                start=as_utc(appointment.start), end=as_utc(appointment.end),
                all_day=appointment.all_day, summary=appointment.summary,
                location=appointment.location, description=appointment.description,
                status="CANCELLED" if appointment.cancelled else "CONFIRMED",
                sequence=event.sequence if event else 0, attendees=appointment.attendees,
                what_to_bring=appointment.what_to_bring, notes=appointment.notes,
            )
        )  # fmt: skip
    session.flush()
    kept = preview.also_elsewhere + (preview.only_here if keep else [])
    for appointment in kept:
        session.add(
            AppointmentChange(
                appointment_id=appointment.id, kind=ChangeKind.source_removed,
                after=json.dumps({"calendar": name, "kept": keep}), by_parent=True,
                said_by=name, noticed_at=now,
            )
        )  # fmt: skip
    session.delete(source)
    session.flush()
    remerge(session, parent_id=parent_id, now=now, complete=set())
    session.commit()
    return preview


def _replace_events(
    session: Session, source: CalendarSource, occurrences: list[Occurrence]
) -> None:
    for event in session.exec(select(SourceEvent).where(SourceEvent.source_id == source.id)):
        session.delete(event)
    session.flush()
    seen = set()
    for occurrence in occurrences:
        if occurrence.key in seen:
            continue
        seen.add(occurrence.key)
        session.add(_event(source.id, occurrence))


def _event(source_id: int, occurrence: Occurrence) -> SourceEvent:
    return SourceEvent(
        source_id=source_id,
        uid=occurrence.uid,
        recurrence_id=occurrence.recurrence_id,
        start=occurrence.start,
        end=occurrence.end,
        all_day=occurrence.all_day,
        summary=occurrence.summary,
        location=occurrence.location,
        description=occurrence.description,
        status=occurrence.status,
        sequence=occurrence.sequence,
        attendees="\n".join(occurrence.attendees),
    )


@dataclass(frozen=True)
class RefreshOutcome:
    ok: bool
    not_modified: bool = False
    error: str | None = None
    changes: int = 0


def refresh_source(
    session: Session, *, source: CalendarSource, client: httpx.Client, now: dt.datetime
) -> RefreshOutcome:
    """Fetch one feed; on any failure keep its last good appointments and record why.
    On SQLite no transaction is open while the feed is fetched and read, and the writes
    after it take the write lock first, so they wait behind another writer, not fail."""
    url, etag, last_modified = source.feed_url, source.etag, source.last_modified
    end_read(session)
    jitter = dt.timedelta(seconds=random.randint(0, JITTER_SECONDS))
    try:
        fetched = fetch_feed(url, client=client, etag=etag, last_modified=last_modified)
        parsed = None if fetched.not_modified else parse_ics(fetched.body, now=now)
    except (FeedError, IcsError) as error:
        end_read(session, then_write=True)
        source.last_attempt_at = now
        source.last_error = error.code if isinstance(error, FeedError) else f"ics_{error.code}"
        source.next_fetch_at = now + RETRY_AFTER_ERROR + jitter
        session.add(source)
        session.commit()
        return RefreshOutcome(ok=False, error=source.last_error)
    end_read(session, then_write=True)
    source.last_attempt_at = now
    if parsed is None:  # not modified
        source.last_success_at, source.last_error = now, None
        source.next_fetch_at = now + REFRESH_EVERY + jitter
        session.add(source)
        session.commit()
        return RefreshOutcome(ok=True, not_modified=True)
    source.etag, source.last_modified = fetched.etag, fetched.last_modified
    source.next_fetch_at = now + REFRESH_EVERY + jitter
    found = _load_feed(session, source=source, occurrences=parsed.occurrences, now=now)
    return RefreshOutcome(ok=True, changes=len(found))


def _load_feed(
    session: Session, *, source: CalendarSource, occurrences: list[Occurrence], now: dt.datetime
) -> list[AppointmentChange]:
    first_load = source.last_success_at is None  # the parent just added it: nothing is news
    _replace_events(session, source, occurrences)
    source.last_success_at, source.last_error = now, None
    session.add(source)
    session.flush()
    found = remerge(session, parent_id=source.parent_id, now=now, complete={source.id},
                    seen=first_load)  # fmt: skip
    session.commit()
    return found


def load_feed_body(
    session: Session, *, source: CalendarSource, body: bytes, now: dt.datetime
) -> list[AppointmentChange]:
    """What a feed said, given as bytes (the demo's earlier version of a feed)."""
    return _load_feed(
        session, source=source, occurrences=parse_ics(body, now=now).occurrences, now=now
    )


def claim_due_sources(session: Session, *, now: dt.datetime, limit: int = 20) -> list[int]:
    """Feeds due a fetch; on PostgreSQL rows another worker holds are skipped."""
    query = (
        select(CalendarSource.id)
        .where(CalendarSource.kind == SourceKind.feed)
        .where(or_(CalendarSource.next_fetch_at.is_(None), CalendarSource.next_fetch_at <= now))
        .order_by(CalendarSource.next_fetch_at)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.exec(query))


LEASE = dt.timedelta(minutes=5)


def refresh_due(session: Session, *, client: httpx.Client, now: dt.datetime) -> int:
    """Fetch every feed that is due; returns how many were tried. Claimed feeds are leased
    (their next fetch pushed on and committed) before any is fetched, so another worker
    skips them; one feed failing in an unexpected way never stops the others."""
    if session.get_bind().dialect.name == "sqlite" and not session.in_transaction():
        # The claim reads, then writes the leases: on SQLite it takes the write lock first,
        # so it waits its turn behind another writer (the notifier) instead of failing at
        # once on a stale snapshot ("database is locked" on make run's first pass).
        session.connection(execution_options={"sqlite_immediate": True})
    claimed = claim_due_sources(session, now=now)
    for source_id in claimed:
        session.get(CalendarSource, source_id).next_fetch_at = now + LEASE
    session.commit()
    tried = 0
    for source_id in claimed:
        source = session.get(CalendarSource, source_id)
        if source is None:
            continue
        try:
            refresh_source(session, source=source, client=client, now=now)
        except Exception:  # recorded on the source; the next feed still gets its turn
            log.exception("feed %s refresh failed", source_id)
            session.rollback()
            end_read(session, then_write=True)
            source = session.get(CalendarSource, source_id)
            if source is not None:
                source.last_error, source.last_attempt_at = "unreachable", now
                source.next_fetch_at = now + RETRY_AFTER_ERROR
                session.add(source)
                session.commit()
        tried += 1
    return tried


def _source_for(session: Session, *, parent_id: int, kind: SourceKind, agency: Agency, label: str):
    query = select(CalendarSource).where(
        CalendarSource.parent_id == parent_id,
        CalendarSource.kind == kind,
        CalendarSource.agency == agency,
    )
    source = session.exec(query).first()
    if source is None:
        source = CalendarSource(parent_id=parent_id, kind=kind, agency=agency, label=label[:120])
        session.add(source)
        session.flush()
    return source


@dataclass(frozen=True)
class ImportOutcome:
    added_or_updated: int
    cancelled: int
    skipped: int


def import_file(
    session: Session, *, parent_id: int, data: bytes, agency: str, label: str, now: dt.datetime,
    keep_past: bool = False,
) -> ImportOutcome:  # fmt: skip
    """An uploaded .ics or email invitation: adds, updates (by SEQUENCE) or cancels.

    Appointments more than 60 days ago are left out, unless the parent asks to keep them
    (a file of only such appointments says so, and offers that)."""
    if agency not in Agency.__members__:
        raise FormError({"agency": N_("Choose who the appointments are with.")})
    try:
        parsed = parse_ics(data, now=now, limits=Limits(keep_past=keep_past))
    except IcsError as error:
        raise FormError({"file": ICS_ERRORS[error.code]}) from None
    if not parsed.occurrences and parsed.past:
        raise FormError({"file": Message(
            "The appointment in this file is more than 60 days ago. To keep it as your "
            "history, tick the box and add the file again.",
            {"count": parsed.past},
            plural="All %(count)s appointments in this file are more than 60 days ago. To "
            "keep them as your history, tick the box and add the file again.",
        )})  # fmt: skip
    if not parsed.occurrences:
        raise FormError({"file": N_("We found no appointments in that file.")})
    source = _source_for(
        session,
        parent_id=parent_id,
        kind=SourceKind.upload,
        agency=Agency(agency),
        label=_clean(label, "summary") or Agency(agency).value,
    )
    existing = {
        (e.uid, e.recurrence_id): e
        for e in session.exec(select(SourceEvent).where(SourceEvent.source_id == source.id))
    }
    occurrences = _whole_series(session, parent_id=parent_id, parsed=parsed, now=now)
    updated = cancelled = 0
    for occurrence in occurrences:
        old = existing.get(occurrence.key)
        if old is not None and old.sequence > occurrence.sequence:
            continue  # an older invitation than the one we have
        status = "CANCELLED" if parsed.is_cancellation else occurrence.status
        event = _event(source.id, occurrence)
        event.status = status
        if old is not None:
            # An update that leaves out who is coming or the details has not removed them.
            event.attendees = event.attendees or old.attendees
            event.description = event.description or old.description
            session.delete(old)
            session.flush()
        session.add(event)
        existing[occurrence.key] = event
        cancelled += status == "CANCELLED"
        updated += status != "CANCELLED"
    session.flush()
    # The parent chose the file, so what it says is not news to them.
    remerge(session, parent_id=parent_id, now=now, complete=set(), seen=True)
    session.commit()
    return ImportOutcome(updated, cancelled, parsed.skipped)


def _whole_series(
    session: Session, *, parent_id: int, parsed: ParsedCalendar, now: dt.datetime
) -> list[Occurrence]:
    """The file's occurrences, with a cancellation that names a series the parent has
    (its UID and no RECURRENCE-ID, as RFC 5545 cancels a whole series) made into a
    cancellation of each of that series' occurrences still to come. One naming an
    occurrence (RECURRENCE-ID) already has that occurrence's key."""
    result = []
    for occurrence in parsed.occurrences:
        cancelling = parsed.is_cancellation or occurrence.cancelled
        series = _series_events(session, parent_id=parent_id, uid=occurrence.uid) if (
            cancelling and not occurrence.recurrence_id
        ) else []  # fmt: skip
        if not series:
            result.append(occurrence)
            continue
        # Ones already held stay as they were: they happened, and are the parent's record.
        for event in series:
            if as_utc(event.start) > now:
                result.append(replace(
                    occurrence, recurrence_id=event.recurrence_id, start=as_utc(event.start),
                    end=as_utc(event.end), all_day=event.all_day, status="CANCELLED",
                    summary=event.summary, location=event.location,
                    sequence=max(occurrence.sequence, event.sequence),
                ))  # fmt: skip
    return result


def _series_events(session: Session, *, parent_id: int, uid: str) -> list[SourceEvent]:
    """Each occurrence of the series with this UID, once, from any of the parent's sources."""
    query = (
        select(SourceEvent)
        .join(CalendarSource, CalendarSource.id == SourceEvent.source_id)
        .where(
            CalendarSource.parent_id == parent_id,
            SourceEvent.uid == uid,
            SourceEvent.recurrence_id != "",
        )
        .order_by(SourceEvent.start, SourceEvent.id)
    )
    return list({e.recurrence_id: e for e in session.exec(query)}.values())


FAR_AHEAD = dt.timedelta(days=2 * 365)
PAST_DATE = N_(
    "Is this right? That date is in the past. Check the year, or say the date is right "
    "and save again."
)
FAR_DATE = N_(
    "Is this right? That date is more than two years away. Check the year, or say the "
    "date is right and save again."
)


def _typed_in(
    *, agency: str, summary: str, date: str, start_time: str, end_time: str, location: str,
    who: str, what_to_bring: str, notes: str, date_checked: bool, now: dt.datetime,
) -> dict:  # fmt: skip
    """The fields of a typed-in appointment (times are TIMEZONE's), checked; a date in the
    past or more than two years ahead is asked about ("Is this right?") unless the parent
    has said it is."""
    errors = {}
    if agency not in Agency.__members__:
        errors["agency"] = N_("Choose who the appointment is with.")
    summary = _clean(summary, "summary")
    if not summary:
        errors["summary"] = N_("Say what the appointment is.")
    for name, value in (("summary", summary), ("location", location), ("who", who),
                        ("what_to_bring", what_to_bring), ("notes", notes)):  # fmt: skip
        if len(value) > MAX_TEXT[name]:
            errors[name] = N_("That is too long. Please make it shorter.")
    try:
        day = dt.date.fromisoformat(date)
        if not 1900 <= day.year <= 2200:  # beyond these, views and exports cannot show it
            raise ValueError(date)
    except ValueError:
        errors["date"] = N_("Enter the date, for example 27 3 2026.")
        day = None
    try:
        start_clock = dt.time.fromisoformat(start_time)
    except ValueError:
        errors["start_time"] = N_("Enter the time it starts, for example 14:30.")
        start_clock = None
    try:
        end_clock = dt.time.fromisoformat(end_time) if end_time else None
    except ValueError:
        errors["end_time"] = N_("Enter the time it ends, for example 15:30.")
        end_clock = None
    if errors:
        raise FormError(errors)
    start = localtime.at(day, start_clock).astimezone(dt.UTC)
    end = (
        localtime.at(day, end_clock).astimezone(dt.UTC)
        if end_clock
        else start + dt.timedelta(hours=1)
    )
    if end <= start:
        raise FormError({"end_time": N_("The end time must be after the start time.")})
    if not date_checked and end < now:
        raise FormError({"date_check": PAST_DATE})
    if not date_checked and start > now + FAR_AHEAD:
        raise FormError({"date_check": FAR_DATE})
    return {
        "agency": Agency(agency), "start": start, "end": end, "summary": summary,
        "location": _clean(location, "location"), "attendees": who.strip(),
        "what_to_bring": what_to_bring.strip(), "notes": notes.strip(),
    }  # fmt: skip


def add_manual(
    session: Session,
    *,
    parent_id: int,
    agency: str,
    summary: str,
    date: str,
    start_time: str,
    end_time: str,
    location: str = "",
    who: str = "",
    what_to_bring: str = "",
    notes: str = "",
    client_key: str = "",
    date_checked: bool = False,
    from_letter: bool = False,
    now: dt.datetime,
) -> Appointment:
    """An appointment typed in by the parent or a supporter allowed to (`from_letter`: read
    from a photo of a letter, then checked). `client_key` (made by the device) makes a
    resend of the same form, queued while offline, change nothing."""
    fields = _typed_in(
        agency=agency, summary=summary, date=date, start_time=start_time, end_time=end_time,
        location=location, who=who, what_to_bring=what_to_bring, notes=notes,
        date_checked=date_checked, now=now,
    )  # fmt: skip
    key = client_key if re.fullmatch(r"[A-Za-z0-9-]{8,64}", client_key or "") else ""
    uid = f"manual-{key or secrets.token_hex(8)}@nextsteps"
    if key:
        already = session.exec(
            select(SourceEvent, CalendarSource)
            .join(CalendarSource, CalendarSource.id == SourceEvent.source_id)
            .where(CalendarSource.parent_id == parent_id, SourceEvent.uid == uid)
        ).first()
        if already is not None:
            return _appointment_with_event(
                session, parent_id=parent_id, source_id=already[1].id, uid=uid
            )
    agency_value = fields.pop("agency")
    source = _source_for(
        session, parent_id=parent_id, kind=SourceKind.manual, agency=agency_value, label=""
    )
    session.add(SourceEvent(source_id=source.id, uid=uid, from_letter=from_letter, **fields))
    session.flush()
    remerge(session, parent_id=parent_id, now=now, complete=set())
    session.commit()
    return _appointment_with_event(session, parent_id=parent_id, source_id=source.id, uid=uid)


def typed_in_event(
    session: Session, *, parent_id: int, appointment: Appointment
) -> SourceEvent | None:
    """The parent's own entry behind an appointment, if they typed it in (or kept it)."""
    ids = _ids(appointment)
    if not ids:
        return None
    found = _own_entries(
        session, parent_id, SourceEvent.source_id.in_(list(ids))  # type: ignore[union-attr]
    )
    return next(
        (e for e in found if f"{e.uid}|{e.recurrence_id}" == appointment.match_key),
        found[0] if found else None,
    )


def _own_entries(session: Session, parent_id: int, *where) -> list[SourceEvent]:
    """The entries the parent (or a supporter for them) typed in, narrowed by `where`."""
    return list(session.exec(
        select(SourceEvent)
        .join(CalendarSource, CalendarSource.id == SourceEvent.source_id)
        .where(CalendarSource.parent_id == parent_id, CalendarSource.kind == SourceKind.manual,
               *where)
    ))  # fmt: skip


def letter_keys(session: Session, *, parent_id: int) -> set[str]:
    """The match keys of the parent's appointments that were read in from a letter."""
    events = _own_entries(session, parent_id, SourceEvent.from_letter == True)  # noqa: E712
    return {f"{e.uid}|{e.recurrence_id}" for e in events}


def _typed_in_appointment(
    session: Session, *, parent_id: int, appointment_id: int
) -> tuple[Appointment, SourceEvent]:
    appointment = session.get(Appointment, appointment_id)
    if appointment is None or appointment.parent_id != parent_id:
        raise LookupError(appointment_id)
    event = typed_in_event(session, parent_id=parent_id, appointment=appointment)
    if event is None:
        raise LookupError(appointment_id)
    return appointment, event


def edit_manual(
    session: Session, *, parent_id: int, appointment_id: int, agency: str, summary: str,
    date: str, start_time: str, end_time: str, location: str = "", who: str = "",
    what_to_bring: str = "", notes: str = "", date_checked: bool = False, now: dt.datetime,
) -> Appointment:  # fmt: skip
    """Change or move an appointment the parent typed in; its history says what changed."""
    appointment, event = _typed_in_appointment(
        session, parent_id=parent_id, appointment_id=appointment_id
    )
    fields = _typed_in(
        agency=agency, summary=summary, date=date, start_time=start_time, end_time=end_time,
        location=location, who=who, what_to_bring=what_to_bring, notes=notes,
        date_checked=date_checked, now=now,
    )  # fmt: skip
    agency_value = fields.pop("agency")
    if agency_value != appointment.agency:
        event.source_id = _source_for(
            session, parent_id=parent_id, kind=SourceKind.manual, agency=agency_value, label=""
        ).id
    for name, value in fields.items():
        setattr(event, name, value)
    return _save_typed_in(session, event=event, appointment=appointment, parent_id=parent_id,
                          now=now)  # fmt: skip


def _save_typed_in(
    session: Session, *, event, appointment: Appointment, parent_id: int, now: dt.datetime
) -> Appointment:
    """Keep a change to the parent's own entry, merge the calendar again, and commit."""
    session.add(event)
    session.flush()
    remerge(session, parent_id=parent_id, now=now, complete=set())
    session.commit()
    session.refresh(appointment)
    return appointment


def cancel_manual(
    session: Session, *, parent_id: int, appointment_id: int, cancelled: bool = True,
    now: dt.datetime,
) -> Appointment:  # fmt: skip
    """The parent says their own appointment is off (or back on); the history says so."""
    appointment, event = _typed_in_appointment(
        session, parent_id=parent_id, appointment_id=appointment_id
    )
    event.status = "CANCELLED" if cancelled else "CONFIRMED"
    event.sequence += 1  # the parent's word is the newest about their own entry
    return _save_typed_in(session, event=event, appointment=appointment, parent_id=parent_id,
                          now=now)  # fmt: skip


def delete_manual(
    session: Session, *, parent_id: int, appointment_id: int, now: dt.datetime
) -> None:
    """Take a typed-in appointment off the calendar altogether (not "cancelled": gone)."""
    appointment, event = _typed_in_appointment(
        session, parent_id=parent_id, appointment_id=appointment_id
    )
    session.delete(event)
    if not _ids(appointment) - {event.source_id}:
        session.delete(appointment)
    session.flush()
    remerge(session, parent_id=parent_id, now=now, complete=set())
    session.commit()


def form_values(session: Session, *, parent_id: int, appointment: Appointment) -> dict:
    """A typed-in appointment as its edit form shows it (in TIMEZONE)."""
    event = typed_in_event(session, parent_id=parent_id, appointment=appointment)
    start = as_utc(appointment.start).astimezone(localtime.zone())
    end = as_utc(appointment.end).astimezone(localtime.zone())
    return {
        "agency": appointment.agency.value, "summary": appointment.summary,
        "date": start.date().isoformat(), "start_time": start.strftime("%H:%M"),
        "end_time": end.strftime("%H:%M"), "location": appointment.location,
        "who": event.attendees if event else appointment.attendees,
        "what_to_bring": appointment.what_to_bring, "notes": appointment.notes,
    }  # fmt: skip


def _appointment_with_event(
    session: Session, *, parent_id: int, source_id: int, uid: str
) -> Appointment:
    """The appointment a source's event ended up in (its own key, or a look-alike's)."""
    event = session.exec(
        select(SourceEvent).where(SourceEvent.source_id == source_id, SourceEvent.uid == uid)
    ).one()
    for appointment in session.exec(select(Appointment).where(Appointment.parent_id == parent_id)):
        sources = {int(i) for i in appointment.source_ids.split(",") if i}
        if appointment.match_key == f"{uid}|" or (
            source_id in sources
            and (as_utc(appointment.start), as_utc(appointment.end))
            == (as_utc(event.start), as_utc(event.end))
        ):
            return appointment
    raise LookupError(uid)


# Merging ---------------------------------------------------------------------------------


def remerge(
    session: Session,
    *,
    parent_id: int,
    now: dt.datetime,
    complete: set[int],
    gone: set[int] = frozenset(),
    seen: bool = False,
) -> list[AppointmentChange]:
    """Bring a parent's appointments in line with what their sources say, recording every
    change in the appointment's history in the same transaction."""
    sources = {s.id: s for s in parent_sources(session, parent_id=parent_id)}
    events = (
        session.exec(
            select(SourceEvent).where(SourceEvent.source_id.in_(list(sources)))  # type: ignore[union-attr]
        ).all()
        if sources
        else []
    )
    items = [
        SourceItem(
            source_id=e.source_id,
            kind=sources[e.source_id].kind,
            agency=sources[e.source_id].agency,
            uid=e.uid,
            recurrence_id=e.recurrence_id,
            start=as_utc(e.start),
            end=as_utc(e.end),
            all_day=e.all_day,
            summary=e.summary,
            location=e.location,
            description=e.description,
            status=e.status,
            sequence=e.sequence,
            attendees=e.attendees,
            what_to_bring=e.what_to_bring,
            notes=e.notes,
        )
        for e in events
    ]
    stored = {
        a.match_key: a
        for a in session.exec(select(Appointment).where(Appointment.parent_id == parent_id))
    }
    desired = merge(items, known=set(stored))
    current = {
        key: Current(key, as_utc(a.start), as_utc(a.end), a.summary, a.location, a.cancelled)
        for key, a in stored.items()
    }
    source_of = {
        key: tuple(int(i) for i in a.source_ids.split(",") if i) for key, a in stored.items()
    }
    found = changes(
        current, desired, now=now, complete_sources=complete | set(gone), source_of=source_of
    )
    for key, want in desired.items():
        appointment = stored.get(key) or Appointment(
            parent_id=parent_id, match_key=key, agency=want.agency, start=want.start, end=want.end
        )
        if key not in stored and want.cancelled:
            continue
        appointment.agency = want.agency
        appointment.start, appointment.end, appointment.all_day = want.start, want.end, want.all_day
        appointment.summary, appointment.location = want.summary, want.location
        appointment.description, appointment.attendees = want.description, want.attendees
        appointment.what_to_bring, appointment.notes = want.what_to_bring, want.notes
        appointment.cancelled = want.cancelled
        appointment.source_ids = ",".join(str(i) for i in want.source_ids)
        session.add(appointment)
        stored[key] = appointment
    for change in found:
        if change.kind == ChangeKind.cancelled and change.match_key not in desired:
            stored[change.match_key].cancelled = True
            session.add(stored[change.match_key])
    session.flush()
    history = []
    for change in found:
        row = AppointmentChange(
            appointment_id=stored[change.match_key].id,
            kind=change.kind,
            before=json.dumps(change.before),
            after=json.dumps(change.after),
            source_id=change.source_id
            if change.source_id in sources and change.source_id not in gone
            else None,
            noticed_at=now,
        )
        said = sources.get(change.source_id)
        if said is not None:
            row.by_parent = said.kind == SourceKind.manual
            row.said_by = source_name(said)
        if row.by_parent or seen:  # the parent did it: nothing new to show them
            stored[change.match_key].seen_at = now
        session.add(row)
        history.append(row)
    notify.after_remerge(
        session,
        parent_id=parent_id,
        changes=history,
        source_kinds={i: s.kind for i, s in sources.items()},
        now=now,
    )
    return history


# Reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class News:
    """What changed since the parent last opened an appointment: new, moved (and from
    when), changed, cancelled or back on."""

    kind: ChangeKind
    was: dt.datetime | None = None  # where a moved appointment was when they last saw it


@dataclass(frozen=True)
class AppointmentView:
    appointment: Appointment
    flags: tuple[Flag, ...]
    others: tuple[tuple[Flag, Appointment], ...] = ()  # each flag with the appointment it names
    news: News | None = None

    @property
    def clash(self) -> bool:
        return any(flag.kind == "clash" for flag in self.flags)

    @property
    def travel(self) -> bool:
        return any(flag.kind == "travel" for flag in self.flags)


NEWS_KINDS = (ChangeKind.new, ChangeKind.moved, ChangeKind.changed, ChangeKind.cancelled,
              ChangeKind.restored)  # fmt: skip


def unseen_news(session: Session, *, appointments: list[Appointment]) -> dict[int, News]:
    """For each appointment, what a service changed since the parent last opened it."""
    by_id = {a.id: a for a in appointments}
    if not by_id:
        return {}
    rows = session.exec(
        select(AppointmentChange)
        .where(
            AppointmentChange.appointment_id.in_(list(by_id)),  # type: ignore[union-attr]
            AppointmentChange.kind.in_(NEWS_KINDS),  # type: ignore[union-attr]
            AppointmentChange.by_parent.is_(False),  # type: ignore[union-attr]
        )
        .order_by(AppointmentChange.noticed_at, AppointmentChange.id)
    )
    found: dict[int, News] = {}
    for row in rows:
        seen = by_id[row.appointment_id].seen_at
        if seen is not None and as_utc(row.noticed_at) <= as_utc(seen):
            continue
        earlier = found.get(row.appointment_id)
        if row.kind == ChangeKind.moved:
            # The first unseen move says where it was when the parent last looked.
            was = earlier.was if earlier and earlier.was else None
            if was is None:
                was = dt.datetime.fromisoformat(json.loads(row.before or "{}").get("start"))
            found[row.appointment_id] = News(ChangeKind.moved, was)
        elif earlier is None or earlier.kind != ChangeKind.new or row.kind == ChangeKind.cancelled:
            found[row.appointment_id] = News(row.kind, earlier.was if earlier else None)
    return found


def mark_seen(session: Session, *, parent_id: int, appointment_id: int, now: dt.datetime) -> None:
    """The parent has opened this appointment: its changes so far are no longer news."""
    appointment = session.get(Appointment, appointment_id)
    if appointment is None or appointment.parent_id != parent_id:
        return
    end_read(session, then_write=True)
    appointment.seen_at = now
    session.add(appointment)
    session.commit()


def preferences(session: Session, *, parent_id: int) -> CalendarPreferences:
    return session.get(CalendarPreferences, parent_id) or CalendarPreferences(parent_id=parent_id)


def appointments_between(
    session: Session,
    *,
    parent_id: int,
    start: dt.datetime,
    end: dt.datetime,
    agency: str | None = None,
    include_cancelled: bool = True,
) -> list[AppointmentView]:
    """A parent's appointments in a time range, each with its clash and travel flags."""
    query = (
        select(Appointment)
        .where(Appointment.parent_id == parent_id, Appointment.end > start, Appointment.start < end)
        .order_by(Appointment.start)
    )
    rows = list(session.exec(query))
    travel = preferences(session, parent_id=parent_id).travel_minutes
    found = flags(
        [
            Timed(a.id, as_utc(a.start), as_utc(a.end), a.location, a.all_day, a.cancelled)
            for a in rows
        ],
        travel_minutes=travel,
    )
    by_id = {a.id: a for a in rows}
    news = unseen_news(session, appointments=rows)
    views = [
        AppointmentView(
            a,
            tuple(found.get(a.id, ())),
            tuple((f, by_id[f.other_id]) for f in found.get(a.id, ()) if f.other_id in by_id),
            news.get(a.id),
        )
        for a in rows
    ]
    if agency in Agency.__members__:
        views = [v for v in views if v.appointment.agency == agency]
    if not include_cancelled:
        views = [v for v in views if not v.appointment.cancelled]
    return views


@dataclass(frozen=True)
class AppointmentDetail:
    appointment: Appointment
    history: list[AppointmentChange]
    sources: list[CalendarSource]
    flags: tuple[Flag, ...]
    others: dict[int, Appointment]


def appointment_detail(
    session: Session, *, parent_id: int, appointment_id: int
) -> AppointmentDetail | None:
    """One appointment with its history, its sources and what it clashes with."""
    appointment = session.get(Appointment, appointment_id)
    if appointment is None or appointment.parent_id != parent_id:
        return None
    history = list(
        session.exec(
            select(AppointmentChange)
            .where(AppointmentChange.appointment_id == appointment_id)
            .order_by(AppointmentChange.noticed_at, AppointmentChange.id)
        )
    )
    ids = [int(i) for i in appointment.source_ids.split(",") if i]
    sources = [s for s in (session.get(CalendarSource, i) for i in ids) if s is not None]
    day = dt.timedelta(days=1)
    around = appointments_between(
        session,
        parent_id=parent_id,
        start=as_utc(appointment.start) - day,
        end=as_utc(appointment.end) + day,
    )
    mine = next((v.flags for v in around if v.appointment.id == appointment_id), ())
    others = {v.appointment.id: v.appointment for v in around}
    return AppointmentDetail(appointment, history, sources, mine, others)


def set_travel_minutes(session: Session, *, parent_id: int, minutes: int) -> None:
    """How long the parent needs to get between two places."""
    if not 0 <= minutes <= 240:
        raise FormError({"travel_minutes": N_("Enter a number of minutes from 0 to 240.")})
    prefs = preferences(session, parent_id=parent_id)
    prefs.travel_minutes = minutes
    session.add(prefs)
    session.commit()


# Out -------------------------------------------------------------------------------------


def reset_feed_token(session: Session, *, parent_id: int) -> str:
    """A new secret address for the parent's merged calendar; the old one stops working."""
    token = secrets.token_urlsafe(24)
    prefs = preferences(session, parent_id=parent_id)
    prefs.feed_token_hash = hashlib.sha256(token.encode()).hexdigest()
    session.add(prefs)
    session.commit()
    return token


def parent_for_feed_token(session: Session, *, token: str) -> int | None:
    digest = hashlib.sha256(token.encode()).hexdigest()
    prefs = session.exec(
        select(CalendarPreferences).where(CalendarPreferences.feed_token_hash == digest)
    ).first()
    return prefs.parent_id if prefs else None


def ics_events(appointments: list[Appointment]) -> list:
    """Each appointment as an RFC 5545 VEVENT (cancelled ones say so)."""
    import icalendar

    stamp = _now()
    events = []
    for appointment in appointments:
        event = icalendar.Event()
        event.add(
            "uid",
            f"{appointment.id}-{hashlib.sha256(appointment.match_key.encode()).hexdigest()[:16]}@nextsteps",
        )
        event.add("dtstamp", stamp)
        if appointment.all_day:
            days = appointment.days
            event.add("dtstart", days[0])
            event.add("dtend", days[-1] + dt.timedelta(days=1))  # the day after, as RFC 5545 says
        else:
            event.add("dtstart", as_utc(appointment.start))
            event.add("dtend", as_utc(appointment.end))
        event.add("summary", appointment.summary or "Appointment")
        if appointment.location:
            event.add("location", appointment.location)
        notes = "\n".join(
            filter(
                None,
                [
                    appointment.what_to_bring and f"Bring: {appointment.what_to_bring}",
                    appointment.notes,
                ],
            )
        )
        if notes:
            event.add("description", notes)
        event.add("status", "CANCELLED" if appointment.cancelled else "CONFIRMED")
        events.append(event)
    return events


def to_ics(appointments: list[Appointment], *, name: str = "Next Steps") -> bytes:
    """RFC 5545 calendar of appointments (cancelled ones say so), for any phone's calendar."""
    import icalendar

    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Next Steps//Calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    # Times go out in UTC; this (widely honoured, not in RFC 5545) names the zone the
    # calendar was kept in, for all-day dates and for apps that show a calendar's own zone.
    calendar.add("x-wr-timezone", localtime.zone().key)
    for event in ics_events(appointments):
        calendar.add_component(event)
    return calendar.to_ical()


def upcoming_for_export(session: Session, *, parent_id: int, now: dt.datetime) -> list[Appointment]:
    query = (
        select(Appointment)
        .where(Appointment.parent_id == parent_id, Appointment.end > now - dt.timedelta(days=60))
        .order_by(Appointment.start)
    )
    return list(session.exec(query))


# What a kind of meeting is: the explainer for it, from words in its title or its agency.
EXPLAINER_WORDS = [
    ("pre-proceedings", "pre-proceedings-meeting"),
    ("pre proceedings", "pre-proceedings-meeting"),
    ("core group", "child-protection-plan"),
    ("review conference", "child-protection-plan"),
    ("family group", "family-group-conference"),
    ("discharge", "hospital-and-discharge-planning"),
    ("conference", "child-protection-conference"),
    ("strategy", "strategy-discussion-and-section-47"),
    ("pre-birth assessment", "pre-birth-assessment"),
    ("parenting assessment", "parenting-assessments"),
    ("hearing", "care-proceedings"),
    ("court", "care-proceedings"),
    ("guardian", "childrens-guardian"),
    ("cafcass", "childrens-guardian"),
    ("family time", "family-time"),
    ("contact", "family-time"),
    ("solicitor", "your-solicitor"),
    ("probation", "probation-and-criminal-justice"),
]
AGENCY_EXPLAINERS = {
    Agency.child_protection_conference: "child-protection-conference",
    Agency.family_court: "care-proceedings",
    Agency.cafcass: "childrens-guardian",
    Agency.solicitor: "your-solicitor",
    Agency.probation: "probation-and-criminal-justice",
    Agency.childrens_social_care: "whos-who",
    Agency.perinatal_mental_health: "asking-for-help",
    Agency.substance_use: "asking-for-help",
}


def explainer_for(appointment: Appointment) -> str | None:
    """The explainer that says what this kind of meeting is, if we can tell."""
    title = appointment.summary.casefold()
    for words, slug in EXPLAINER_WORDS:
        if words in title:
            return slug
    return AGENCY_EXPLAINERS.get(appointment.agency)


def all_appointments(session: Session, *, parent_id: int) -> list[Appointment]:
    """Every appointment a parent has, past and to come, cancelled or not."""
    query = select(Appointment).where(Appointment.parent_id == parent_id)
    return list(session.exec(query.order_by(Appointment.start, Appointment.id)))


def export(session: Session, *, parent_id: int) -> dict:
    """The whole calendar as plain data for the parent's own download: every appointment
    with where it came from and its full history, every calendar, and the travel time."""

    def when(value):
        return as_utc(value).isoformat() if value else None

    sources = parent_sources(session, parent_id=parent_id)
    names = {source.id: source_name(source) for source in sources}
    appointments = all_appointments(session, parent_id=parent_id)
    changes: dict[int, list[AppointmentChange]] = {}
    if appointments:
        rows = session.exec(
            select(AppointmentChange)
            .where(AppointmentChange.appointment_id.in_([a.id for a in appointments]))  # type: ignore[union-attr]
            .order_by(AppointmentChange.noticed_at, AppointmentChange.id)
        )
        for row in rows:
            changes.setdefault(row.appointment_id, []).append(row)
    events = session.exec(
        select(SourceEvent).where(SourceEvent.source_id.in_(list(names)))  # type: ignore[union-attr]
    ).all() if names else []  # fmt: skip
    manual = {s.id for s in sources if s.kind == SourceKind.manual}
    typed_keys = {f"{e.uid}|{e.recurrence_id}" for e in events if e.source_id in manual}
    letter_keys = {f"{e.uid}|{e.recurrence_id}" for e in events
                   if e.source_id in manual and e.from_letter}  # fmt: skip
    return {
        "calendars": [
            {
                "name": names[source.id], "agency": source.agency.value, "kind": source.kind.value,
                "address": source.feed_url, "added_at": when(source.created_at),
                "last_checked_at": when(source.last_success_at), "problem": source.last_error,
                "appointments_it_says": sum(1 for e in events if e.source_id == source.id),
            }
            for source in sources
        ],
        "appointments": [
            {
                "id": a.id, "title": a.summary, "agency": a.agency.value,
                "start": when(a.start), "end": when(a.end), "all_day": a.all_day,
                "place": a.location, "who": a.attendees, "details": a.description,
                "what_to_bring": a.what_to_bring, "notes": a.notes, "cancelled": a.cancelled,
                "typed_in_by_me": a.match_key in typed_keys or bool(_ids(a) & manual),
                "from_a_letter": a.match_key in letter_keys,
                "from": [names[i] for i in sorted(_ids(a)) if i in names],
                "first_seen_at": when(a.first_seen_at), "opened_at": when(a.seen_at),
                "history": [
                    {
                        "what": change.kind.value, "noticed_at": when(change.noticed_at),
                        "by": "me" if change.by_parent else change.said_by or None,
                        "before": json.loads(change.before or "{}"),
                        "after": json.loads(change.after or "{}"),
                    }
                    for change in changes.get(a.id, [])
                ],
            }
            for a in appointments
        ],
        "travel_minutes": preferences(session, parent_id=parent_id).travel_minutes,
    }  # fmt: skip
