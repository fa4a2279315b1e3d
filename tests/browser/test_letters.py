"""Reading a letter on a phone: choose a photographed letter, check the filled form, correct
one field, save; the appointment is in the agenda, from a letter."""

import datetime as dt
import re

import pytest

from app.letters import service as letters
from tests.browser.conftest import axe_violations, screenshot
from tests.browser.test_calendar import sign_in_demo_parent
from tests.letters.letter_set import draw
from tests.letters.letter_set import letters as letter_set

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not letters.available(), reason="scripts/test-deps installs Tesseract"),
]


@pytest.fixture
def tidy(live_app):
    """Takes the appointment the test adds off the demo calendar again: other browser tests
    in this process count the demo parent's core group meetings."""
    added = []
    yield added
    from sqlmodel import Session

    from app.calendar import service

    with Session(live_app.state.engine) as session:
        for parent_id, appointment_id in added:
            service.delete_manual(session, parent_id=parent_id, appointment_id=appointment_id,
                                  now=dt.datetime.now(dt.UTC))  # fmt: skip


def test_a_photographed_letter_into_the_calendar(page, demo, live_app, tidy):
    sign_in_demo_parent(page, demo)
    page.goto(f"{demo}/en/calendar/sources")
    page.get_by_role("link", name="Add from a letter").click()
    page.wait_for_url(f"{demo}/en/calendar/letters/new")
    assert page.locator("h1").inner_text() == "Add an appointment from a letter"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "letters-choose-390")
    assert axe_violations(page) == []

    # Offline, the page says reading needs a connection, and sending waits for one.
    note = page.get_by_text("You are offline. Reading a letter needs an internet connection.")
    assert not note.is_visible()
    page.context.set_offline(True)
    note.wait_for(state="visible")
    page.get_by_role("button", name="Read the letter").click()
    assert page.url == f"{demo}/en/calendar/letters/new"
    screenshot(page, "letters-offline-390")
    page.context.set_offline(False)
    note.wait_for(state="hidden")

    letter = next(x for x in letter_set() if x.name == "core-group-photo")
    data, content_type = draw(letter)
    page.get_by_label("Take a photo of a letter").set_input_files(
        {"name": "letter.jpg", "mimeType": content_type, "buffer": data}
    )
    page.get_by_role("button", name="Read the letter").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Check the appointment from the letter"
    assert page.get_by_label("Date").input_value() == "2027-02-04"
    assert page.get_by_label("Starts at").input_value() == "13:30"
    assert page.get_by_label("Ends at").input_value() == "15:00"
    assert page.get_by_label("Where").input_value() == "Family Hub, 3 Mill Lane, Leeds LS1 5AB"
    guide = page.get_by_role("link", name="What is a child protection plan?")
    assert guide.get_attribute("href") == "/en/explainers/child-protection-plan"
    assert page.get_by_text("Check these against your letter").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "letters-check-390")
    assert axe_violations(page) == []

    page.get_by_label("Where").fill("Family Hub, Room 2, 3 Mill Lane, Leeds LS1 5AB")
    page.get_by_role("button", name="Add appointment").click()
    page.wait_for_url(re.compile(r".*/en/calendar/appointments/\d+$"))
    appointment_id = int(page.url.rsplit("/", 1)[1])
    tidy.append((_demo_parent_id(live_app), appointment_id))
    assert "Added from a letter" in page.locator("main").inner_text()
    assert "from a letter" in page.locator("main").inner_text()
    assert "Family Hub, Room 2" in page.locator("main").inner_text()
    screenshot(page, "letters-saved-390")

    page.goto(f"{demo}/en/calendar/")
    item = page.locator(".appointment", has_text="Family Hub, Room 2")
    assert "From a letter" in item.inner_text()
    item.scroll_into_view_if_needed()
    screenshot(page, "letters-agenda-390")
    assert axe_violations(page) == []


def _demo_parent_id(live_app) -> int:
    from sqlmodel import Session, select

    from app.accounts.models import User

    with Session(live_app.state.engine) as session:
        return session.exec(select(User.id).where(User.username == "demo-parent")).one()
