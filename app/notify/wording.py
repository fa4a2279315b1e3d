"""Wording: one place that makes a message's words for any channel, in the person's
language (`User.locale`, else English), dates and times by Babel in TIMEZONE, discreet if
they chose so ("You have an appointment tomorrow at 10:00": never who or what)."""

import datetime as dt
import json
from dataclasses import dataclass

from babel.dates import format_skeleton, format_time
from sqlmodel import Session, select

from app.accounts.models import User
from app.calendar.labels import AGENCY_NAMES
from app.calendar.models import Appointment, AppointmentChange, ChangeKind
from app.clock import as_utc
from app.forms import N_
from app.i18n import formatting_locale, locale_info
from app.localtime import zone
from app.notify.models import OutboxKind, OutboxMessage
from app.notify.outbox import tag_for
from app.notify.preferences import preferences
from app.resources.models import PackDelivery, SharePack


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
class Message:
    """A message's words, the same for every channel that carries it."""

    title: str
    body: str
    url: str  # a path on this site, in the person's language
    tag: str
    lang: str
    dir: str
    urgency: str
    expires_at: dt.datetime | None
    change_ids: tuple[int, ...] = ()


def render(
    session: Session,
    *,
    message: OutboxMessage,
    locales: list[str],
    now: dt.datetime,
    only: tuple[str, ...] | None = None,
) -> Message | None:
    """The message's words, or None when it is no longer owed (its appointment was
    cancelled, or every change it told of is in the past). `only`: the languages a channel
    can carry (texts: English or Welsh); the words are then in one of those, and the link
    still opens the page in the person's own language."""
    user = session.get(User, message.user_id)
    if user is None:
        return None
    code = user.locale if user.locale in locales else "en"
    words = Words(code if only is None or code in only else only[0], now)
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
    return Message(
        title=title[:120],
        body=body,
        url=url,
        tag=tag_for(message.key),
        lang=words.info.code,
        dir=words.info.direction,
        urgency=urgency,
        expires_at=as_utc(message.expires_at) if message.expires_at else None,
        change_ids=change_ids,
    )


# Texts and emails ----------------------------------------------------------------------

#: Two SMS parts of GSM characters (153 each once split); Notify charges per part.
TEXT_LIMIT = 306


def text(words: Message, *, link: str) -> str:
    """A text message: the discreet words and a link, within two SMS parts."""
    body = " ".join(words.body.split())
    room = TEXT_LIMIT - (len(link) + 1 if link else 0)
    if len(body) > room:
        body = body[: room - 1].rstrip() + "…"
    return f"{body}\n{link}" if link else body


def email(words: Message, *, link: str, open_label: str) -> tuple[str, str, str]:
    """(subject, plain text, simple HTML) of an email: no images, nothing that tracks."""
    from markupsafe import escape

    lines = [line for line in words.body.split("\n") if line.strip()]
    plain = "\n\n".join([*lines, *([f"{open_label}: {link}"] if link else [])]) + "\n"
    paragraphs = "".join(f"<p>{escape(line)}</p>" for line in lines)
    if link:
        paragraphs += f'<p><a href="{escape(link)}">{escape(open_label)}</a></p>'
    html = (
        f'<!doctype html><html lang="{escape(words.lang)}" dir="{escape(words.dir)}"><head>'
        f'<meta charset="utf-8"><title>{escape(words.title)}</title></head>'
        f"<body>{paragraphs}</body></html>"
    )
    return words.title, plain, html
