"""Planning: which notifications are owed and when, in the transaction of their cause.

A reminder's key names the appointment, the reminder time and the appointment's start,
so when an appointment moves its old reminders are cancelled and new ones planned, and the
same reminder can never be queued twice (the key is unique). Change notices group every
new, moved or cancelled appointment of one refresh into one message. The words are made
when a message is sent (`wording.render`), in the person's language, discreet if chosen.
"""

import datetime as dt
import json
import secrets
from dataclasses import dataclass

from sqlalchemy import or_
from sqlmodel import Session, select

from app.calendar.models import Appointment, AppointmentChange, ChangeKind, SourceKind
from app.clock import as_utc
from app.localtime import at, zone
from app.notify import addresses
from app.notify.devices import has_devices
from app.notify.models import (
    AddressKind,
    Channel,
    NotificationPreferences,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
)
from app.notify.outbox import insert_new
from app.notify.preferences import preferences, reminder_codes

EVENING_HOUR = 19
CHANGE_NOTICE_LIFETIME = dt.timedelta(days=7)
NOTIFIED_KINDS = {ChangeKind.new, ChangeKind.moved, ChangeKind.cancelled, ChangeKind.restored}
# Changes the parent did not make themselves: an agency's feed or its API.
NOTIFIED_SOURCES = {SourceKind.feed, SourceKind.agency_api}


# Quiet hours ---------------------------------------------------------------------------


def _clock(value: str | None) -> dt.time | None:
    return dt.time.fromisoformat(value) if value else None


def in_quiet_hours(moment: dt.datetime, prefs: NotificationPreferences) -> bool:
    start, end = _clock(prefs.quiet_start), _clock(prefs.quiet_end)
    if start is None or end is None or start == end:
        return False
    local = moment.astimezone(zone()).time()
    return start <= local < end if start < end else (local >= start or local < end)


def _quiet_bounds(moment: dt.datetime, prefs) -> tuple[dt.datetime, dt.datetime]:
    """The start and end (UTC) of the quiet period that `moment` falls in."""
    start, end = _clock(prefs.quiet_start), _clock(prefs.quiet_end)
    local = moment.astimezone(zone())
    day = local.date()
    if start > end and local.time() < end:  # after midnight in an overnight period
        day -= dt.timedelta(days=1)
    began = at(day, start)
    end_day = day + dt.timedelta(days=1) if start > end else day
    ends = at(end_day, end)
    return began.astimezone(dt.UTC), ends.astimezone(dt.UTC)


def outside_quiet_hours(
    moment: dt.datetime, prefs: NotificationPreferences, *, deadline: dt.datetime | None = None
) -> dt.datetime:
    """`moment`, or when quiet hours end; if that is too late for `deadline` (a reminder for
    an appointment that starts before then), just before quiet hours began instead."""
    if not in_quiet_hours(moment, prefs):
        return moment
    began, ends = _quiet_bounds(moment, prefs)
    if deadline is None or ends < deadline:
        return ends
    return began - dt.timedelta(minutes=1)


# Reminders -----------------------------------------------------------------------------


def reminder_due(start: dt.datetime, code: str) -> dt.datetime:
    if code == "evening":
        day_before = start.astimezone(zone()).date() - dt.timedelta(days=1)
        return at(day_before, dt.time(EVENING_HOUR)).astimezone(dt.UTC)
    return start - dt.timedelta(minutes=int(code))


def _stamp(moment: dt.datetime) -> str:
    return as_utc(moment).astimezone(dt.UTC).strftime("%Y%m%dT%H%MZ")


def reminder_key(appointment: Appointment, code: str) -> str:
    return f"reminder:{appointment.id}:{code}:{_stamp(appointment.start)}"


@dataclass(frozen=True)
class Planned:
    key: str
    appointment_id: int
    due_at: dt.datetime
    expires_at: dt.datetime
    channel: Channel = Channel.push
    after_push: bool = False  # "push, then text": the text waits to see if the push was shown


# Channels ------------------------------------------------------------------------------

WAY_OF_KIND = {
    OutboxKind.reminder: "reminders_by",
    OutboxKind.changes: "changes_by",
    OutboxKind.shared: "shared_by",
}
Route = tuple[Channel, bool]  # a channel, and whether it waits on the push being shown


