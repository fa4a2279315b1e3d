"""iCalendar in: files as real systems write them, turned into plain occurrences in UTC.

icalendar parses (VTIMEZONE, Windows zone names as Outlook writes them) and
recurring-ical-events expands RRULE, RDATE, EXDATE and RECURRENCE-ID overrides within a
bounded window. Floating times are taken as TIMEZONE's; all-day events keep their
dates. Everything about size is capped before work is done, and expansion is bounded by
count and by time: a rule that would make too many repeats (an endless minutely rule, or
one started decades ago) is refused before it is expanded.
"""

import contextlib
import datetime as dt
import math
import threading
import time
from dataclasses import dataclass, field

import icalendar
import recurring_ical_events

from app.db import seconds_left
from app.localtime import zone

UTC = dt.UTC


class IcsError(Exception):
    """A calendar file we cannot use; `code` picks the message shown to the parent."""

    def __init__(self, code: str, detail: str = "", *, count: int = 0) -> None:
        self.code, self.detail, self.count = code, detail, count
        super().__init__(f"{code}: {detail}" if detail else code)


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 5 * 1024 * 1024
    max_events: int = 5000  # VEVENT components in one file
    max_occurrences: int = 5000  # after expanding recurrences
    days_back: int = 60
    days_ahead: int = 400
    # Repeats a rule may step through from its start to the end of the window (dateutil
    # walks every one, even those before the window): weekly since 1970 is about 3,000.
    max_rule_steps: int = 200_000
    max_seconds: float = 5.0  # wall time for expanding one file
    keep_past: bool = False  # the parent asked to keep appointments older than days_back
    past_years: int = 20  # how far back "keep them" reaches


# At most two calendar files are expanded at once in a process, so a crowd of uploads
# cannot take every core and every thread; the others wait their turn.
_EXPANDING = threading.BoundedSemaphore(2)


@dataclass(frozen=True)
class Occurrence:
    """One appointment as a source gave it, times in UTC."""

    uid: str
    recurrence_id: str  # "" for a one-off; the original start (UTC ISO) for a repeat
    start: dt.datetime
    end: dt.datetime
    all_day: bool
    summary: str
    location: str
    description: str
    status: str  # CONFIRMED, TENTATIVE or CANCELLED
    sequence: int
    attendees: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        return self.uid, self.recurrence_id

    @property
    def cancelled(self) -> bool:
        return self.status == "CANCELLED"


@dataclass
class ParsedCalendar:
    method: str  # "PUBLISH", "REQUEST", "CANCEL"…
    occurrences: list[Occurrence] = field(default_factory=list)
    skipped: int = 0  # events too broken to read; the parent is told how many
    past: int = 0  # appointments older than the window, when none are in it

    @property
    def is_cancellation(self) -> bool:
        return self.method == "CANCEL"


def _text(component, name: str, limit: int = 2000) -> str:
    value = component.get(name)
    if value is None:
        return ""
    return str(value).replace("\r\n", "\n").strip()[:limit]


