"""The words alone: the forms of dates, times and places letters use, read by
app/letters/extract.py (no picture, no database)."""

import datetime as dt

import pytest

from app.letters import extract


@pytest.mark.parametrize(
    ("text", "date", "start", "end"),
    [
        (
            "Dear Sam\nThe meeting is on Tuesday 19 January 2027 at 10.30am.",
            "2027-01-19",
            "10:30",
            "",
        ),
        ("Dear Sam\nDate: 03/02/2027\nTime: 2pm", "2027-02-03", "14:00", ""),
        (
            "Dear Sam\nYour appointment: Wed 10 Mar 2027, 11:00 - 12:30",
            "2027-03-10",
            "11:00",
            "12:30",
        ),
        ("Annwyl Sam\nDydd Iau 15 Ebrill 2027 am 2.15yp", "2027-04-15", "14:15", ""),
        ("Dear Sam\nheld on 4th February 2027 from 1.30 to 3pm", "2027-02-04", "13:30", "15:00"),
        (
            "Printed on 01/02/2027\nDear Sam\nYou have an appointment on 08/02/2027 at 09:15",
            "2027-02-08",
            "09:15",
            "",
        ),
        (
            "Date: 2 March 2027\nDear Sam\nWe will meet on Friday 12 March 2027 at noon.",
            "2027-03-12",
            "12:00",
            "",
        ),
        (
            "Dear Sam\nYour appointment is on Thursday, 4th February 2027 at 2:15pm.",
            "2027-02-04",
            "14:15",
            "",
        ),
        (
            "Dear Sam\nWe will see you on the 12th of March 2027 at 14.00.",
            "2027-03-12",
            "14:00",
            "",
        ),
        ("Dear Sam\nDate and time: 15/03/27 10:00", "2027-03-15", "10:00", ""),
        ("Dear Sam\nAppointment: 10:00am, Monday 8 March 2027", "2027-03-08", "10:00", ""),
        ("Dear Sam\nThe hearing is listed for 2pm on 22 April 2027.", "2027-04-22", "14:00", ""),
        (
            "Dear Sam\nThe meeting is on 19.01.2027 between 10am and 12pm.",
            "2027-01-19",
            "10:00",
            "12:00",
        ),
        (
            "Dear Sam\nOn Mon 1st Mar 2027 10:00-11:30 at Hove Town Hall.",
            "2027-03-01",
            "10:00",
            "11:30",
        ),
        (
            "Annwyl Sam\nCynhelir y cyfarfod ddydd Iau 15 Ebrill 2027 am 10 o'r gloch.",
            "2027-04-15",
            "10:00",
            "",
        ),
        (
            "Date: 1 February 2027\nDear Sam\nYour last appointment was on 20 January 2027. Your "
            "next appointment is on Monday 1 March 2027 at 10am.",
            "2027-03-01",
            "10:00",
            "",
        ),
        ("Dear Sam\nTime: 12 noon\nDate: Wednesday 3 March 2027", "2027-03-03", "12:00", ""),
        (
            "Dear Sam\nAn appointment on Tuesday 19 January 2027.\nStart time 10.30am End time "
            "12.00pm",
            "2027-01-19",
            "10:30",
            "12:00",
        ),
        ("Dear Sam\nI will visit you on 3rd February 2027 at 3.30 p.m.", "2027-02-03", "15:30", ""),
        ("Dear Sam\nfrom 1lam to 12pm on Friday 12 February 2027", "2027-02-12", "11:00", "12:00"),
    ],
)
def test_dates_and_times_in_the_forms_letters_use(text, date, start, end):
    reading = extract.understand(text)
    assert (reading.date, reading.start_time, reading.end_time) == (date, start, end)


def test_the_letters_own_date_alone_is_not_an_appointment():
    reading = extract.understand("Date: 10 May 2027\nDear Ms Taylor,\nPlease call us.")
    assert reading.date == ""


def test_a_place_in_a_table_without_colons_and_an_address_over_lines():
    reading = extract.understand(
        "Dear Sam\nDate Tuesday 2 March 2027\nTime 9.30 am\n"
        "Location Room 3, Civic Centre, Newport NP20 4UR"
    )
    assert reading.location == "Room 3, Civic Centre, Newport NP20 4UR"
    reading = extract.understand(
        "Dear Sam\nThe hearing is at 2pm on 8 March 2027.\nIt will take place at:\n"
        "Bradford Combined Court Centre\nExchange Square\nBradford BD1 1JA\nTime estimate: 1 hour."
    )
    assert reading.location == "Bradford Combined Court Centre, Exchange Square, Bradford BD1 1JA"


def test_ocr_slips_in_postcodes_and_times_are_mended():
    reading = extract.understand(
        "Dear Sam\nMeet on Monday 1 March 2027 at l0.30am\nVenue: Clinic, London E5 OPD"
    )
    assert (reading.start_time, reading.location) == ("10:30", "Clinic, London E5 0PD")


def test_a_place_from_a_postcode_line():
    reading = extract.understand(
        "Dear Sam\nYour hearing is on Monday 5 April 2027 at 10am.\n"
        "The Law Courts\nMain Street, Bradford BD1 1LA"
    )
    assert reading.kind == "hearing"
    assert reading.location.endswith("BD1 1LA")


@pytest.mark.parametrize(
    ("text", "date", "start", "end"),
    [
        ("Dear Sam\nWhen: Tuesday 19 January 2027, 10.30am to 12 noon", "2027-01-19", "10:30",
         "12:00"),
        ("Dear Sam\nDate of meeting: 03/02/2027\nTime of meeting: 14:00", "2027-02-03", "14:00",
         ""),
        ("Dear Sam\nAppointment date: 03/02/2027\nAppointment time: 2.30pm", "2027-02-03", "14:30",
         ""),
        ("Dear Sam\nThe meeting is on 3 February 2027. Start: 10:00 Finish: 11:30", "2027-02-03",
         "10:00", "11:30"),
        ("Dear Sam\nPlease come on 19-Jan-2027 at 1030hrs.", "2027-01-19", "10:30", ""),
        ("Dear Sam\nThe meeting is on January 19, 2027 at 10.30 a.m.", "2027-01-19", "10:30", ""),
        # No year: the next such day (and the one whose weekday the letter names).
        ("4 January 2027\nDear Sam\nThe conference is on Tuesday 19th January at 10.30am.",
         "2027-01-19", "10:30", ""),
        ("Dear Sam\nWe will meet on Monday 4 January at 2pm.", "2027-01-04", "14:00", ""),
        ("Dear Sam\nYour appointment is on 14 December at 11:00.", "2026-12-14", "11:00", ""),
    ],
)  # fmt: skip
def test_labels_and_dates_without_a_year(text, date, start, end):
    reading = extract.understand(text, today=dt.date(2026, 12, 7))
    assert (reading.date, reading.start_time, reading.end_time) == (date, start, end)
