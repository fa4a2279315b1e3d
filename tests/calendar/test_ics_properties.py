"""Property-based tests of the iCalendar import (Hypothesis): generated rules, dates and
zones never make anything but a result or an IcsError, never more occurrences than the
bound, the right count where it can be worked out, and never a 5xx through the upload.

Bounded for a two-core CI: a fixed number of examples, no deadline per example (timing
is bench/'s business), Hypothesis' example database off so runs are repeatable."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.calendar.ics import IcsError, Limits, parse_ics
from tests.calendar.test_routes import upload

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)  # the tests' clock (factories.START)
ZONES = ["UTC", "Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe",
         "Pacific/Chatham", ""]  # fmt: skip  (""= floating: TIMEZONE's)
FREQS = ["SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"]
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
BOUNDED = settings(max_examples=150, deadline=None, database=None)
QUICK = Limits(max_seconds=1.0)  # the time bound, shortened so that examples stay quick


def stamp(moment: dt.datetime, zone: str, all_day: bool) -> str:
    if all_day:
        return f";VALUE=DATE:{moment:%Y%m%d}"
    if zone == "UTC":
        return f":{moment:%Y%m%dT%H%M%S}Z"
    return (f";TZID={zone}" if zone else "") + f":{moment:%Y%m%dT%H%M%S}"


def calendar(*, start: dt.datetime, zone: str, all_day: bool, rule: str, extra: str = "") -> bytes:
    end = start + (dt.timedelta(days=1) if all_day else dt.timedelta(hours=1))
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//prop//EN", "BEGIN:VEVENT",
             "UID:prop@test.example", "DTSTAMP:20261101T000000Z",
             "DTSTART" + stamp(start, zone, all_day),
             "DTEND" + stamp(end, zone, all_day)]  # fmt: skip
    if rule:
        lines.append("RRULE:" + rule)
    if extra:
        lines.append(extra)
    return "\r\n".join([*lines, "SUMMARY:Generated", "END:VEVENT", "END:VCALENDAR", ""]).encode()


@st.composite
def rules(draw) -> str:
    parts = [f"FREQ={draw(st.sampled_from(FREQS))}"]
    if draw(st.booleans()):
        parts.append(f"INTERVAL={draw(st.integers(0, 400))}")
    ending = draw(st.sampled_from(["none", "count", "until"]))
    if ending == "count":
        parts.append(f"COUNT={draw(st.integers(0, 100_000))}")
    elif ending == "until":
        until = draw(st.datetimes(dt.datetime(1, 1, 2), dt.datetime(9999, 12, 30)))
        parts.append(f"UNTIL={until:%Y%m%dT%H%M%S}Z")
    if draw(st.booleans()):
        parts.append("BYDAY=" + ",".join(draw(st.lists(st.sampled_from(DAYS), min_size=1,
                                                            max_size=7, unique=True))))  # fmt: skip
    if draw(st.booleans()):
        hours = draw(st.lists(st.integers(0, 23), min_size=1, max_size=24, unique=True))
        parts.append("BYHOUR=" + ",".join(map(str, hours)))
    if draw(st.booleans()):
        parts.append(f"BYMONTHDAY={draw(st.integers(-31, 31).filter(bool))}")
    return ";".join(parts)


any_start = st.datetimes(dt.datetime(1, 1, 2), dt.datetime(9999, 12, 30))
near_start = st.datetimes(dt.datetime(2020, 1, 1), dt.datetime(2028, 12, 31))


@BOUNDED
@given(start=st.one_of(any_start, near_start), zone=st.sampled_from(ZONES),
       all_day=st.booleans(), rule=st.one_of(st.just(""), rules()),
       exdate=st.booleans())  # fmt: skip
def test_any_rule_is_read_or_refused_within_the_bound(start, zone, all_day, rule, exdate):
    extra = f"EXDATE{stamp(start, zone, all_day)}" if exdate else ""
    data = calendar(start=start, zone=zone, all_day=all_day, rule=rule, extra=extra)
    try:
        parsed = parse_ics(data, now=NOW, limits=QUICK)
    except IcsError as refused:
        assert refused.code in {"too_many_events", "malformed"}
        return
    assert len(parsed.occurrences) <= Limits().max_occurrences
    for occurrence in parsed.occurrences:
        assert occurrence.start.tzinfo is not None and occurrence.end >= occurrence.start


PERIOD = {"DAILY": dt.timedelta(days=1), "WEEKLY": dt.timedelta(weeks=1)}


@BOUNDED
@given(
    offset=st.integers(-50, 300),  # days from now to the first: well inside the window
    hour=st.integers(0, 23),
    zone=st.sampled_from(ZONES),
    all_day=st.booleans(),
    freq=st.sampled_from(sorted(PERIOD)),
    interval=st.integers(1, 3),
    count=st.integers(1, 20),
)
def test_a_counted_rule_inside_the_window_gives_exactly_its_count(
    offset, hour, zone, all_day, freq, interval, count
):
    start = (NOW + dt.timedelta(days=offset)).replace(hour=hour, tzinfo=None)
    rule = f"FREQ={freq};INTERVAL={interval};COUNT={count}"
    # The last repeat must fall inside the window too (60 days back, 400 ahead).
    if offset + (count - 1) * interval * PERIOD[freq].days > 395:
        count = 1
        rule = f"FREQ={freq};COUNT=1"
    parsed = parse_ics(calendar(start=start, zone=zone, all_day=all_day, rule=rule), now=NOW)
    assert len(parsed.occurrences) == count
    starts = [o.start for o in parsed.occurrences]
    assert len(set(starts)) == count, "each repeat once"
    assert all(o.all_day is all_day for o in parsed.occurrences)


@pytest.fixture
def signed_in_parent(client, db, app):
    from tests import factories

    app.state.clock = factories.Clock()
    factories.sign_in_as(client, db, factories.user(db))
    return client


@settings(max_examples=25, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(start=st.one_of(any_start, near_start), zone=st.sampled_from(ZONES),
       all_day=st.booleans(), rule=st.one_of(st.just(""), rules()))  # fmt: skip
def test_an_upload_of_any_rule_never_answers_a_server_error(signed_in_parent, start, zone,
                                                           all_day, rule):  # fmt: skip
    data = calendar(start=start, zone=zone, all_day=all_day, rule=rule)
    response = upload(signed_in_parent, {"agency": "gp"},
                      {"file": ("p.ics", data, "text/calendar")})  # fmt: skip
    assert response.status_code in (303, 400), response.status_code
