"""What a parent wants to be told and when: reminder times, quiet hours, discreet wording."""

import datetime as dt

from sqlmodel import Session

from app.forms import N_, FormError
from app.notify.models import DEFAULT_REMINDERS, REMINDER_CHOICES, NotificationPreferences


def preferences(session: Session, *, user_id: int) -> NotificationPreferences:
    """The person's notification choices (the defaults until they change them)."""
    return session.get(NotificationPreferences, user_id) or NotificationPreferences(
        user_id=user_id, reminders=DEFAULT_REMINDERS
    )


def reminder_codes(prefs: NotificationPreferences) -> list[str]:
    return [code for code in prefs.reminders.split(",") if code in REMINDER_CHOICES]


def _parse_clock(value: str, name: str) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.time.fromisoformat(value).strftime("%H:%M")
    except ValueError:
        raise FormError({name: N_("Enter a time, for example 21:30.")}) from None


def checked_quiet_hours(quiet_start: str, quiet_end: str) -> tuple[str | None, str | None]:
    """Both quiet-hours times as HH:MM (or neither), else a FormError naming the field."""
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
    return start, end


def store(
    session: Session,
    *,
    user_id: int,
    reminders: list[str],
    quiet: tuple[str | None, str | None],
    discreet: bool,
) -> NotificationPreferences:
    """Writes checked choices (does not commit)."""
    prefs = session.get(NotificationPreferences, user_id) or NotificationPreferences(
        user_id=user_id
    )
    prefs.reminders = ",".join(code for code in REMINDER_CHOICES if code in set(reminders))
    prefs.quiet_start, prefs.quiet_end = quiet
    prefs.discreet = discreet
    session.add(prefs)
    session.flush()
    return prefs
