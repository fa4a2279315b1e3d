"""Hostile calendar files: bounded by count, rule size and time; the site keeps answering."""

import datetime as dt
import subprocess
import sys
import textwrap
import threading
import time

import httpx
import pytest
import uvicorn

from app.calendar import service
from app.calendar.ics import IcsError, Limits, parse_ics
from tests import factories
from tests.calendar.test_routes import upload
from tests.factories import sign_in_as

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def calendar(*events: str, method: str = "") -> bytes:
    head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
    if method:
        head += f"METHOD:{method}\r\n"
    return (head + "".join(events) + "END:VCALENDAR\r\n").encode()


def event(uid: str, start: str, end: str = "", *lines: str, summary: str = "Visit") -> str:
    body = f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:{start}\r\n"
    if end:
        body += f"DTEND:{end}\r\n"
    body += "".join(line + "\r\n" for line in lines)
    return body + f"SUMMARY:{summary}\r\nEND:VEVENT\r\n"


MINUTELY = calendar(event("bomb", "20200101T000000Z", "20200101T000100Z", "RRULE:FREQ=MINUTELY"))
# One step a year, but BY parts make half a million repeats of each step.
MULTIPLIED = calendar(event(
    "wide", "20260101T000000Z", "", "RRULE:FREQ=YEARLY;BYMONTH=1,2,3,4,5,6,7,8,9,10,11,12;"
    "BYMONTHDAY=1,2,3,4,5,6,7,8,9,10;BYHOUR=1,2,3,4,5,6,7,8,9,10;BYMINUTE=1,2,3,4,5,6,7,8,9,10",
))  # fmt: skip


@pytest.mark.parametrize("data", [MINUTELY, MULTIPLIED], ids=["minutely", "by-parts"])
def test_an_endless_rule_is_refused_at_once(data):
    """By the rule's own size or the count bound, never by waiting out the time bound:
    with no time bound at all it is still refused."""
    with pytest.raises(IcsError) as refused:
        parse_ics(data, now=NOW, limits=Limits(max_seconds=float("inf")))
    assert refused.value.code == "too_many_events"
    assert refused.value.detail in (
        "a MINUTELY rule repeats too often",
        "after expanding repeats",
    ), refused.value.detail


def test_expansion_stops_at_the_count_bound():
    daily = calendar(event("d", "20261101T090000Z", "20261101T100000Z", "RRULE:FREQ=DAILY"))
    with pytest.raises(IcsError):
        parse_ics(daily, now=NOW, limits=Limits(max_occurrences=50))
    assert len(parse_ics(daily, now=NOW).occurrences) == 422, "1 Nov 2026 to 27 Dec 2027"


def test_expansion_stops_at_the_time_bound():
    many = calendar(*[
        event(f"e{i}", "20261101T090000Z", "20261101T100000Z", "RRULE:FREQ=DAILY;COUNT=400")
        for i in range(10)
    ])  # fmt: skip
    with pytest.raises(IcsError) as refused:
        parse_ics(many, now=NOW, limits=Limits(max_seconds=0))
    assert refused.value.detail == "expanding took too long"


def test_a_file_of_only_old_appointments_says_so_and_can_be_kept(signed_in_parent):
    client, db, parent = signed_in_parent
    old = calendar(*[event(f"old{i}", f"2025010{i % 9 + 1}T090000Z", f"2025010{i % 9 + 1}T100000Z")
                     for i in range(11)])  # fmt: skip
    files = {"file": ("old.ics", old, "text/calendar")}
    response = upload(client, {"agency": "gp"}, files)
    assert response.status_code == 400
    assert "All 11 appointments in this file are more than 60 days ago." in response.text
    assert 'name="keep_past"' in response.text
    kept = upload(client, {"agency": "gp", "keep_past": "yes"}, files)
    assert kept.status_code == 303 and "upload-11-0" in kept.headers["location"]


def test_an_endless_rule_uploaded_is_refused_with_a_message(signed_in_parent):
    client, *_ = signed_in_parent
    response = upload(client, {"agency": "gp"}, {"file": ("bomb.ics", MINUTELY, "text/calendar")})
    assert response.status_code == 400
    assert "too many appointments for us to read" in response.text


@pytest.fixture
def signed_in_parent(client, db, app):
    app.state.clock = factories.Clock()
    parent = factories.user(db)
    sign_in_as(client, db, parent)
    return client, db, parent


