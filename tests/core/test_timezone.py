"""TIMEZONE is honoured everywhere a date or time is made or read: calendar views, typed-in
times, calendar files (floating times in, the zone named out), reminder times and their
words. Asia/Kolkata (UTC+05:30, no summer time) is far enough from London that every
place still on London time would put these appointments on another day or hour."""

import datetime as dt
import json

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app import localtime
from app.accounts.export import calendar_file
from app.calendar import service
from app.calendar.models import Appointment
from app.clock import as_utc
from app.deps import get_session
from app.main import create_app
from app.notify import planning, wording
from app.notify.channels.push import payload
from app.notify.models import OutboxKind, OutboxMessage
from app.settings import Settings
from tests import factories
from tests.calendar.test_routes import upload
from tests.factories import post, sign_in_as
from tests.pages import PageClient

ZONE = "Asia/Kolkata"


@pytest.fixture
def zoned(settings, engine, db):
    """The app with TIMEZONE=Asia/Kolkata; the process's zone is put back afterwards."""
    app = create_app(settings.model_copy(update={"timezone": ZONE}), engine=engine)
    app.dependency_overrides[get_session] = lambda: db
    app.state.clock = factories.Clock()  # 2026-11-23 09:00 UTC, 14:30 in Kolkata
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield PageClient(test_client)
    localtime.configure(settings.timezone)


def test_timezone_is_read_in_one_place():
    """No module but app/localtime.py names a zone or makes one."""
    from app.settings import ROOT

    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "app").rglob("*.py")
        if path.name not in ("localtime.py", "settings.py")
        and ("Europe/London" in path.read_text() or "ZoneInfo(" in path.read_text())
    ]
    assert offenders == []


def test_an_unknown_zone_stops_start_up():
    with pytest.raises(ValueError, match="TIMEZONE"):
        Settings(timezone="Europe/Atlantis")


def test_views_typed_in_times_files_and_reminders_follow_timezone(zoned, db):
    parent = factories.user(db, display_name="Asha")
    sign_in_as(zoned, db, parent)
    assert localtime.zone().key == ZONE

    # Typed in at 02:00 on the 25th, Kolkata time: 20:30 UTC on the 24th.
    response = post(zoned, "/en/calendar/appointments", {
        "agency": "midwifery", "summary": "Early scan", "date": "2026-11-25",
        "start_time": "02:00", "end_time": "03:00",
    })  # fmt: skip
    assert response.status_code == 303, response.text
    scan = db.exec(select(Appointment).where(Appointment.summary == "Early scan")).one()
    assert as_utc(scan.start) == dt.datetime(2026, 11, 24, 20, 30, tzinfo=dt.UTC)

    # The week shows it on Wednesday the 25th at 02:00 (London would say Tuesday, 20:30).
    _, week = zoned.page("/en/calendar/week?start=2026-11-23")
    day = next(d for d in week.select(".week__day") if "Early scan" in d.get_text())
    assert "Wednesday 25 November" in day.h2.get_text()
    assert "02:00" in day.get_text() and "20:30" not in day.get_text()
    # The edit form gives the time back as it was typed.
    _, edit = zoned.page(f"/en/calendar/appointments/{scan.id}/edit")
    assert edit.select_one("#f-start_time")["value"] == "02:00"
    assert edit.select_one("#f-date")["value"] == "2026-11-25"

    # A calendar file's floating time (no zone given) is a Kolkata time.
    floating = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\n"
        b"UID:floating-1@test\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261126T100000\r\n"
        b"DTEND:20261126T110000\r\nSUMMARY:Floating visit\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    response = upload(zoned, {"agency": "gp"}, {"file": ("f.ics", floating, "text/calendar")})
    assert response.status_code == 303, response.text
    visit = db.exec(select(Appointment).where(Appointment.summary == "Floating visit")).one()
    assert as_utc(visit.start) == dt.datetime(2026, 11, 26, 4, 30, tzinfo=dt.UTC)

    # Files sent out name the zone: the export's VTIMEZONE and the feed's X-WR-TIMEZONE.
    assert b"TZID:Asia/Kolkata" in calendar_file(db, user=parent)
    assert b"X-WR-TIMEZONE:Asia/Kolkata" in service.to_ics([scan])

    # "The evening before" is 19:00 in Kolkata; the words say "tomorrow at 02:00" when
    # sent on the 24th, Kolkata time (in London it would still be "today at 20:30").
    due = planning.reminder_due(as_utc(scan.start), "evening")
    assert due == dt.datetime(2026, 11, 24, 13, 30, tzinfo=dt.UTC)
    message = OutboxMessage(
        key="reminder:tz-test", user_id=parent.id, kind=OutboxKind.reminder,
        appointment_id=scan.id, due_at=due, expires_at=scan.start,
    )  # fmt: skip
    db.add(message)
    db.flush()
    rendered = wording.render(db, message=message, locales=["en"], now=due)
    assert json.loads(payload(rendered))["body"] == "You have an appointment tomorrow at 02:00"
