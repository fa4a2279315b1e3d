"""Merging what every source says into one list of appointments, and what changed.

Pure functions over plain values: no database, no clock but the one passed in.
"""

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field

from app.calendar.models import Agency, ChangeKind, SourceKind

# When two sources disagree about one booking, the one closer to the agency wins a tie.
KIND_RANK = {
    SourceKind.agency_api: 4,
    SourceKind.feed: 3,
    SourceKind.upload: 2,
    SourceKind.manual: 1,
}


@dataclass(frozen=True)
class SourceItem:
    """One source's view of one appointment."""

    source_id: int
    kind: SourceKind
    agency: Agency
    uid: str
    recurrence_id: str
    start: dt.datetime
    end: dt.datetime
    all_day: bool = False
    summary: str = ""
    location: str = ""
    description: str = ""
    status: str = "CONFIRMED"
    sequence: int = 0
    attendees: str = ""
    what_to_bring: str = ""
    notes: str = ""

    @property
    def key(self) -> str:
        return f"{self.uid}|{self.recurrence_id}"

    @property
    def cancelled(self) -> bool:
        return self.status == "CANCELLED"


@dataclass(frozen=True)
class Desired:
    """What an appointment should look like now, from every source that has it."""

    match_key: str
    agency: Agency
    start: dt.datetime
    end: dt.datetime
    all_day: bool
    summary: str
    location: str
    description: str
    attendees: str
    what_to_bring: str
    notes: str
    cancelled: bool
    source_ids: tuple[int, ...]
    deciding_source: int


@dataclass(frozen=True)
class Current:
    """An appointment as stored now (the part that a change compares)."""

    match_key: str
    start: dt.datetime
    end: dt.datetime
    summary: str
    location: str
    cancelled: bool


@dataclass(frozen=True)
class Change:
    match_key: str
    kind: ChangeKind
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)
    source_id: int | None = None


def _normal(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.casefold()).strip()


def merge(
    items: list[SourceItem], *, known: frozenset[str] | set[str] = frozenset()
) -> dict[str, Desired]:
    """One Desired per booking: same UID and recurrence together, then look-alikes joined."""
    groups: dict[str, list[SourceItem]] = defaultdict(list)
    for item in items:
        groups[item.key].append(item)
    # Join groups that are the same booking seen by sources that gave it different UIDs:
    # the same times, and the same title or the same place. Hashing on those keeps it linear.
    parent = {key: key for key in groups}

    def root(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    buckets: dict[tuple, list[tuple[int, str]]] = defaultdict(list)
    for key, members in groups.items():
        for member in members:
            for kind, text in (("title", member.summary), ("place", member.location)):
                normal = _normal(text)
                if normal:
                    buckets[(member.start, member.end, kind, normal)].append(
                        (member.source_id, key)
                    )
    for entries in buckets.values():
        if len({source for source, _ in entries}) < 2:
            continue
        first = entries[0][1]
        for _, key in entries[1:]:
            parent[root(key)] = root(first)
    joined: dict[str, list[SourceItem]] = defaultdict(list)
    for key, members in groups.items():
        joined[root(key)].extend(members)

    desired = {}
    for members in joined.values():
        keys = {member.key for member in members}
        # Keep the key an appointment already has, so joining a look-alike never leaves a
        # stale copy behind under the old key.
        match_key = min(keys & set(known)) if keys & set(known) else min(keys)
        deciding = max(members, key=lambda m: (m.sequence, KIND_RANK[m.kind], m.source_id))
        manual = [m for m in members if m.kind == SourceKind.manual]
        desired[match_key] = Desired(
            match_key=match_key,
            agency=deciding.agency,
            start=deciding.start,
            end=deciding.end,
            all_day=deciding.all_day,
            summary=deciding.summary,
            location=deciding.location or next((m.location for m in members if m.location), ""),
            description=deciding.description,
            attendees=deciding.attendees or next((m.attendees for m in members if m.attendees), ""),
            what_to_bring=next((m.what_to_bring for m in manual + members if m.what_to_bring), ""),
            notes=next((m.notes for m in manual + members if m.notes), ""),
            cancelled=deciding.cancelled,
            source_ids=tuple(sorted({m.source_id for m in members})),
            deciding_source=deciding.source_id,
        )
    return desired


def _times(value) -> dict:
    return {"start": value.start.isoformat(), "end": value.end.isoformat()}


def changes(
    current: dict[str, Current],
    desired: dict[str, Desired],
    *,
    now: dt.datetime,
    complete_sources: set[int] = frozenset(),
    source_of: dict[str, tuple[int, ...]] | None = None,
) -> list[Change]:
    """What is new, moved, cancelled, restored or changed between what we had and what
    the sources say now. An appointment gone from every source that listed it, where those
    sources answered in full, is cancelled if it was still to come."""
    found: list[Change] = []
    for key, want in desired.items():
        have = current.get(key)
        if have is None:
            if not want.cancelled:
                found.append(Change(key, ChangeKind.new, {}, _times(want), want.deciding_source))
            continue
        if want.cancelled and not have.cancelled:
            found.append(Change(key, ChangeKind.cancelled, _times(have), {}, want.deciding_source))
            continue
        if have.cancelled and not want.cancelled:
            found.append(Change(key, ChangeKind.restored, {}, _times(want), want.deciding_source))
        elif (have.start, have.end) != (want.start, want.end):
            found.append(
                Change(key, ChangeKind.moved, _times(have), _times(want), want.deciding_source)
            )
        if (have.summary, have.location) != (want.summary, want.location):
            found.append(
                Change(
                    key,
                    ChangeKind.changed,
                    {"summary": have.summary, "location": have.location},
                    {"summary": want.summary, "location": want.location},
                    want.deciding_source,
                )
            )
    for key, have in current.items():
        if key in desired or have.cancelled or have.start <= now:
            continue
        listed_by = (source_of or {}).get(key, ())
        if listed_by and all(source in complete_sources for source in listed_by):
            found.append(Change(key, ChangeKind.cancelled, _times(have), {}, listed_by[0]))
    return found


@dataclass(frozen=True)
class Flag:
    kind: str  # "clash" or "travel"
    other_id: int


@dataclass(frozen=True)
class Timed:
    id: int
    start: dt.datetime
    end: dt.datetime
    location: str
    all_day: bool = False
    cancelled: bool = False


def flags(appointments: list[Timed], *, travel_minutes: int) -> dict[int, list[Flag]]:
    """Clashes (overlapping times) and journeys too short to make (different places with
    less than the travel allowance between them), in one sweep through the day in order.
    Each appointment is compared with the one that ends last before or across its start."""
    timed = sorted(
        (a for a in appointments if not a.all_day and not a.cancelled), key=lambda a: a.start
    )
    result: dict[int, list[Flag]] = defaultdict(list)
    allowance = dt.timedelta(minutes=travel_minutes)
    latest: Timed | None = None  # of those seen so far, the one that ends last
    for current in timed:
        if latest is not None:
            if current.start < latest.end:
                result[latest.id].append(Flag("clash", current.id))
                result[current.id].append(Flag("clash", latest.id))
            elif current.start < latest.end + allowance and _different_places(latest, current):
                result[latest.id].append(Flag("travel", current.id))
                result[current.id].append(Flag("travel", latest.id))
        if latest is None or current.end > latest.end:
            latest = current
    return dict(result)


def _different_places(first: Timed, second: Timed) -> bool:
    a, b = _normal(first.location), _normal(second.location)
    return bool(a and b and a != b)
