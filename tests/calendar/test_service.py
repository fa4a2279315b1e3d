"""The calendar service on SQLite and PostgreSQL: feeds, uploads, manual entry, history."""

import datetime as dt
import http.server
import threading
from pathlib import Path

import pytest
from sqlmodel import select

from app.calendar import service
from app.calendar.feeds import AddressPolicy, guarded_client
from app.calendar.models import Appointment, AppointmentChange, ChangeKind
from app.forms import FormError
from tests import factories

FIXTURES = Path(__file__).parent / "fixtures"
NOW = dt.datetime(2026, 3, 15, 12, 0, tzinfo=dt.UTC)


def at(month, day, hour, minute=0):
    return dt.datetime(2026, month, day, hour, minute, tzinfo=dt.UTC)


class FeedServer(http.server.BaseHTTPRequestHandler):
    body: dict[str, bytes | int] = {}

    def do_GET(self):  # noqa: N802
        answer = self.body.get(self.path, 404)
        if isinstance(answer, int):
            self.send_response(answer)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def feed_server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FeedServer)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture
def client():
    with guarded_client(policy=AddressPolicy(allow_loopback=True), timeout=3) as c:
        yield c


@pytest.fixture
def parent(db):
    return factories.user(db)


def appointments(db, parent):
    query = (
        select(Appointment).where(Appointment.parent_id == parent.id).order_by(Appointment.start)
    )
    return list(db.exec(query))


def history(db, appointment):
    query = select(AppointmentChange).where(AppointmentChange.appointment_id == appointment.id)
    return [c.kind for c in db.exec(query.order_by(AppointmentChange.id))]


def test_feed_refresh_then_a_move_then_a_failure_that_keeps_everything(
    db, parent, feed_server, client
):
    FeedServer.body["/midwife.ics"] = (FIXTURES / "google.ics").read_bytes()
    source = service.add_feed(
        db, parent_id=parent.id, url=feed_server + "/midwife.ics", agency="midwifery",
        label="Midwives", now=NOW,
    )  # fmt: skip
    outcome = service.refresh_source(db, source=source, client=client, now=NOW)
    assert outcome.ok and outcome.changes == len(appointments(db, parent)) > 3
    assert all(history(db, a) == [ChangeKind.new] for a in appointments(db, parent))

    moved = (
        (FIXTURES / "google.ics")
        .read_text()
        .replace("DTSTART;VALUE=DATE:20260420", "DTSTART;VALUE=DATE:20260422")
    )
    FeedServer.body["/midwife.ics"] = moved.replace(
        "DTEND;VALUE=DATE:20260421", "DTEND;VALUE=DATE:20260423"
    ).encode()
    service.refresh_source(db, source=source, client=client, now=NOW + dt.timedelta(hours=1))
    day = next(a for a in appointments(db, parent) if a.all_day)
    assert history(db, day) == [ChangeKind.new, ChangeKind.moved]
    change = db.exec(
        select(AppointmentChange).where(AppointmentChange.kind == ChangeKind.moved)
    ).one()
    assert change.source_id == source.id

    count = len(appointments(db, parent))
    FeedServer.body["/midwife.ics"] = 500
    outcome = service.refresh_source(
        db, source=source, client=client, now=NOW + dt.timedelta(hours=2)
    )
    assert not outcome.ok and source.last_error == "http_status"
    assert len(appointments(db, parent)) == count, "a failing feed keeps its last good appointments"
    assert not any(a.cancelled for a in appointments(db, parent))
    assert source.last_success_at is not None

    FeedServer.body["/midwife.ics"] = b"<html>Sign in</html>"
    outcome = service.refresh_source(
        db, source=source, client=client, now=NOW + dt.timedelta(hours=3)
    )
    assert outcome.error == "not_calendar"
    assert len(appointments(db, parent)) == count


def test_feed_that_drops_a_future_appointment_cancels_it_with_history(
    db, parent, feed_server, client
):
    FeedServer.body["/probation.ics"] = (FIXTURES / "apple.ics").read_bytes()
    source = service.add_feed(
        db, parent_id=parent.id, url=feed_server + "/probation.ics", agency="probation",
        label="", now=NOW,
    )  # fmt: skip
    service.refresh_source(db, source=source, client=client, now=NOW)
    text = (FIXTURES / "apple.ics").read_text()
    without = (
        text[: text.index("BEGIN:VEVENT")] + text[text.index("END:VEVENT") + len("END:VEVENT\n") :]
    )
    FeedServer.body["/probation.ics"] = without.encode()
    service.refresh_source(db, source=source, client=client, now=NOW)
    probation = next(a for a in appointments(db, parent) if a.summary == "Probation appointment")
    assert probation.cancelled
    assert history(db, probation) == [ChangeKind.new, ChangeKind.cancelled]


