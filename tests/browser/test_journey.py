"""Issue 16 on a phone (390×844, Chromium): the demo parent's calendar tells the truth,
their questions live in one place, and their export holds everything the pages show."""

import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlmodel import Session, select

from app.accounts.models import User
from app.calendar.models import Appointment
from app.demo import DEMO_PASSPHRASES, load_demo_calendar
from tests.browser.conftest import screenshot
from tests.browser.test_calendar import sign_in_demo_parent

pytestmark = pytest.mark.browser


def restore_demo_calendar(live_app, origin: str) -> None:
    """Other browser tests share the demo: put back the calendar this test removed."""
    from app.calendar.worker import run_once

    with Session(live_app.state.engine) as session:
        parent = session.exec(select(User).where(User.username == "demo-parent")).one()
        load_demo_calendar(session, parent_id=parent.id, origin=origin)
    run_once(live_app.state.engine, live_app.state.feed_client)


def unopen_demo_appointments(live_app) -> None:
    """Other browser tests open the core group's page (which makes its move old news)."""
    with Session(live_app.state.engine) as session:
        parent = session.exec(select(User).where(User.username == "demo-parent")).one()
        for appointment in session.exec(
            select(Appointment).where(
                Appointment.parent_id == parent.id, Appointment.summary == "Core group meeting"
            )
        ):
            appointment.seen_at = None
            session.add(appointment)
        session.commit()


def test_demo_parent_journey_calendar_questions_and_export(page, demo, live_app):
    unopen_demo_appointments(live_app)
    sign_in_demo_parent(page, demo)
    try:
        walk(page, demo)
    finally:
        restore_demo_calendar(live_app, demo)


