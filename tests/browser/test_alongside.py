"""Issue 17 on a phone (390×844, Chromium): Alex opens Sam from the parents page, sees
Sam's calendar and step, walks Sam through the next step and adds a question; Sam finds
it marked as added by Alex, and "You are here" on the map. axe on the new pages, en and ar."""

import re

import pytest

from app.demo import DEMO_PASSPHRASES
from tests.browser.conftest import axe_violations, screenshot

pytestmark = pytest.mark.browser


def sign_in(page, base, name: str) -> None:
    page.goto(f"{base}/en/sign-in")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Passphrase", exact=True).fill(DEMO_PASSPHRASES[name])
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(re.compile(r".*/en/account/$"))


def sign_out(page) -> None:
    page.context.clear_cookies()


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_alex_walks_sam_through_the_next_step_and_sam_finds_the_question(page, demo):
    sign_in(page, demo, "demo-advocate")
    page.goto(f"{demo}/en/account/parents")
    page.get_by_role("link", name="Sam").first.click()
    assert page.locator("h1").inner_text().startswith("Sam")
    screenshot(page, "j17-01-alex-sam-page")
    assert axe_violations(page) == []

    page.get_by_role("link", name="Sam's appointments").click()
    assert page.locator(".appointment").count() > 0 or page.locator("h1").count() == 1
    screenshot(page, "j17-02-alex-sam-calendar")
    page.go_back()

    page.get_by_role("link", name="Where Sam is in the process").click()
    assert page.locator("h1").inner_text() == "Where Sam is in the process"
    assert "Child protection plan" in page.locator(".position").inner_text()
    assert "Guidance date: about" in page.locator(".position").inner_text()
    assert no_sideways_scroll(page)
    screenshot(page, "j17-03-alex-sam-position")
    assert axe_violations(page) == []

    page.get_by_role("link", name="Walk Sam through what comes next").click()
    assert "walking Sam through" in page.locator(".walk").inner_text()
    page.locator("a.walk__next").click()
    page.get_by_role("button", name="Add this to Sam's questions").click()
    assert "Added to Sam's questions" in page.locator(".walk__status").inner_text()
    assert "parent=demo-sam" in page.url
    screenshot(page, "j17-04-alex-walk-asked")
    assert axe_violations(page) == []
    asked = page.locator("h1.walk__heading").inner_text()

    sign_out(page)
    sign_in(page, demo, "demo-parent")
    page.goto(f"{demo}/en/questions/")
    mine = page.locator(".question", has_text=asked).first
    assert "Added by Alex" in mine.inner_text()
    screenshot(page, "j17-05-sam-questions")
    page.goto(f"{demo}/en/pathway/?nation=england")
    here = page.locator(".pathway-map__step--here")
    assert "You are here" in here.inner_text()
    assert no_sideways_scroll(page)
    here.scroll_into_view_if_needed()
    screenshot(page, "j17-06-sam-map")
    assert axe_violations(page) == []
    page.goto(f"{demo}/en/where-i-am/")
    assert axe_violations(page) == []


def test_new_pages_in_arabic_are_axe_clean_and_the_map_mirrors(page, demo):
    sign_in(page, demo, "demo-parent")
    for path in ("/ar/where-i-am/", "/ar/pathway/?nation=england",
                 "/ar/pathway/core-group/walk?nation=england&screen=1"):  # fmt: skip
        page.goto(f"{demo}{path}")
        assert page.locator("html").get_attribute("dir") == "rtl"
        assert axe_violations(page) == [], path
        assert no_sideways_scroll(page), path
    page.goto(f"{demo}/ar/pathway/?nation=england")
    transform = page.locator(".pathway-map__branches .pathway-map__arrow").first.evaluate(
        "el => getComputedStyle(el).transform"
    )
    assert transform.startswith("matrix(-1")
    screenshot(page, "j17-07-ar-map")
    sign_out(page)
    sign_in(page, demo, "demo-advocate")
    page.goto(f"{demo}/ar/team/?parent=demo-sam")
    assert axe_violations(page) == []


def test_the_map_fits_320_px_without_javascript(browser, demo):
    context = browser.new_context(viewport={"width": 320, "height": 700}, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{demo}/en/pathway/?nation=england")
    assert page.evaluate("document.documentElement.scrollWidth <= 320")
    assert page.locator(".pathway-map").count() == 1
    context.close()
