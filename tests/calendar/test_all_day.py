"""An all-day appointment of several days keeps its end (DTEND): on every day it spans in
the agenda, week and month, on its own page, and in every calendar file sent out."""

import io
import zipfile

import icalendar
import pytest

from tests.calendar.test_routes import upload

TWO_DAYS = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
    b"UID:residential@family.example\r\nDTSTAMP:20261101T000000Z\r\n"
    b"DTSTART;VALUE=DATE:20261125\r\nDTEND;VALUE=DATE:20261127\r\n"
    b"SUMMARY:Residential assessment\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


@pytest.fixture
def uploaded(signed_in):
    response = upload(signed_in, {"agency": "childrens_social_care"},
                      {"file": ("two.ics", TWO_DAYS, "text/calendar")})  # fmt: skip
    assert response.status_code == 303
    return signed_in


def days_with_it(soup, day_selector: str) -> list[str]:
    return [day.get("aria-labelledby") or day.get_text(" ", strip=True)[:12]
            for day in soup.select(day_selector) if "Residential" in day.get_text()]  # fmt: skip


def test_it_is_shown_on_both_days_of_the_agenda_week_and_month(uploaded):
    _, agenda = uploaded.page("/en/calendar/")
    titles = [a.get_text(strip=True) for a in agenda.select(".appointment__title a")]
    assert titles == ["Residential assessment"] * 2
    assert "All day, until Thursday 26 November" in agenda.get_text(" ", strip=True)
    _, week = uploaded.page("/en/calendar/week?start=2026-11-23")
    assert days_with_it(week, ".week__day") == ["day-2026-11-25", "day-2026-11-26"]
    _, month = uploaded.page("/en/calendar/month?month=2026-11")
    busy = [d.select_one(".month__date-long").get_text() for d in month.select(".month__day--busy")]
    assert busy == ["Wednesday, 25 November 2026", "Thursday, 26 November 2026"]


def test_its_page_says_from_and_to(uploaded):
    _, agenda = uploaded.page("/en/calendar/")
    _, page = uploaded.page(agenda.select_one(".appointment__title a")["href"])
    when = page.select_one(".facts dd").get_text(" ", strip=True)
    assert when == "Wednesday, 25 November 2026 – Thursday, 26 November 2026 (all day)"


def dates(data: bytes) -> list[tuple]:
    events = icalendar.Calendar.from_ical(data).walk("VEVENT")
    return [(str(e["DTSTART"].dt), str(e["DTEND"].dt)) for e in events]


def test_every_calendar_file_out_keeps_its_end(uploaded):
    _, agenda = uploaded.page("/en/calendar/")
    href = agenda.select_one(".appointment__title a")["href"]
    one = uploaded.get(href.split("?")[0] + "/calendar.ics")
    assert dates(one.content) == [("2026-11-25", "2026-11-27")]
    archive = zipfile.ZipFile(io.BytesIO(uploaded.get("/en/account/data/export").content))
    assert dates(archive.read("calendar.ics")) == [("2026-11-25", "2026-11-27")]
