"""The demo parent's calendar on a phone: a clash, a travel warning, a moved appointment."""

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