def walk(page, demo):
    # 1. The agenda flags the moved core group.
    page.goto(f"{demo}/en/calendar/")
    title = page.locator(".appointment__title", has_text="Core group meeting")
    core = page.locator(".appointment").filter(has=title)
    assert re.match(r"Moved — was \w+day \d+ \w+, 14:00", core.locator(".flag--news").inner_text())
    screenshot(page, "journey-01-agenda-moved-390")

    # 2. Removing the children's social care calendar asks first, and cancels nothing.
    page.goto(f"{demo}/en/calendar/sources")
    page.get_by_role("link", name="Remove Children's social care").click()
    page.wait_for_load_state()
    assert "does not cancel anything" in page.locator("main").inner_text()
    screenshot(page, "journey-02-remove-confirm-390")
    page.get_by_label("Take them off my calendar").check()
    page.get_by_role("button", name="Remove this calendar").click()
    page.wait_for_load_state()
    assert "Nobody has cancelled them" in page.locator(".notice[role=status]").inner_text()
    for view in ("/en/calendar/?past=true", "/en/calendar/week", "/en/calendar/month"):
        page.goto(f"{demo}{view}")
        text = page.locator("main").inner_text()
        assert "ancelled" not in text, view
        assert "Core group meeting" not in text, view
    screenshot(page, "journey-03-no-cancelled-390")

    # 3. A typed-in appointment: added, changed, deleted on its own.
    day = (dt.date.today() + dt.timedelta(days=9)).isoformat()
    page.goto(f"{demo}/en/calendar/sources")
    page.locator("#f-agency").select_option("gp")
    page.get_by_label("What is it?").fill("GP check-up")
    page.get_by_label("Date").fill(day)
    page.get_by_label("Starts at").fill("09:00")
    page.get_by_label("Ends at").fill("09:20")
    page.get_by_role("button", name="Add appointment").click()
    page.wait_for_url(re.compile(r".*/calendar/appointments/\d+$"))
    page.get_by_role("link", name="Change or move it").click()
    page.get_by_label("Starts at").fill("15:00")
    page.get_by_label("Ends at").fill("15:20")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_load_state()
    assert "Saved" in page.locator(".notice[role=status]").inner_text()
    assert "Moved — by you" in page.locator(".history").inner_text()
    screenshot(page, "journey-04-typed-in-moved-390")
    page.get_by_text("Delete it from my calendar").click()
    page.get_by_role("button", name="Yes, delete it").click()
    page.wait_for_load_state()
    assert "no longer on your calendar" in page.locator(".notice[role=status]").inner_text()
    assert page.locator(".appointment", has_text="GP check-up").count() == 0

    # 4. A question on an appointment page goes to the account.
    page.get_by_role("link", name="Probation appointment", exact=True).click()
    page.wait_for_load_state()
    page.get_by_label("Add a question to ask here").fill("Can I bring my partner?")
    page.get_by_role("button", name="Add question").click()
    page.wait_for_load_state()
    assert "Can I bring my partner?" in page.locator(".question-list").inner_text()
    appointment_url = page.url.split("?")[0]
    appointment_id = appointment_url.rsplit("/", 1)[1]
    screenshot(page, "journey-05-question-on-appointment-390")

    # 5. A question kept on this phone before: signing out says so and offers to keep it.
    page.evaluate(
        """id => localStorage.setItem("nextsteps.questions", JSON.stringify([{id: "dev-q-1",
        text: "Where can I park?", about: "", appointment: id, done: false}]))""",
        appointment_id,
    )
    page.goto(f"{demo}/en/account/")
    assert "Questions kept on this phone only: 1" in page.locator(
        "[data-device-questions-offer]").inner_text()  # fmt: skip
    page.get_by_role("button", name="Sign out").click()
    warning = page.locator("[data-sign-out-questions]")
    warning.wait_for(state="visible")
    assert "Signing out clears them from this phone" in warning.inner_text()
    screenshot(page, "journey-06-sign-out-warning-390")
    page.get_by_role("button", name="Keep them with my account, then sign out").click()
    page.wait_for_url(re.compile(r".*/en/sign-in\?signed_out=1"))
    assert "Your questions are kept with your account" in page.locator(
        "[data-signed-out]").inner_text()  # fmt: skip
    screenshot(page, "journey-07-signed-out-390")

    # 6. Signed in again: both questions are there, the device one with its appointment.
    page.get_by_label("Your name").fill("demo-parent")
    page.get_by_label("Passphrase", exact=True).fill(DEMO_PASSPHRASES["demo-parent"])
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(re.compile(r".*/en/account/$"))
    page.goto(appointment_url)
    on_appointment = page.locator(".question-list").inner_text()
    assert "Can I bring my partner?" in on_appointment
    assert "Where can I park?" in on_appointment
    page.goto(f"{demo}/en/questions/")
    questions_shown = page.locator(".question-list > li").count()
    screenshot(page, "journey-08-questions-390")

    # 7. The export holds every appointment and question the pages show.
    page.goto(f"{demo}/en/calendar/?past=true")
    on_calendar = page.locator(".appointment").count()
    page.goto(f"{demo}/en/account/data")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download my data").click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    data = json.loads(archive.read("my-data.json"))
    ics = Calendar.from_ical(archive.read("calendar.ics"))
    exported = data["calendar"]["appointments"]
    assert len(ics.events) == len(exported) >= on_calendar > 0
    assert {str(e["SUMMARY"]) for e in ics.events} == {a["title"] for a in exported}
    assert len(data["questions"]) == questions_shown >= 2
    minutes = next(q for q in data["questions"] if q["question"] == "Where can I park?")
    assert str(minutes["appointment_id"]) == appointment_id
    page_html = archive.read("my-data.html").decode()
    assert "see_appointments" not in page_html and "+00:00" not in page_html
    print(f"\nexport: {len(exported)} appointments ({len(ics.events)} VEVENTs), "
          f"{len(data['questions'])} questions; calendar page (30 days back, 90 ahead): "
          f"{on_calendar} appointments; questions page: {questions_shown} questions")  # fmt: skip
