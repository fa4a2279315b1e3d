"""Offline, installable and light: the service worker as a parent on a bad connection meets it.

Chromium runs the real worker from /sw.js; `context.set_offline(True)` takes the network
away. Every request is still checked to stay on loopback.
"""

import re
import time

import pytest
from sqlmodel import Session, select

from app.calendar.models import Appointment
from app.demo import DEMO_PASSPHRASES
from tests.browser.conftest import phone_context, screenshot

# A phone that copies every guide for offline: the data saver is off (see conftest.py).
pytestmark = [pytest.mark.browser, pytest.mark.every_guide_offline]


def until(page, expression: str, seconds: float = 30) -> None:
    """Wait until a JavaScript expression is true. (wait_for_function evaluates strings,
    which the page's CSP rightly forbids; page.evaluate goes through DevTools.)"""
    deadline = time.monotonic() + seconds
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {seconds}s: {expression}"
        time.sleep(0.1)


def controlled(page, base: str, path: str = "/en/") -> None:
    """Open a page and wait until the service worker controls it."""
    page.goto(base + path)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    until(page, "!!navigator.serviceWorker.controller")


def precached(page, locale: str = "en") -> None:
    until(page, f"document.documentElement.getAttribute('data-precached') === '{locale}'", 60)


def sign_in(page, base: str) -> None:
    page.goto(f"{base}/en/sign-in")
    page.get_by_label("Your name").fill("demo-parent")
    page.get_by_label("Passphrase", exact=True).fill(DEMO_PASSPHRASES["demo-parent"])
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(re.compile(r".*/en/account/$"))


def has_private_cache(page) -> bool:
    return page.evaluate("caches.has('private')")


def test_an_explainer_never_visited_opens_offline(page, context, live_server):
    controlled(page, live_server)
    precached(page)
    context.set_offline(True)
    try:
        response = page.goto(f"{live_server}/en/explainers/adoption")
        assert response.from_service_worker
        assert page.locator("h1").inner_text() == "What does adoption mean?"
        response = page.goto(f"{live_server}/en/pathway/final-hearing")
        assert response.from_service_worker
        page.goto(f"{live_server}/en/no-such-page-here")
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == "You are offline"
    finally:
        context.set_offline(False)


def test_the_data_saver_keeps_only_the_pages_opened_until_it_is_turned_off(
    browser, watch, live_server
):
    """A parent short of data has the saver on: the worker keeps what they open and fetches
    no guide they did not. Turned off on the install page, it copies every guide."""
    context = phone_context(browser, watch, saves_data=True)
    fetched = []
    context.on("request", lambda request: fetched.append(request.url))
    page = context.new_page()
    controlled(page, live_server, "/en/explainers/")
    page.goto(f"{live_server}/en/explainers/adoption")
    page.goto(f"{live_server}/en/install")
    saver = page.get_by_label("Save data")
    assert saver.is_checked()
    opened = {"/en/explainers/", "/en/explainers/adoption", "/en/install"}
    pages = {url.split(live_server, 1)[1] for url in fetched if url.startswith(live_server)}
    guides = {
        p for p in pages if p.startswith(("/en/explainers/", "/en/glossary/", "/en/pathway/"))
    }
    assert guides <= opened, sorted(guides - opened)[:5]
    assert page.get_attribute("html", "data-precached") is None
    saver.uncheck()
    assert page.locator("[data-data-saver-status]").inner_text() == (
        "Data saver is off. We will keep all the guides in your language."
    )
    page.goto(f"{live_server}/en/")
    precached(page)
    watch.assert_clean()
    context.close()


def test_calendar_offline_shows_the_last_copy_and_its_age(page, context, demo):
    controlled(page, demo)
    sign_in(page, demo)
    page.goto(f"{demo}/en/calendar/")
    assert not page.locator("[data-saved-banner]").is_visible()
    context.set_offline(True)
    try:
        page.reload()
        page.wait_for_load_state()
        banner = page.locator("[data-saved-banner]")
        assert banner.is_visible()
        saved = r"You are offline\. This is the copy saved (now|\d+ minutes? ago|this minute)\."
        assert re.match(saved, banner.inner_text()), banner.inner_text()
        assert page.locator(".flag--clash").count() == 2
        screenshot(page, "calendar-offline-390")
    finally:
        context.set_offline(False)