def _as_utc(value: dt.date | dt.datetime, *, end_of_day: bool = False) -> tuple[dt.datetime, bool]:
    """A start or end in UTC; (time, all_day). Floating times are local (TIMEZONE)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=zone())
        return value.astimezone(UTC), False
    # An all-day event: local midnight of that date.
    return dt.datetime.combine(value, dt.time(0), zone()).astimezone(UTC), True


def _recurrence_id(component, repeating: set[str]) -> str:
    # The expander stamps every occurrence with a RECURRENCE-ID; a one-off event keeps ""
    # so that when it is moved we see the same appointment moved, not a new one.
    value = component.get("RECURRENCE-ID")
    if value is None or str(component.get("UID", "")) not in repeating:
        return ""
    return _as_utc(value.dt)[0].isoformat()


def _repeating_uids(calendar) -> set[str]:
    return {
        str(event.get("UID", ""))
        for event in calendar.walk("VEVENT")
        if any(event.get(name) is not None for name in ("RRULE", "RDATE", "RECURRENCE-ID"))
    }


def _occurrence(component, repeating: set[str]) -> Occurrence:
    start_value = component.get("DTSTART")
    if start_value is None:
        raise IcsError("malformed", "an event has no start")
    start, all_day = _as_utc(start_value.dt)
    end_value = component.get("DTEND")
    if end_value is not None:
        end, _ = _as_utc(end_value.dt)
    elif component.get("DURATION") is not None:
        end = start + component.get("DURATION").dt
    else:
        end = start + (dt.timedelta(days=1) if all_day else dt.timedelta(0))
    if end < start:
        end = start
    attendees = component.get("ATTENDEE") or []
    if not isinstance(attendees, list):
        attendees = [attendees]
    names = tuple(
        str(a.params.get("CN") or str(a).removeprefix("mailto:").removeprefix("MAILTO:"))[:120]
        for a in attendees[:30]
    )
    try:
        sequence = int(component.get("SEQUENCE", 0))
    except (TypeError, ValueError):
        sequence = 0
    return Occurrence(
        uid=_text(component, "UID", 500)
        or f"no-uid:{start.isoformat()}:{_text(component, 'SUMMARY', 80)}",
        recurrence_id=_recurrence_id(component, repeating),
        start=start,
        end=end,
        all_day=all_day,
        summary=_text(component, "SUMMARY", 300),
        location=_text(component, "LOCATION", 500),
        description=_text(component, "DESCRIPTION"),
        status=(_text(component, "STATUS", 20) or "CONFIRMED").upper(),
        sequence=sequence,
        attendees=names,
    )


def parse_ics(
    data: bytes, *, now: dt.datetime | None = None, limits: Limits = Limits()
) -> ParsedCalendar:
    """Every occurrence in the window around `now`, or an IcsError saying what is wrong."""
    if len(data) > limits.max_bytes:
        raise IcsError("too_big", f"{len(data)} bytes")
    if not data.strip():
        raise IcsError("empty")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise IcsError("not_utf8") from None
    if "BEGIN:VCALENDAR" not in text[:2000].upper():
        raise IcsError("not_calendar")
    if text.upper().count("BEGIN:VEVENT") > limits.max_events:
        raise IcsError("too_many_events")
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except (ValueError, IndexError, KeyError, TypeError) as exc:
        raise IcsError("malformed", type(exc).__name__) from None

    method = _text(calendar, "METHOD", 20).upper() or "PUBLISH"
    events = calendar.walk("VEVENT")
    broken = [event for event in events if getattr(event, "errors", None)]
    now = now or dt.datetime.now(UTC)
    back = (
        dt.timedelta(days=365 * limits.past_years)
        if limits.keep_past
        else dt.timedelta(days=limits.days_back)
    )
    window = (now - back, now + dt.timedelta(days=limits.days_ahead))
    if not _EXPANDING.acquire(timeout=seconds_left(60)):
        raise IcsError("busy")
    try:
        _check_rules(events, window_end=window[1], limits=limits)
        occurrences = _expand(calendar, window, limits)
        past = 0
        if not occurrences and not limits.keep_past:
            far_back = now - dt.timedelta(days=365 * limits.past_years)
            past = len(_expand(calendar, (far_back, window[0]), limits))
    finally:
        _EXPANDING.release()
    if broken and not occurrences and not past:
        raise IcsError("malformed", f"{len(broken)} unreadable events")
    return ParsedCalendar(method, occurrences, skipped=len(broken), past=past)


_FREQ_SECONDS = {
    "SECONDLY": 1, "MINUTELY": 60, "HOURLY": 3600, "DAILY": 86400, "WEEKLY": 7 * 86400,
    "MONTHLY": 28 * 86400, "YEARLY": 365 * 86400,
}  # fmt: skip
# BY parts that can make several repeats out of one step of the rule.
_EXPANDING_PARTS = ("BYSECOND", "BYMINUTE", "BYHOUR", "BYDAY", "BYMONTHDAY", "BYYEARDAY",
                    "BYWEEKNO", "BYMONTH")  # fmt: skip


def _check_rules(events, *, window_end: dt.datetime, limits: Limits) -> None:
    """Refuses, before any expansion, a rule whose repeats up to the window's end would be
    more than the bound: the steps from its start times what its BY parts multiply."""
    for event in events:
        rules = event.get("RRULE")
        if rules is None:
            continue
        start_value = event.get("DTSTART")
        if start_value is None:
            continue
        try:
            start, _ = _as_utc(start_value.dt)
        except (AttributeError, TypeError, ValueError, OverflowError):
            continue  # left to the expander, which skips a broken series
        for rule in rules if isinstance(rules, list) else [rules]:
            try:
                _check_rule(rule, start=start, window_end=window_end, limits=limits)
            except (ValueError, TypeError, AttributeError):
                continue  # a rule icalendar could not read: the expander skips its series


def _check_rule(rule, *, start: dt.datetime, window_end: dt.datetime, limits: Limits) -> None:
    """Refuses one rule whose repeats up to the window's end would be more than the bound."""
    freq = str((rule.get("FREQ") or ["YEARLY"])[0]).upper()
    try:
        interval = int((rule.get("INTERVAL") or [1])[0])
    except (TypeError, ValueError):
        interval = 1
    if interval < 1:  # RFC 5545 wants a positive integer; dateutil loops forever on 0
        raise IcsError("malformed", "a rule's INTERVAL is not positive")
    end = window_end
    until = (rule.get("UNTIL") or [None])[0]
    if until is not None:
        with contextlib.suppress(TypeError, ValueError, OverflowError):
            end = min(end, _as_utc(until)[0])
    span = max((end - start).total_seconds(), 0)
    steps = span / (_FREQ_SECONDS.get(freq, 86400) * interval) + 1
    per_step = math.prod(len(rule.get(part) or [None]) for part in _EXPANDING_PARTS)
    count = (rule.get("COUNT") or [None])[0]
    filtered = any(part.startswith("BY") for part in rule)
    # A short counted rule stops early, however fine its steps, unless BY parts
    # filter its steps (then it may walk a long way to find its count).
    if count is not None and not filtered:
        with contextlib.suppress(TypeError, ValueError):
            steps = min(steps, int(count))
    if steps * per_step > limits.max_rule_steps:
        raise IcsError("too_many_events", f"a {freq} rule repeats too often")