def test_upload_then_a_newer_invitation_then_a_cancellation(db, parent):
    service.import_file(db, parent_id=parent.id, data=(FIXTURES / "outlook.ics").read_bytes(),
                        agency="child_protection_conference", label="", now=NOW)  # fmt: skip
    (conference,) = appointments(db, parent)
    assert conference.start.replace(tzinfo=dt.UTC) == at(3, 25, 10)
    assert "Priya Shah (Conference Chair)" in conference.attendees
    service.import_file(db, parent_id=parent.id, data=(FIXTURES / "outlook_moved.ics").read_bytes(),
                        agency="child_protection_conference", label="", now=NOW)  # fmt: skip
    service.import_file(db, parent_id=parent.id, data=(FIXTURES / "outlook.ics").read_bytes(),
                        agency="child_protection_conference", label="", now=NOW)  # fmt: skip
    (conference,) = appointments(db, parent)
    assert conference.start.replace(tzinfo=dt.UTC) == at(3, 27, 14), (
        "an older invitation is ignored"
    )
    cancel = (FIXTURES / "outlook_cancel.ics").read_bytes()
    service.import_file(db, parent_id=parent.id, data=cancel,
                        agency="child_protection_conference", label="", now=NOW)  # fmt: skip
    (conference,) = appointments(db, parent)
    assert conference.cancelled
    assert history(db, conference) == [ChangeKind.new, ChangeKind.moved, ChangeKind.cancelled]


def test_the_same_booking_from_a_feed_and_an_upload_is_shown_once(db, parent, feed_server, client):
    FeedServer.body["/cp.ics"] = (FIXTURES / "outlook.ics").read_bytes()
    source = service.add_feed(db, parent_id=parent.id, url=feed_server + "/cp.ics",
                              agency="childrens_social_care", label="", now=NOW)  # fmt: skip
    service.refresh_source(db, source=source, client=client, now=NOW)
    service.import_file(db, parent_id=parent.id, data=(FIXTURES / "outlook.ics").read_bytes(),
                        agency="child_protection_conference", label="", now=NOW)  # fmt: skip
    (one,) = appointments(db, parent)
    assert len(one.source_ids.split(",")) == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "That file is empty."),
        (b"<html></html>", "That file is not a calendar (.ics) file."),
        (b"\xff\xfe\x00", "That file is not in a format we can read."),
    ],
)
def test_a_bad_upload_changes_nothing(db, parent, data, message):
    service.add_manual(db, parent_id=parent.id, agency="housing", summary="Housing officer",
                       date="2026-03-20", start_time="10:00", end_time="", now=NOW)  # fmt: skip
    with pytest.raises(FormError) as caught:
        service.import_file(db, parent_id=parent.id, data=data, agency="gp", label="", now=NOW)
    assert caught.value.errors["file"].text == message
    assert [a.summary for a in appointments(db, parent)] == ["Housing officer"]


def test_manual_entry_in_london_time_with_what_to_bring(db, parent):
    made = service.add_manual(
        db, parent_id=parent.id, agency="solicitor", summary="  See my solicitor ",
        date="2026-04-02", start_time="14:30", end_time="15:15", location="12 High St",
        who="Ms Patel", what_to_bring="Letter before proceedings", notes="<b>ask</b>", now=NOW,
    )  # fmt: skip
    assert made.summary == "See my solicitor"
    assert made.start.replace(tzinfo=dt.UTC) == at(4, 2, 13, 30), "14:30 BST"
    assert made.what_to_bring == "Letter before proceedings" and made.notes == "<b>ask</b>"


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"summary": ""}, "summary"),
        ({"date": "31/02/2026"}, "date"),
        ({"start_time": "25:00"}, "start_time"),
        ({"end_time": "09:00"}, "end_time"),
        ({"agency": "mi5"}, "agency"),
        ({"notes": "x" * 5000}, "notes"),
    ],
)
def test_manual_entry_errors_name_the_field(db, parent, fields, error):
    values = {"agency": "gp", "summary": "GP", "date": "2026-04-02", "start_time": "10:00",
              "end_time": "10:30", **fields}  # fmt: skip
    with pytest.raises(FormError) as caught:
        service.add_manual(db, parent_id=parent.id, now=NOW, **values)
    assert error in caught.value.errors
    assert appointments(db, parent) == []


