"""iCalendar cancellations mean what RFC 5545 says: a whole series, or the one occurrence
named by RECURRENCE-ID; each cancelled appointment keeps it in its history."""

import datetime as dt

import pytest
from sqlmodel import select

from app.calendar import service
from app.calendar.models import Appointment, AppointmentChange, ChangeKind
from tests import factories

NOW = dt.datetime(2026, 3, 15, 12, 0, tzinfo=dt.UTC)
UID = "series-7@trust.example"


def calendar(*lines: str, method: str = "") -> bytes:
    head = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN"]
    head += [f"METHOD:{method}"] if method else []
    return "\r\n".join([*head, *lines, "END:VCALENDAR", ""]).encode()


def vevent(*lines: str) -> list[str]:
    return ["BEGIN:VEVENT", f"UID:{UID}", "DTSTAMP:20260301T090000Z", *lines, "END:VEVENT"]


SERIES = calendar(*vevent(
    "DTSTART;TZID=Europe/London:20260309T100000", "DTEND;TZID=Europe/London:20260309T110000",
    "RRULE:FREQ=WEEKLY;COUNT=5", "SEQUENCE:0", "SUMMARY:Parenting group",
), method="REQUEST")  # fmt: skip


@pytest.fixture
def parent(db):
    return factories.user(db)


def upload(db, parent, data, agency="voluntary_sector"):
    return service.import_file(db, parent_id=parent.id, data=data, agency=agency, label="",
                               now=NOW)  # fmt: skip


def appointments(db, parent):
    query = select(Appointment).where(Appointment.parent_id == parent.id)
    return list(db.exec(query.order_by(Appointment.start)))


def history(db, appointment):
    query = select(AppointmentChange).where(AppointmentChange.appointment_id == appointment.id)
    return [c.kind for c in db.exec(query.order_by(AppointmentChange.id))]


def states(db, parent):
    return [(a.start.day, a.cancelled) for a in appointments(db, parent)]


SERIES_CANCELS = {
    "method-cancel": calendar(*vevent(
        "DTSTART;TZID=Europe/London:20260309T100000", "SEQUENCE:1", "SUMMARY:Parenting group",
    ), method="CANCEL"),
    "status-cancelled": calendar(*vevent(
        "DTSTART;TZID=Europe/London:20260309T100000", "SEQUENCE:1", "STATUS:CANCELLED",
        "SUMMARY:Parenting group",
    )),
}  # fmt: skip


@pytest.mark.parametrize("cancel", SERIES_CANCELS.values(), ids=SERIES_CANCELS.keys())
def test_a_cancellation_without_recurrence_id_cancels_the_series_still_to_come(db, parent, cancel):
    upload(db, parent, SERIES)
    assert states(db, parent) == [(9, False), (16, False), (23, False), (30, False), (6, False)]
    outcome = upload(db, parent, cancel)
    assert outcome.cancelled == 4
    # The one already held (9 March) happened: it stays as it was. No separate one-off.
    assert states(db, parent) == [(9, False), (16, True), (23, True), (30, True), (6, True)]
    for appointment in appointments(db, parent)[1:]:
        assert history(db, appointment) == [ChangeKind.new, ChangeKind.cancelled]


def test_a_series_cancelled_in_another_agencys_upload_is_still_the_same_series(db, parent):
    upload(db, parent, SERIES, agency="health_visiting")
    upload(db, parent, SERIES_CANCELS["method-cancel"], agency="other")
    assert states(db, parent) == [(9, False), (16, True), (23, True), (30, True), (6, True)]


def test_a_cancellation_with_recurrence_id_cancels_that_occurrence_only(db, parent):
    upload(db, parent, SERIES)
    one = calendar(*vevent(
        "RECURRENCE-ID;TZID=Europe/London:20260323T100000",
        "DTSTART;TZID=Europe/London:20260323T100000", "SEQUENCE:1", "SUMMARY:Parenting group",
    ), method="CANCEL")  # fmt: skip
    assert upload(db, parent, one).cancelled == 1
    assert states(db, parent) == [(9, False), (16, False), (23, True), (30, False), (6, False)]
    cancelled = appointments(db, parent)[2]
    assert history(db, cancelled) == [ChangeKind.new, ChangeKind.cancelled]


def test_a_cancellation_for_a_one_off_still_cancels_it(db, parent):
    one_off = calendar(
        "BEGIN:VEVENT", "UID:single@gp.example", "DTSTAMP:20260301T090000Z",
        "DTSTART:20260320T090000Z", "DTEND:20260320T093000Z", "SUMMARY:GP", "END:VEVENT",
    )  # fmt: skip
    upload(db, parent, one_off, agency="gp")
    cancel = one_off.replace(b"VERSION:2.0", b"VERSION:2.0\r\nMETHOD:CANCEL")
    upload(db, parent, cancel, agency="gp")
    (gp,) = appointments(db, parent)
    assert gp.cancelled and history(db, gp) == [ChangeKind.new, ChangeKind.cancelled]