@pytest.fixture
def served(app):
    """The test's app on a loopback port (uvicorn in a thread, as the browser tests do)."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not (server.started and server.servers):
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=10)


def test_healthz_answers_while_a_worst_case_file_is_being_read_and_refused(
    signed_in_parent, served, monkeypatch
):
    """Reading a calendar is CPU work in a worker thread, never on the event loop: while
    the worst file is being read, the site still answers. Shown by order, not by a clock:
    the reading waits, mid-way, until /healthz has answered; on the event loop it could
    not, and the wait would run out."""
    client, *_ = signed_in_parent
    # The worst file within the size cap: thousands of endless rules, each just under
    # the bound, so every one is checked and expanded until the count or time bound.
    worst = calendar(*[
        event(f"w{i}", "20261120T000000Z", "20261120T000100Z", "RRULE:FREQ=HOURLY")
        for i in range(4000)
    ])  # fmt: skip
    reading, answered, order = threading.Event(), threading.Event(), []
    real_parse = service.parse_ics

    def parse_waiting_for_healthz(*args, **kwargs):
        reading.set()
        order.append("reading" if answered.wait(timeout=30) else "no answer while reading")
        return real_parse(*args, **kwargs)

    monkeypatch.setattr(service, "parse_ics", parse_waiting_for_healthz)
    cookies = dict(client.cookies.items())
    token = factories.csrf(client)
    cookies["csrftoken"] = client.cookies.get("csrftoken")
    outcome = {}

    def send():
        with httpx.Client(base_url=served, cookies=cookies, timeout=120) as http:
            outcome["response"] = http.post(
                f"/en/calendar/sources/upload?csrftoken={token}",
                data={"agency": "gp"}, files={"file": ("w.ics", worst, "text/calendar")},
            )  # fmt: skip

    sender = threading.Thread(target=send)
    sender.start()
    assert reading.wait(timeout=60), "the upload never reached the reading"
    answers = []
    with httpx.Client(base_url=served, timeout=60) as http:
        answers.append(http.get("/healthz").status_code)
        answered.set()
        # And it goes on answering while the (real, bounded) reading runs to its refusal.
        while sender.is_alive():
            answers.append(http.get("/healthz").status_code)
            time.sleep(0.05)
    sender.join()
    print(f"healthz during the upload: {len(answers)} answers")
    assert order == ["reading"], "/healthz did not answer while the file was being read"
    assert set(answers) == {200}
    assert outcome["response"].status_code == 400
    assert "too many appointments for us to read" in outcome["response"].text


RSS_SCRIPT = textwrap.dedent("""
    import datetime as dt, resource, sys
    from app.calendar.ics import IcsError, parse_ics
    data = sys.stdin.buffer.read()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        parse_ics(data, now=dt.datetime(2026, 11, 23, tzinfo=dt.UTC))
    except IcsError as error:
        print("refused", error.code, file=sys.stderr)
    print(before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
""")


@pytest.mark.parametrize("data", [
    MINUTELY,
    calendar(*[event(f"h{i}", "20261120T000000Z", "20261120T000100Z", "RRULE:FREQ=HOURLY")
               for i in range(4000)]),
], ids=["minutely", "many-hourly"])  # fmt: skip
def test_peak_memory_of_an_import_stays_bounded(data):
    done = subprocess.run([sys.executable, "-c", RSS_SCRIPT], input=data, capture_output=True,
                          timeout=120, check=True)  # fmt: skip
    before_kb, peak_kb = map(int, done.stdout.split())
    grown_mb = (peak_kb - before_kb) / 1024
    print(f"import grew the process by {grown_mb:.0f} MB ({done.stderr.decode().strip()})")
    assert grown_mb < 300


# Found by the property test (tests/calendar/test_ics_properties.py).
INTERVAL_ZERO = calendar(event("zero", "20261120T090000Z", "20261120T100000Z",
                               "RRULE:FREQ=DAILY;INTERVAL=0"))  # fmt: skip
ZERO_SCRIPT = textwrap.dedent("""
    import datetime as dt, sys
    from app.calendar.ics import IcsError, parse_ics
    try:
        parse_ics(sys.stdin.buffer.read(), now=dt.datetime(2026, 11, 23, tzinfo=dt.UTC))
    except IcsError as error:
        print(error.code)
""")


def test_a_rule_that_never_moves_on_is_refused_not_expanded_for_ever():
    # In a subprocess: expanded, INTERVAL=0 loops for ever inside dateutil.
    done = subprocess.run([sys.executable, "-c", ZERO_SCRIPT], input=INTERVAL_ZERO,
                          capture_output=True, timeout=30, check=True)  # fmt: skip
    assert done.stdout.decode().strip() == "malformed"


def test_an_all_day_series_with_an_hourly_rule_is_one_appointment_a_day():
    hourly = calendar(event("days", "20261120", "20261121", "RRULE:FREQ=HOURLY;COUNT=72")
                      .replace("DTSTART:", "DTSTART;VALUE=DATE:")
                      .replace("DTEND:", "DTEND;VALUE=DATE:"))  # fmt: skip
    starts = [o.start for o in parse_ics(hourly, now=NOW).occurrences]
    assert len(starts) == len(set(starts)) == 3


def test_an_rrule_icalendar_cannot_read_is_skipped_not_a_crash():
    broken = calendar(event("b", "20261120T090000Z", "", "RRULE:FREQ=DAILY;UNTIL=9990101T000000Z"),
                      event("ok", "20261125T090000Z", "20261125T100000Z"))  # fmt: skip
    try:
        parsed = parse_ics(broken, now=NOW)
    except IcsError as refused:
        assert refused.code == "malformed"
    else:
        assert "ok" in {o.uid for o in parsed.occurrences}