def _expand(calendar, window, limits: Limits) -> list[Occurrence]:
    """Occurrences in the window, one series at a time, stopping at the count or time bound."""
    deadline = time.monotonic() + limits.max_seconds
    try:
        repeating = _repeating_uids(calendar)
        query = recurring_ical_events.of(calendar, skip_bad_series=True)
        occurrences, seen = [], set()
        for series in query.series:
            try:
                for found in series.between(*window):
                    component = found.as_component(query.keep_recurrence_attributes)
                    occurrence = _occurrence(component, repeating)
                    # An all-day series with an hourly or finer rule lands on one date
                    # many times: that date is one appointment.
                    if occurrence.key in seen:
                        continue
                    seen.add(occurrence.key)
                    occurrences.append(occurrence)
                    if len(occurrences) > limits.max_occurrences:
                        raise IcsError("too_many_events", "after expanding repeats")
                    if time.monotonic() > deadline:
                        raise IcsError("too_many_events", "expanding took too long")
            except query._skip_errors:
                continue
            if time.monotonic() > deadline:
                raise IcsError("too_many_events", "expanding took too long")
    except IcsError:
        raise
    except Exception as exc:  # the libraries raise many kinds on broken input
        raise IcsError("malformed", type(exc).__name__) from None
    return occurrences