def test_sign_out_deletes_the_private_cache(page, demo):
    controlled(page, demo)
    sign_in(page, demo)
    page.goto(f"{demo}/en/calendar/")
    assert has_private_cache(page)
    page.get_by_role("button", name="Sign out").first.click()
    page.wait_for_url(re.compile(r".*/en/sign-in\?signed_out=1$"))
    until(page, "caches.has('private').then(found => !found)")
    page.go_back()
    assert page.locator("h1").inner_text() != "My appointments", "Back cannot bring it back"


def test_quick_exit_deletes_the_private_cache(page, demo, neutral_site):
    controlled(page, demo)
    sign_in(page, demo)
    page.goto(f"{demo}/en/calendar/")
    assert has_private_cache(page)
    page.get_by_role("link", name="Leave this site quickly").click()
    page.wait_for_url(f"{neutral_site}/weather")
    page.goto(f"{demo}/en/")
    assert not has_private_cache(page)


def test_an_appointment_added_offline_is_sent_once_when_back_online(page, context, demo, live_app):
    controlled(page, demo)
    sign_in(page, demo)
    page.goto(f"{demo}/en/calendar/sources")
    context.set_offline(True)
    try:
        page.locator("#f-agency").select_option("housing")
        page.get_by_label("What is it?").fill("Housing officer visit")
        page.get_by_label("Date").fill("2026-12-10")
        page.get_by_label("Starts at").fill("13:00")
        page.get_by_role("button", name="Add appointment").click()
        status = page.locator("[data-queue-status]")
        assert status.inner_text() == "Waiting for a connection to send: 1"
    finally:
        context.set_offline(False)
    until(page, "NextStepsQueue.load().length === 0")
    assert status.inner_text() == "Sent. Your calendar is up to date."
    page.evaluate("NextStepsQueue.flush()")
    with Session(live_app.state.engine) as session:
        found = session.exec(
            select(Appointment).where(Appointment.summary == "Housing officer visit")
        ).all()
    assert len(found) == 1


def test_a_new_version_waits_politely(page, live_app, live_server):
    controlled(page, live_server)
    original = live_app.state.service_worker
    try:
        live_app.state.service_worker = original + b"\n// a new deploy\n"
        live_app.state.prepared.clear()  # as a restart after a deploy would
        page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
        banner = page.locator("[data-update-banner]")
        banner.wait_for(state="visible", timeout=30_000)
        assert "A new version of Next Steps is ready." in banner.inner_text()
        with page.expect_navigation():
            page.get_by_role("button", name="Refresh").click()
    finally:
        live_app.state.service_worker = original
        live_app.state.prepared.clear()


def test_installable(page, live_server):
    controlled(page, live_server)
    cdp = page.context.new_cdp_session(page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    # Playwright's contexts are incognito-like, which alone stops installing; nothing else may.
    assert [e for e in errors if e["errorId"] != "in-incognito"] == [], errors
    manifest = cdp.send("Page.getAppManifest")
    assert not manifest.get("errors"), manifest["errors"]


def test_a_session_that_ended_never_shows_its_offline_copy(page, context, demo):
    controlled(page, demo)
    sign_in(page, demo)
    page.goto(f"{demo}/en/calendar/")
    assert has_private_cache(page)
    context.clear_cookies()  # as when a shared phone's session runs out
    context.set_offline(True)
    try:
        page.goto(f"{demo}/en/calendar/")
        page.wait_for_url(f"{demo}/offline")
        assert page.locator("h1").inner_text() == "You are offline"
        assert page.locator(".appointment").count() == 0
        until(page, "caches.has('private').then(found => !found)")
    finally:
        context.set_offline(False)
