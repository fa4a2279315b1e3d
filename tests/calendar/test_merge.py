"""Merging sources into one calendar; what changed; clashes and journeys too short."""

import datetime as dt

from app.calendar.merge import Current, SourceItem, Timed, changes, flags, merge
from app.calendar.models import Agency, ChangeKind, SourceKind

NOW = dt.datetime(2026, 3, 15, 12, 0, tzinfo=dt.UTC)


def at(day, hour, minute=0):
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=dt.UTC)


TEN, ELEVEN = at(20, 10), at(20, 11)


def item(source_id=1, uid="a", start=TEN, end=ELEVEN, **kw):
    defaults = {"kind": SourceKind.feed, "agency": Agency.midwifery, "recurrence_id": ""}
    return SourceItem(source_id=source_id, uid=uid, start=start, end=end, **{**defaults, **kw})


def current_of(desired):
    return {
        key: Current(key, d.start, d.end, d.summary, d.location, d.cancelled)
        for key, d in desired.items()
    }


def test_the_same_uid_from_two_sources_is_one_appointment_listing_both():
    merged = merge([item(1, summary="Scan"), item(2, kind=SourceKind.upload, summary="Scan")])
    (one,) = merged.values()
    assert one.source_ids == (1, 2)


def test_look_alikes_with_different_uids_are_joined_by_time_and_title_or_place():
    merged = merge(
        [
            item(1, uid="feed-1", summary="Core group meeting", location="Civic Centre"),
            item(2, uid="email-9", summary="core group meeting!", kind=SourceKind.upload),
            item(3, uid="other", summary="Something else", location="Elsewhere"),
        ]
    )
    assert sorted(d.source_ids for d in merged.values()) == [(1, 2), (3,)]


def test_higher_sequence_wins_and_manual_notes_are_kept():
    merged = merge(
        [
            item(1, sequence=0, start=at(20, 10), end=at(20, 11)),
            item(2, sequence=1, start=at(21, 14), end=at(21, 15), kind=SourceKind.upload),
            item(3, kind=SourceKind.manual, notes="Ask about the report", what_to_bring="Red book"),
        ]
    )
    (one,) = merged.values()
    assert (one.start, one.end) == (at(21, 14), at(21, 15))
    assert one.notes == "Ask about the report" and one.what_to_bring == "Red book"


def test_new_moved_cancelled_restored_and_changed():
    before = merge([item(uid="a"), item(uid="b", start=at(22, 9), end=at(22, 10))])
    after = merge(
        [
            item(uid="a", start=at(20, 14), end=at(20, 15)),
            item(uid="b", start=at(22, 9), end=at(22, 10), status="CANCELLED"),
            item(uid="c", start=at(23, 9), end=at(23, 10), location="New place"),
        ]
    )
    found = {(c.match_key, c.kind) for c in changes(current_of(before), after, now=NOW)}
    assert found == {("a|", ChangeKind.moved), ("b|", ChangeKind.cancelled), ("c|", ChangeKind.new)}

    back = merge([item(uid="b", start=at(22, 9), end=at(22, 10), location="Room 2")])
    found = {(c.match_key, c.kind) for c in changes(current_of(after), back, now=NOW)}
    assert ("b|", ChangeKind.restored) in found
    assert ("b|", ChangeKind.changed) in found


def test_gone_from_a_source_that_answered_in_full_means_cancelled_if_still_to_come():
    before = merge([item(uid="future"), item(uid="past", start=at(10, 9), end=at(10, 10))])
    sources = {key: d.source_ids for key, d in before.items()}
    found = changes(current_of(before), {}, now=NOW, complete_sources={1}, source_of=sources)
    assert [(c.match_key, c.kind) for c in found] == [("future|", ChangeKind.cancelled)]


def test_gone_while_the_source_failed_changes_nothing():
    before = merge([item(uid="future")])
    sources = {key: d.source_ids for key, d in before.items()}
    assert changes(current_of(before), {}, now=NOW, complete_sources=set(), source_of=sources) == []


def test_clash_and_travel_flags():
    appointments = [
        Timed(1, at(20, 9), at(20, 10), "Civic Centre"),
        Timed(2, at(20, 9, 30), at(20, 10, 30), "Civic Centre"),  # overlaps 1
        Timed(3, at(20, 11), at(20, 12), "Riverside Health Centre"),  # 30 min after 2, elsewhere
        Timed(4, at(20, 14), at(20, 15), "Probation Office"),  # 2 h later: fine
        Timed(5, at(20, 14, 30), at(20, 15), "x", cancelled=True),  # cancelled: ignored
    ]
    result = flags(appointments, travel_minutes=45)
    assert {(f.kind, f.other_id) for f in result[1]} == {("clash", 2)}
    assert {(f.kind, f.other_id) for f in result[2]} == {("clash", 1), ("travel", 3)}
    assert {(f.kind, f.other_id) for f in result[3]} == {("travel", 2)}
    assert 4 not in result and 5 not in result
    assert flags(appointments, travel_minutes=15).get(3) is None