def reachable(session: Session, *, user_id: int) -> set[Channel]:
    """The channels this person can be reached on now: a device, a confirmed number or
    address that has not failed."""
    found = {Channel.push} if has_devices(session, user_id=user_id) else set()
    if addresses.usable(session, user_id=user_id, kind=AddressKind.phone):
        found.add(Channel.text)
    if addresses.usable(session, user_id=user_id, kind=AddressKind.email):
        found.add(Channel.email)
    return found


def routes(way: str, reach: set[Channel]) -> list[Route]:
    """The rows one message becomes for a parent's choice. A choice they cannot be reached
    on yet (no number confirmed) falls back to push if they have a device."""
    chosen: list[Route] = []
    if way == "text" and Channel.text in reach:
        chosen = [(Channel.text, False)]
    elif way == "email" and Channel.email in reach:
        chosen = [(Channel.email, False)]
    elif way == "push_then_text":
        if Channel.push in reach:
            chosen = [(Channel.push, False)]
            if Channel.text in reach:
                chosen.append((Channel.text, True))
        elif Channel.text in reach:
            chosen = [(Channel.text, False)]
    if not chosen and Channel.push in reach:
        chosen = [(Channel.push, False)]
    return chosen


def row_key(key: str, channel: Channel) -> str:
    """Each channel's row of one message has its own unique key (push keeps the bare key)."""
    return key if channel == Channel.push else f"{key}:{channel.value}"


def _row(*, key: str, user_id: int, kind: OutboxKind, channel: Channel, after_push: bool,
         data: dict, due_at, expires_at, appointment_id, now) -> dict:  # fmt: skip
    return {
        "key": key,
        "user_id": user_id,
        "kind": kind.name,
        "appointment_id": appointment_id,
        "data": json.dumps({**data, "after_push": True} if after_push else data),
        "status": OutboxStatus.pending.name,
        "due_at": due_at,
        "expires_at": expires_at,
        "attempts": 0,
        "finished_for": "",
        "created_at": now,
        "channel": channel.name,
        "ack": secrets.token_urlsafe(16) if channel == Channel.push else None,
    }


def wanted_reminders(
    appointments: list[Appointment], prefs: NotificationPreferences, *, now: dt.datetime,
    ways: list[Route] | None = None,
) -> dict[str, Planned]:  # fmt: skip
    """Every reminder these appointments call for that is still in the future, one row
    for each channel it goes by."""
    wanted = {}
    for appointment in appointments:
        start = as_utc(appointment.start)
        if appointment.cancelled or start <= now:
            continue
        for code in reminder_codes(prefs):
            due = outside_quiet_hours(reminder_due(start, code), prefs, deadline=start)
            if now <= due < start:
                base = reminder_key(appointment, code)
                for channel, after_push in ways or [(Channel.push, False)]:
                    key = row_key(base, channel)
                    wanted[key] = Planned(key, appointment.id, due, start, channel, after_push)
    return wanted


def plan_reminders(session: Session, *, user_id: int, now: dt.datetime) -> None:
    """Bring the person's pending reminders in line with their appointments and choices:
    new ones planned, moved ones re-planned, those of cancelled appointments cancelled.
    Does not commit: it runs in the transaction of whatever changed."""
    pending = session.exec(
        select(OutboxMessage).where(
            OutboxMessage.user_id == user_id,
            OutboxMessage.kind == OutboxKind.reminder,
            OutboxMessage.status == OutboxStatus.pending,
        )
    ).all()
    prefs = preferences(session, user_id=user_id)
    ways = routes(prefs.reminders_by, reachable(session, user_id=user_id))
    if not ways:
        wanted: dict[str, Planned] = {}
    else:
        appointments = session.exec(
            select(Appointment).where(
                Appointment.parent_id == user_id,
                Appointment.start > now,
                Appointment.cancelled == False,  # noqa: E712
            )
        ).all()
        wanted = wanted_reminders(list(appointments), prefs, now=now, ways=ways)
    for row in pending:
        plan = wanted.get(row.key)
        if plan is None:
            row.status, row.last_error = OutboxStatus.cancelled, "replanned"
        else:
            row.due_at = plan.due_at
        session.add(row)
    # A reminder cancelled earlier (the appointment moved away and back) comes back once.
    known = {row.key: row for row in pending}
    if wanted:
        for row in session.exec(
            select(OutboxMessage).where(
                OutboxMessage.key.in_([k for k in wanted if k not in known]),  # type: ignore[union-attr]
                OutboxMessage.status == OutboxStatus.cancelled,
                # A fallback text not needed because the phone showed the push stays so.
                or_(OutboxMessage.last_error.is_(None), OutboxMessage.last_error != "shown"),  # type: ignore[union-attr]
            )
        ):
            row.status, row.due_at, row.attempts, row.last_error = (
                OutboxStatus.pending, wanted[row.key].due_at, 0, None
            )  # fmt: skip
            session.add(row)
            known[row.key] = row
    session.flush()
    insert_new(
        session,
        [
            _row(
                key=plan.key, user_id=user_id, kind=OutboxKind.reminder, channel=plan.channel,
                after_push=plan.after_push, data={}, due_at=plan.due_at,
                expires_at=plan.expires_at, appointment_id=plan.appointment_id, now=now,
            )  # fmt: skip
            for key, plan in wanted.items()
            if key not in known
        ],
    )