@pytest.mark.parametrize("url", ["http://127.0.0.1/x", "file:///etc/passwd", "not a url"])
def test_a_feed_address_we_will_not_fetch_is_refused_at_once_or_at_fetch(db, parent, url, client):
    try:
        source = service.add_feed(db, parent_id=parent.id, url=url, agency="gp", label="", now=NOW)
    except FormError as error:
        assert "url" in error.errors
        return
    strict = guarded_client(policy=AddressPolicy(allow_loopback=False))
    outcome = service.refresh_source(db, source=source, client=strict, now=NOW)
    assert outcome.error == "blocked_address"


def test_clash_and_travel_flags_in_the_agenda(db, parent):
    add = lambda summary, start, end, place: service.add_manual(  # noqa: E731
        db, parent_id=parent.id, agency="gp", summary=summary, date="2026-03-20",
        start_time=start, end_time=end, location=place, now=NOW,
    )  # fmt: skip
    add("A", "09:00", "10:00", "Civic Centre")
    add("B", "09:30", "10:30", "Civic Centre")
    add("C", "10:45", "11:30", "St Anne's Hospital")
    views = service.appointments_between(
        db, parent_id=parent.id, start=at(3, 19, 0), end=at(3, 21, 0)
    )
    by_name = {v.appointment.summary: v for v in views}
    assert by_name["A"].clash and by_name["B"].clash and not by_name["C"].clash
    assert by_name["B"].travel and by_name["C"].travel
    service.set_travel_minutes(db, parent_id=parent.id, minutes=10)
    views = service.appointments_between(
        db, parent_id=parent.id, start=at(3, 19, 0), end=at(3, 21, 0)
    )
    assert not any(v.travel for v in views)


def test_private_feed_token_and_ics_export(db, parent):
    service.add_manual(db, parent_id=parent.id, agency="gp", summary="GP <check>",
                       date="2026-03-20", start_time="09:00", end_time="", now=NOW)  # fmt: skip
    token = service.reset_feed_token(db, parent_id=parent.id)
    assert service.parent_for_feed_token(db, token=token) == parent.id
    again = service.reset_feed_token(db, parent_id=parent.id)
    assert service.parent_for_feed_token(db, token=token) is None
    assert service.parent_for_feed_token(db, token=again) == parent.id
    data = service.to_ics(appointments(db, parent))
    from app.calendar.ics import parse_ics

    (back,) = parse_ics(data, now=NOW).occurrences
    assert back.summary == "GP <check>" and back.start == at(3, 20, 9)


def test_claiming_due_feeds(db, parent, feed_server):
    due = service.add_feed(db, parent_id=parent.id, url=feed_server + "/a.ics", agency="gp",
                           label="", now=NOW)  # fmt: skip
    later = service.add_feed(db, parent_id=parent.id, url=feed_server + "/b.ics", agency="gp",
                             label="", now=NOW + dt.timedelta(hours=1))  # fmt: skip
    claimed = service.claim_due_sources(db, now=NOW)
    assert due.id in claimed and later.id not in claimed


def test_deleting_a_source_removes_its_appointments(db, parent):
    service.import_file(db, parent_id=parent.id, data=(FIXTURES / "nhs_booking.ics").read_bytes(),
                        agency="perinatal_mental_health", label="", now=NOW)  # fmt: skip
    (source,) = service.parent_sources(db, parent_id=parent.id)
    service.delete_source(db, parent_id=parent.id, source_id=source.id, now=NOW)
    assert all(
        a.cancelled for a in appointments(db, parent) if a.start.replace(tzinfo=dt.UTC) > NOW
    )


def test_a_look_alike_joins_the_stored_appointment_without_a_stale_copy(db, parent):
    made = service.add_manual(db, parent_id=parent.id, agency="childrens_social_care",
                              summary="Core group", date="2026-03-20", start_time="10:00",
                              end_time="11:00", location="Civic Centre", now=NOW)  # fmt: skip
    invite = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:0000-first@agency\r\n"
        b"DTSTART:20260320T100000Z\r\nDTEND:20260320T110000Z\r\nSUMMARY:Core group\r\n"
        b"LOCATION:Civic Centre\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    service.import_file(db, parent_id=parent.id, data=invite, agency="childrens_social_care",
                        label="", now=NOW)  # fmt: skip
    live = [a for a in appointments(db, parent) if not a.cancelled]
    assert [a.id for a in live] == [made.id]
    assert len(live[0].source_ids.split(",")) == 2


