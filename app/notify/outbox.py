"""The outbox: which notifications are owed, planned in the transaction of their cause.

A reminder's key names the appointment, the reminder time and the appointment's start,
so when an appointment moves its old reminders are cancelled and new ones planned, and the
same reminder can never be queued twice (the key is unique). Change notices group every
new, moved or cancelled appointment of one refresh into one message. The words are made
when a message is sent (`render`), in the person's language, discreet if they chose so.
"""

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from babel.dates import format_skeleton, format_time
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from app.accounts.models import User, as_utc
from app.calendar.labels import AGENCY_NAMES
from app.calendar.models import Appointment, AppointmentChange, ChangeKind, SourceKind
from app.forms import N_, FormError
from app.i18n import formatting_locale, locale_info
from app.localtime import at, zone
from app.notify.models import (
    DEFAULT_REMINDERS,
    REMINDER_CHOICES,
    NotificationPreferences,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
    PushSubscription,
)
from app.resources.models import PackDelivery, SharePack

EVENING_HOUR = 19
MAX_PAYLOAD = 3000  # bytes of JSON before encryption; push services allow about 4 KB
CHANGE_NOTICE_LIFETIME = dt.timedelta(days=7)
NOTIFIED_KINDS = {ChangeKind.new, ChangeKind.moved, ChangeKind.cancelled, ChangeKind.restored}
# Changes the parent did not make themselves: an agency's feed or its API.
NOTIFIED_SOURCES = {SourceKind.feed, SourceKind.agency_api}


def preferences(session: Session, *, user_id: int) -> NotificationPreferences:
    """The person's notification choices (the defaults until they change them)."""
    return session.get(NotificationPreferences, user_id) or NotificationPreferences(
        user_id=user_id, reminders=DEFAULT_REMINDERS
    )


def has_devices(session: Session, *, user_id: int) -> bool:
    query = select(PushSubscription.id).where(PushSubscription.user_id == user_id).limit(1)
    return session.exec(query).first() is not None


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


def reminder_codes(prefs: NotificationPreferences) -> list[str]:
    return [code for code in prefs.reminders.split(",") if code in REMINDER_CHOICES]


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


def wanted_reminders(
    appointments: list[Appointment], prefs: NotificationPreferences, *, now: dt.datetime
) -> dict[str, Planned]:
    """Every reminder these appointments call for that is still in the future."""
    wanted = {}
    for appointment in appointments:
        start = as_utc(appointment.start)
        if appointment.cancelled or start <= now:
            continue
        for code in reminder_codes(prefs):
            due = outside_quiet_hours(reminder_due(start, code), prefs, deadline=start)
            if now <= due < start:
                key = reminder_key(appointment, code)
                wanted[key] = Planned(key, appointment.id, due, start)
    return wanted


