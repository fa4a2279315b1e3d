"""The demo parent's calendar on a phone: a clash, a travel warning, a moved appointment."""

import datetime as dt
import re

import pytest

from app.demo import DEMO_PASSPHRASES
from tests.browser.conftest import axe_violations, screenshot

pytestmark = pytest.mark.browser


def sign_in_demo_parent(page, base):
    page.goto(f"{base}/en/sign-in")
    page.get_by_label("Your name").fill("demo-parent")
    page.get_by_label("Passphrase", exact=True).fill(DEMO_PASSPHRASES["demo-parent"])
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(re.compile(r".*/en/account/$"))


def test_demo_agenda_clash_travel_and_a_moved_appointment(page, demo):
    sign_in_demo_parent(page, demo)
    page.goto(f"{demo}/en/calendar/")
    assert page.locator("h1").inner_text() == "My appointments"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.locator(".flag--clash").count() == 2
    assert page.locator(".flag--travel").count() == 2
    assert page.locator(".flag--clash").first.is_visible()
    screenshot(page, "calendar-agenda-390")
    assert axe_violations(page) == []

    page.get_by_role("link", name="Core group meeting", exact=True).click()
    page.wait_for_load_state()
    history = page.locator(".history li").all_inner_texts()
    assert history[0].startswith("Added") and history[1].startswith("Moved")
    assert page.get_by_text("You may not have time to get between this").is_visible()
    explainer = page.get_by_role("link", name="What is a child protection plan?")
    assert explainer.get_attribute("href") == "/en/explainers/child-protection-plan"
    page.get_by_label("Add a question to ask here").fill("Who writes the minutes?")
    page.get_by_role("button", name="Add question").click()
    page.wait_for_load_state()
    assert "Who writes the minutes?" in page.locator(".question-list").inner_text()
    screenshot(page, "calendar-appointment-390")
    assert axe_violations(page) == []
    explainer.click()
    page.wait_for_url(f"{demo}/en/explainers/child-protection-plan")


@pytest.mark.parametrize("view", ["week", "month", "sources"])
def test_other_views_are_accessible_on_a_phone(page, demo, view):
    sign_in_demo_parent(page, demo)
    page.goto(f"{demo}/en/calendar/{view}")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert axe_violations(page) == []


def test_an_all_day_appointment_of_two_days_is_on_both_of_them(page, live_server):
    from tests.browser.test_accounts import sign_up

    sign_up(page, live_server, "two-days-parent")
    first = dt.date.today() + dt.timedelta(days=3)
    data = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
        "UID:two-days@family.example\r\nDTSTAMP:20261101T000000Z\r\n"
        f"DTSTART;VALUE=DATE:{first:%Y%m%d}\r\n"
        f"DTEND;VALUE=DATE:{first + dt.timedelta(days=2):%Y%m%d}\r\n"
        "SUMMARY:Residential assessment\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    page.goto(f"{live_server}/en/calendar/sources")
    page.locator("#f-agency-file").select_option("childrens_social_care")
    page.locator("#f-file").set_input_files(
        files=[{"name": "two.ics", "mimeType": "text/calendar", "buffer": data.encode()}]
    )
    page.get_by_role("button", name="Add file").click()
    page.wait_for_load_state()
    page.goto(f"{live_server}/en/calendar/")
    assert page.get_by_role("link", name="Residential assessment").count() == 2
    last = first + dt.timedelta(days=1)
    assert page.get_by_text(f"All day, until {last:%A} {last.day} {last:%B}").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "calendar-two-days-390")
    assert axe_violations(page) == []