def test_typing_in_what_a_feed_already_has_returns_that_appointment(db, parent):
    invite = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:zzzz@agency\r\n"
        b"DTSTART:20260320T100000Z\r\nDTEND:20260320T110000Z\r\nSUMMARY:Core group\r\n"
        b"END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    service.import_file(db, parent_id=parent.id, data=invite, agency="childrens_social_care",
                        label="", now=NOW)  # fmt: skip
    made = service.add_manual(db, parent_id=parent.id, agency="childrens_social_care",
                              summary="Core group", date="2026-03-20", start_time="10:00",
                              end_time="11:00", client_key="abcdefgh12", now=NOW)  # fmt: skip
    again = service.add_manual(db, parent_id=parent.id, agency="childrens_social_care",
                               summary="Core group", date="2026-03-20", start_time="10:00",
                               end_time="11:00", client_key="abcdefgh12", now=NOW)  # fmt: skip
    assert made.id == again.id
    assert len([a for a in appointments(db, parent) if not a.cancelled]) == 1


def test_one_broken_feed_does_not_stop_the_others(db, parent, feed_server, client):
    FeedServer.body["/good.ics"] = (FIXTURES / "apple.ics").read_bytes()
    bad = service.add_feed(db, parent_id=parent.id, url=feed_server + "/bad.ics", agency="gp",
                           label="", now=NOW - dt.timedelta(hours=1))  # fmt: skip
    good = service.add_feed(db, parent_id=parent.id, url=feed_server + "/good.ics",
                            agency="probation", label="", now=NOW)  # fmt: skip
    original = service.refresh_source

    def explode(session, *, source, client, now):
        if source.id == bad.id:
            raise RuntimeError("something nobody foresaw")
        return original(session, source=source, client=client, now=now)

    service.refresh_source = explode
    try:
        assert service.refresh_due(db, client=client, now=NOW) == 2
    finally:
        service.refresh_source = original
    db.refresh(bad)
    db.refresh(good)
    assert bad.last_error == "unreachable" and good.last_success_at is not None


def test_the_refresher_waits_behind_another_sqlite_writer_instead_of_failing(
    tmp_path, feed_server, client
):
    """make run's first pass met "database is locked": the notifier held the write lock
    while the claim read and then wrote the leases on a stale snapshot."""
    from sqlalchemy import text
    from sqlmodel import Session

    from app.db import make_engine
    from tests.conftest import migrate, settings_for

    engine = make_engine(settings_for(f"sqlite:///{tmp_path / 'feeds.db'}", tmp_path))
    migrate(engine)
    FeedServer.body["/waits.ics"] = (FIXTURES / "apple.ics").read_bytes()
    with Session(engine) as session:
        parent = factories.user(session)
        service.add_feed(session, parent_id=parent.id, url=feed_server + "/waits.ics",
                         agency="gp", label="", now=NOW - dt.timedelta(hours=1))  # fmt: skip
    holder = engine.connect().execution_options(sqlite_immediate=True)
    writing = holder.begin()  # another writer holds the lock, as the notifier sending does
    holder.exec_driver_sql("UPDATE calendar_source SET label = label")
    released = threading.Timer(1.0, lambda: (writing.commit(), holder.close()))
    with Session(engine) as session:
        session.exec(select(Appointment)).all()  # a snapshot older than the other write
        session.commit()
        released.start()
        assert service.refresh_due(session, client=client, now=NOW) == 1
    released.join()
    with Session(engine) as session:
        assert session.exec(text("SELECT count(*) FROM appointment")).one()[0] > 0

    # Another writer commits while the feed is being fetched: nothing read before the
    # fetch may be a stale snapshot for the writes after it.
    original = service.fetch_feed

    def fetch_while_another_writes(*args, **kwargs):
        with engine.begin() as other:
            other.exec_driver_sql("UPDATE calendar_source SET label = label || 'x'")
        return original(*args, **kwargs)

    service.fetch_feed = fetch_while_another_writes
    try:
        with Session(engine) as session:
            source = session.exec(select(service.CalendarSource)).one()
            outcome = service.refresh_source(session, source=source, client=client,
                                             now=NOW + dt.timedelta(hours=2))  # fmt: skip
    finally:
        service.fetch_feed = original
    assert outcome.ok
    engine.dispose()