# Change notices ------------------------------------------------------------------------


def queue_change_notice(
    session: Session,
    *,
    user_id: int,
    changes: list[AppointmentChange],
    source_kinds: dict[int, SourceKind],
    now: dt.datetime,
) -> None:
    """One message for every new, moved or cancelled appointment an agency's feed or API
    told us about in this refresh (the parent's own entries need no notice)."""
    if not changes or not reachable(session, user_id=user_id):
        return
    session.flush()  # the changes' ids
    worth = []
    for change in changes:
        if change.kind not in NOTIFIED_KINDS or source_kinds.get(change.source_id) not in (
            NOTIFIED_SOURCES
        ):
            continue
        appointment = session.get(Appointment, change.appointment_id)
        if appointment is None or as_utc(appointment.end) <= now:
            continue  # nobody needs telling about the past
        worth.append(change)
    if not worth:
        return
    _queue_notice(
        session, key=f"changes:{user_id}:{min(c.id for c in worth)}", user_id=user_id,
        kind=OutboxKind.changes, data={"changes": [c.id for c in worth]},
        lifetime=CHANGE_NOTICE_LIFETIME, now=now,
    )  # fmt: skip


def _queue_notice(
    session: Session, *, key: str, user_id: int, kind: OutboxKind, data: dict,
    lifetime: dt.timedelta, now: dt.datetime,
) -> None:  # fmt: skip
    """A notice due now (or when the person's quiet hours end), unless its key is queued:
    one row for each channel the person chose for this kind."""
    prefs = preferences(session, user_id=user_id)
    ways = routes(getattr(prefs, WAY_OF_KIND[kind]), reachable(session, user_id=user_id))
    insert_new(
        session,
        [
            _row(
                key=row_key(key, channel), user_id=user_id, kind=kind, channel=channel,
                after_push=after_push, data=data, due_at=outside_quiet_hours(now, prefs),
                expires_at=now + lifetime, appointment_id=None, now=now,
            )  # fmt: skip
            for channel, after_push in ways
        ],
    )


def after_remerge(
    session: Session,
    *,
    parent_id: int,
    changes: list[AppointmentChange],
    source_kinds: dict[int, SourceKind],
    now: dt.datetime,
) -> None:
    """What the calendar calls after writing a change: notices queued, reminders re-planned,
    in the same transaction."""
    queue_change_notice(
        session, user_id=parent_id, changes=changes, source_kinds=source_kinds, now=now
    )
    plan_reminders(session, user_id=parent_id, now=now)


# Shared with you -----------------------------------------------------------------------

SHARED_NOTICE_LIFETIME = dt.timedelta(days=14)


def queue_shared_notice(
    session: Session, *, user_id: int, delivery_id: int, now: dt.datetime
) -> None:
    """One message saying a worker put a pack in the parent's app; sending the same pack
    again later says so again (the key carries the time), never twice for one sending."""
    if not reachable(session, user_id=user_id):
        return
    _queue_notice(
        session, key=f"shared:{delivery_id}:{_stamp(now)}", user_id=user_id,
        kind=OutboxKind.shared, data={"delivery": delivery_id},
        lifetime=SHARED_NOTICE_LIFETIME, now=now,
    )  # fmt: skip