def _insert_new(session: Session, rows: list[dict]) -> None:
    """Adds rows whose key is new; a key already there (from any transaction) is left."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(OutboxMessage).values(rows).on_conflict_do_nothing(index_elements=["key"])
    )


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
    if not has_devices(session, user_id=user_id):
        wanted: dict[str, Planned] = {}
    else:
        appointments = session.exec(
            select(Appointment).where(
                Appointment.parent_id == user_id,
                Appointment.start > now,
                Appointment.cancelled == False,  # noqa: E712
            )
        ).all()
        wanted = wanted_reminders(
            list(appointments), preferences(session, user_id=user_id), now=now
        )
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
            )
        ):
            row.status, row.due_at, row.attempts, row.last_error = (
                OutboxStatus.pending, wanted[row.key].due_at, 0, None
            )  # fmt: skip
            session.add(row)
            known[row.key] = row
    session.flush()
    _insert_new(
        session,
        [
            {
                "key": plan.key,
                "user_id": user_id,
                "kind": OutboxKind.reminder.name,
                "appointment_id": plan.appointment_id,
                "data": "{}",
                "status": OutboxStatus.pending.name,
                "due_at": plan.due_at,
                "expires_at": plan.expires_at,
                "attempts": 0,
                "finished_for": "",
                "created_at": now,
            }
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
    if not changes or not has_devices(session, user_id=user_id):
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
    """A notice due now (or when the person's quiet hours end), unless its key is queued."""
    prefs = preferences(session, user_id=user_id)
    _insert_new(
        session,
        [
            {
                "key": key,
                "user_id": user_id,
                "kind": kind.name,
                "appointment_id": None,
                "data": json.dumps(data),
                "status": OutboxStatus.pending.name,
                "due_at": outside_quiet_hours(now, prefs),
                "expires_at": now + lifetime,
                "attempts": 0,
                "finished_for": "",
                "created_at": now,
            }
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
    if not has_devices(session, user_id=user_id):
        return
    _queue_notice(
        session, key=f"shared:{delivery_id}:{_stamp(now)}", user_id=user_id,
        kind=OutboxKind.shared, data={"delivery": delivery_id},
        lifetime=SHARED_NOTICE_LIFETIME, now=now,
    )  # fmt: skip


# Preferences and devices ---------------------------------------------------------------


def _parse_clock(value: str, name: str) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.time.fromisoformat(value).strftime("%H:%M")
    except ValueError:
        raise FormError({name: N_("Enter a time, for example 21:30.")}) from None


def save_preferences(
    session: Session,
    *,
    user_id: int,
    reminders: list[str],
    quiet_start: str,
    quiet_end: str,
    discreet: bool,
    now: dt.datetime,
) -> NotificationPreferences:
    """Keeps the person's choices and re-plans their reminders to match."""
    errors = {}
    try:
        start = _parse_clock(quiet_start, "quiet_start")
    except FormError as error:
        errors.update(error.errors)
        start = None
    try:
        end = _parse_clock(quiet_end, "quiet_end")
    except FormError as error:
        errors.update(error.errors)
        end = None
    if not errors and (start is None) != (end is None):
        missing = "quiet_end" if end is None else "quiet_start"
        errors[missing] = N_("Give both times for quiet hours, or neither.")
    if not errors and start is not None and start == end:
        errors["quiet_end"] = N_("Quiet hours must end at a different time from when they start.")
    if errors:
        raise FormError(errors)
    prefs = session.get(NotificationPreferences, user_id) or NotificationPreferences(
        user_id=user_id
    )
    prefs.reminders = ",".join(code for code in REMINDER_CHOICES if code in set(reminders))
    prefs.quiet_start, prefs.quiet_end, prefs.discreet = start, end, discreet
    session.add(prefs)
    session.flush()
    plan_reminders(session, user_id=user_id, now=now)
    session.commit()
    return prefs


def list_devices(session: Session, *, user_id: int) -> list[PushSubscription]:
    query = select(PushSubscription).where(PushSubscription.user_id == user_id)
    return list(session.exec(query.order_by(PushSubscription.created_at, PushSubscription.id)))


def subscribe(
    session: Session,
    *,
    user_id: int,
    endpoint: str,
    p256dh: str,
    auth: str,
    device: str,
    now: dt.datetime,
    allow_loopback: bool = False,
) -> PushSubscription:
    """Keeps this browser's push address for the person. A browser belongs to whoever last
    turned notifications on in it: on a shared phone the last person's messages only."""
    from app.notify.webpush import check_subscription

    check_subscription(endpoint=endpoint, p256dh=p256dh, auth=auth, allow_loopback=allow_loopback)
    found = session.exec(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    subscription = found.first()
    previous = subscription.user_id if subscription else None
    if subscription is None:
        subscription = PushSubscription(user_id=user_id, endpoint=endpoint, p256dh="", auth="")
    subscription.user_id, subscription.p256dh, subscription.auth = user_id, p256dh, auth
    subscription.device = device[:120]
    subscription.created_at = subscription.created_at or now
    session.add(subscription)
    session.flush()
    if previous is not None and previous != user_id:
        plan_reminders(session, user_id=previous, now=now)
    plan_reminders(session, user_id=user_id, now=now)
    session.commit()
    return subscription


def remove_device(
    session: Session,
    *,
    user_id: int,
    now: dt.datetime,
    subscription_id: int | None = None,
    endpoint: str | None = None,
) -> bool:
    """Forgets one of the person's devices (by id, or by its push address)."""
    query = select(PushSubscription).where(PushSubscription.user_id == user_id)
    if subscription_id is not None:
        query = query.where(PushSubscription.id == subscription_id)
    elif endpoint:
        query = query.where(PushSubscription.endpoint == endpoint)
    else:
        return False
    subscription = session.exec(query).first()
    if subscription is None:
        return False
    session.delete(subscription)
    session.flush()
    plan_reminders(session, user_id=user_id, now=now)
    session.commit()
    return True


# The words -----------------------------------------------------------------------------


def tag_for(key: str) -> str:
    """The notification's tag: a second copy replaces the first on the device."""
    return "ns-" + hashlib.sha256(key.encode()).hexdigest()[:16]


class Words:
    """Dates, times and messages in one person's language, in TIMEZONE."""

    def __init__(self, code: str, now: dt.datetime) -> None:
        self.info = locale_info(code)
        self.t = self.info.translations
        self.fmt_locale = formatting_locale(code)
        self.zone = zone()
        self.today = now.astimezone(self.zone).date()

    def time(self, moment: dt.datetime) -> str:
        return format_time(as_utc(moment), "short", tzinfo=self.zone, locale=self.fmt_locale)

    def date(self, moment: dt.datetime) -> str:
        local = as_utc(moment).astimezone(self.zone)
        return format_skeleton("MMMMEEEEd", local, tzinfo=self.zone, locale=self.fmt_locale)

    def when(self, moment: dt.datetime, *, today: str, tomorrow: str, other: str) -> str:
        """One of three whole sentences (translators see each), filled with the time."""
        day = as_utc(moment).astimezone(self.zone).date()
        values = {"time": self.time(moment), "date": self.date(moment)}
        if day == self.today:
            return self.t.gettext(today) % values
        if day == self.today + dt.timedelta(days=1):
            return self.t.gettext(tomorrow) % values
        return self.t.gettext(other) % values


def _what(words: Words, appointment: Appointment) -> str:
    agency = words.t.gettext(AGENCY_NAMES[appointment.agency])
    return appointment.summary or agency


def _reminder(words: Words, appointment: Appointment, discreet: bool) -> tuple[str, str]:
    sentence = words.when(
        appointment.start,
        today=N_("You have an appointment today at %(time)s"),
        tomorrow=N_("You have an appointment tomorrow at %(time)s"),
        other=N_("You have an appointment on %(date)s at %(time)s"),
    )
    if discreet:
        return words.t.gettext("Reminder"), sentence
    agency = words.t.gettext(AGENCY_NAMES[appointment.agency])
    details = " · ".join(part for part in (agency, appointment.location) if part)
    return _what(words, appointment), f"{sentence}\n{details}"


CHANGE_SENTENCES = {
    ChangeKind.new: (
        N_("You have a new appointment today at %(time)s"),
        N_("You have a new appointment tomorrow at %(time)s"),
        N_("You have a new appointment on %(date)s at %(time)s"),
    ),
    ChangeKind.restored: (
        N_("You have a new appointment today at %(time)s"),
        N_("You have a new appointment tomorrow at %(time)s"),
        N_("You have a new appointment on %(date)s at %(time)s"),
    ),
    ChangeKind.moved: (
        N_("An appointment has moved to today at %(time)s"),
        N_("An appointment has moved to tomorrow at %(time)s"),
        N_("An appointment has moved to %(date)s at %(time)s"),
    ),
    ChangeKind.cancelled: (
        N_("Your appointment today at %(time)s is cancelled"),
        N_("Your appointment tomorrow at %(time)s is cancelled"),
        N_("Your appointment on %(date)s at %(time)s is cancelled"),
    ),
}


def _change_sentence(words: Words, change: AppointmentChange, appointment: Appointment) -> str:
    today, tomorrow, other = CHANGE_SENTENCES[change.kind]
    return words.when(appointment.start, today=today, tomorrow=tomorrow, other=other)


def _shared(words: Words, message: OutboxMessage, session: Session, discreet: bool):
    """(title, body) of a "shared with you" notice, or None if the pack went."""
    delivery = session.get(PackDelivery, json.loads(message.data).get("delivery"))
    pack = session.get(SharePack, delivery.pack_id) if delivery else None
    if pack is None or pack.withdrawn_at is not None or delivery.hidden_at is not None:
        return None
    if discreet:
        return words.t.gettext("Something new for you"), words.t.gettext(
            "Open Next Steps to see it."
        )
    title = words.t.gettext("%(name)s shared some help with you") % {"name": delivery.sent_by_name}
    return title, pack.title


@dataclass(frozen=True)
class Rendered:
    payload: bytes
    urgency: str
    expires_at: dt.datetime | None
    change_ids: tuple[int, ...] = ()


def render(
    session: Session, *, message: OutboxMessage, locales: list[str], now: dt.datetime
) -> Rendered | None:
    """The message's JSON for the service worker, or None when it is no longer owed (its
    appointment was cancelled, or every change it told of is in the past)."""
    user = session.get(User, message.user_id)
    if user is None:
        return None
    code = user.locale if user.locale in locales else "en"
    words = Words(code, now)
    discreet = preferences(session, user_id=user.id).discreet
    calendar = f"/{code}/calendar/"
    change_ids: tuple[int, ...] = ()
    if message.kind == OutboxKind.reminder:
        appointment = session.get(Appointment, message.appointment_id)
        if appointment is None or appointment.cancelled or as_utc(appointment.start) <= now:
            return None
        title, body = _reminder(words, appointment, discreet)
        url, urgency = f"/{code}/calendar/appointments/{appointment.id}", "high"
    elif message.kind == OutboxKind.changes:
        ids = json.loads(message.data).get("changes", [])
        found = []
        for change in session.exec(select(AppointmentChange).where(AppointmentChange.id.in_(ids))):  # type: ignore[union-attr]
            appointment = session.get(Appointment, change.appointment_id)
            if appointment is not None:
                found.append((change, appointment))
        if not found:
            return None
        change_ids = tuple(sorted(c.id for c, _ in found))
        urgency = "normal"
        if len(found) == 1:
            change, appointment = found[0]
            body = _change_sentence(words, change, appointment)
            title = words.t.gettext("Appointment change") if discreet else _what(words, appointment)
            url = f"/{code}/calendar/appointments/{appointment.id}"
        else:
            title = words.t.gettext("Your calendar has changed")
            body = words.t.ngettext(
                "%(num)d appointment is new, moved or cancelled.",
                "%(num)d appointments are new, moved or cancelled.",
                len(found),
            ) % {"num": len(found)}
            if not discreet:
                lines = [f"{_what(words, a)}: {_change_sentence(words, c, a)}" for c, a in found]
                body = "\n".join([body, *lines])
            url = calendar
    elif message.kind == OutboxKind.shared:
        words_of = _shared(words, message, session, discreet)
        if words_of is None:
            return None
        title, body = words_of
        url, urgency = f"/{code}/resources/shared", "normal"
    else:
        return None
    return Rendered(
        payload=payload(title=title, body=body, url=url, tag=tag_for(message.key), words=words),
        urgency=urgency,
        expires_at=as_utc(message.expires_at) if message.expires_at else None,
        change_ids=change_ids,
    )


def payload(*, title: str, body: str, url: str, tag: str, words: Words) -> bytes:
    """The JSON the service worker shows, kept under MAX_PAYLOAD bytes."""
    data = {
        "title": title[:120],
        "body": body,
        "url": url,
        "tag": tag,
        "lang": words.info.code,
        "dir": words.info.direction,
    }
    encoded = json.dumps(data, ensure_ascii=False).encode()
    while len(encoded) > MAX_PAYLOAD:
        overflow = len(encoded) - MAX_PAYLOAD
        data["body"] = data["body"][: max(0, len(data["body"]) - overflow - 3)].rstrip() + "…"
        encoded = json.dumps(data, ensure_ascii=False).encode()
    return encoded


def export(session: Session, *, user: User) -> dict:
    """The person's notification choices and the devices that get them (never their keys)."""
    prefs = preferences(session, user_id=user.id)

    def when(value):
        return as_utc(value).isoformat() if value else None

    return {
        "reminders": [choice for choice in prefs.reminders.split(",") if choice],
        "quiet_hours": {"from": prefs.quiet_start, "to": prefs.quiet_end}
        if prefs.quiet_start and prefs.quiet_end
        else None,
        "discreet_wording": prefs.discreet,
        "devices": [
            {
                "device": device.device,
                "added_at": when(device.created_at),
                "last_reached_at": when(device.last_success_at),
            }
            for device in list_devices(session, user_id=user.id)
        ],
    }
