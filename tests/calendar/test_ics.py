"""iCalendar as Google, Outlook/Exchange, Apple and NHS booking systems write it."""

import datetime as dt
from pathlib import Path

import pytest

from app.calendar.ics import IcsError, Limits, parse_ics

FIXTURES = Path(__file__).parent / "fixtures"
NOW = dt.datetime(2026, 3, 15, 12, 0, tzinfo=dt.UTC)
UTC = dt.UTC


def parse(name: str, **kwargs):
    return parse_ics((FIXTURES / name).read_bytes(), now=NOW, **kwargs)


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def test_google_weekly_series_with_exdate_and_an_override_across_the_clock_change():
    by_start = {o.start: o for o in parse("google.ics").occurrences}
    # 17 March is GMT (09:30 UTC); after 29 March it is BST (08:30 UTC).
    assert at(2026, 3, 17, 9, 30) in by_start
    assert at(2026, 3, 24, 9, 30) not in by_start, "EXDATE removes 24 March"
    assert at(2026, 3, 31, 8, 30) in by_start
    moved = by_start[at(2026, 4, 7, 13, 0)]
    assert moved.summary == "Antenatal appointment (afternoon this week)"
    assert moved.recurrence_id == at(2026, 4, 7, 8, 30).isoformat()
    assert moved.end - moved.start == dt.timedelta(minutes=45)
    assert at(2026, 4, 7, 8, 30) not in by_start, "the override replaces the 7 April repeat"
    assert by_start[at(2026, 3, 17, 9, 30)].location == "Riverside Health Centre, 12 Mill Lane"
    assert at(2026, 4, 14, 8, 30) in by_start, "UNTIL is inclusive"


def test_all_day_event_keeps_its_date_in_london():
    day = next(o for o in parse("google.ics").occurrences if o.all_day)
    assert day.start == at(2026, 4, 19, 23, 0)  # midnight BST on 20 April
    assert day.recurrence_id == "", "a one-off keeps a stable key when moved"


def test_outlook_windows_zone_names_attendees_and_sequence():
    (conference,) = parse("outlook.ics").occurrences
    assert conference.start == at(2026, 3, 25, 10, 0)
    assert conference.end == at(2026, 3, 25, 11, 30)
    assert conference.attendees == ("Sam Parent", "Priya Shah (Conference Chair)")
    assert "You can bring a supporter." in conference.description
    assert conference.sequence == 0
    assert parse("outlook.ics").method == "REQUEST"
    (moved,) = parse("outlook_moved.ics").occurrences
    assert moved.key == conference.key and moved.sequence == 1
    assert moved.start == at(2026, 3, 27, 14, 0)


def test_outlook_cancellation():
    calendar = parse("outlook_cancel.ics")
    assert calendar.is_cancellation
    assert calendar.occurrences[0].cancelled


def test_apple_event_and_a_time_that_does_not_exist_in_london():
    occurrences = {o.summary: o for o in parse("apple.ics").occurrences}
    assert occurrences["Probation appointment"].start == at(2026, 3, 30, 8, 0)
    assert occurrences["Probation appointment"].location == "Probation Office\n4 Station Road"
    night = occurrences["Night that the clocks go forward"]
    assert night.start == at(2026, 3, 29, 0, 30)
    assert night.end == at(2026, 3, 29, 1, 30), "02:30 BST is 01:30 UTC"


def test_nhs_booking_floating_times_duration_and_cancelled_status():
    occurrences = {o.summary: o for o in parse("nhs_booking.ics").occurrences}
    first = occurrences["Perinatal mental health team - first appointment"]
    assert first.start == at(2026, 3, 31, 10, 15), "floating 11:15 is London time (BST)"
    assert "<script>" in first.description, "kept as text; templates escape it"
    scan = occurrences["Scan"]
    assert scan.end - scan.start == dt.timedelta(minutes=45)
    assert scan.cancelled


def test_a_rule_with_no_end_is_expanded_only_within_the_window():
    data = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:forever\r\n"
        b"DTSTART:20260101T090000Z\r\nDTEND:20260101T093000Z\r\nRRULE:FREQ=DAILY\r\n"
        b"SUMMARY:Daily\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    occurrences = parse_ics(data, now=NOW, limits=Limits(days_back=10, days_ahead=20)).occurrences
    assert len(occurrences) == 30  # 09:00 each day from 6 March to 4 April
    assert max(o.start for o in occurrences) <= NOW + dt.timedelta(days=20)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"   \r\n", "empty"),
        (b"\xff\xfe\x00B\x00E\x00G", "not_utf8"),
        (b"<html><body>Please sign in</body></html>", "not_calendar"),
        (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:notadate\r\nEND:VEVENT\r\n"
         b"END:VCALENDAR", "malformed"),
        (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VCALENDAR", "malformed"),
    ],
)  # fmt: skip
def test_bad_files_say_what_is_wrong(data, code):
    with pytest.raises(IcsError) as caught:
        parse_ics(data, now=NOW)
    assert caught.value.code == code


def test_a_50_mb_file_is_refused_before_parsing():
    with pytest.raises(IcsError) as caught:
        parse_ics(b"X" * (50 * 1024 * 1024), now=NOW)
    assert caught.value.code == "too_big"


def test_a_100000_event_file_is_refused():
    event = b"BEGIN:VEVENT\r\nUID:%d\r\nDTSTART:20260401T090000Z\r\nEND:VEVENT\r\n"
    body = b"".join(event % i for i in range(100_000))
    data = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + body + b"END:VCALENDAR\r\n"
    with pytest.raises(IcsError) as caught:
        parse_ics(data, now=NOW, limits=Limits(max_bytes=len(data) + 1))
    assert caught.value.code == "too_many_events"
