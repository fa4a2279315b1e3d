"""Issue 17 on a phone (390×844, Chromium): Alex opens Sam from the parents page, sees
Sam's calendar and step, walks Sam through the next step and adds a question; Sam finds
it marked as added by Alex, and "You are here" on the map. axe on the new pages, en and ar."""

import re

import pytest
from playwright.sync_api import expect

from app.demo import DEMO_PASSPHRASES
from tests.browser.conftest import ARTIFACTS, axe_violations, screenshot

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


SHARE_STUB = """
window.__shared = [];
navigator.share = (data) => { window.__shared.push(data); return Promise.resolve(); };
navigator.canShare = () => true;
"""


def test_sam_sends_the_invitation_link_with_the_phones_share_sheet(page, demo):
    # Headless Chromium on Linux has no share sheet: a stand-in records what it is given.
    page.add_init_script(SHARE_STUB)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, demo, "demo-parent")
    page.goto(f"{demo}/en/team/")
    assert page.locator("[data-share-box]").count() == 0
    page.locator("form[action$='/team/invite']").get_by_label("See my appointments").check()
    page.get_by_role("button", name="Get a code").click()
    code = page.locator("[data-link-code]").inner_text()
    link = page.get_by_label("Or send them this link:").input_value()
    assert link == f"{demo}/en/account/parents/link?code={code}"
    share = page.get_by_role("button", name="Share…")
    assert share.is_visible() and share.bounding_box()["width"] >= 44
    share.click()
    assert page.evaluate("window.__shared[0].url") == link
    page.get_by_role("button", name="Copy the link").click()
    # The clipboard answers asynchronously: wait for the words, don't read them at once.
    expect(page.locator("[data-share-status]")).to_have_text("Link copied.")
    assert page.evaluate("navigator.clipboard.readText()") == link
    assert no_sideways_scroll(page)
    page.locator("[data-share-box]").scroll_into_view_if_needed()
    screenshot(page, "j17-08-sam-invitation-share")
    assert axe_violations(page) == []


def test_jo_makes_a_pack_on_a_phone_from_the_compact_list(page, demo):
    sign_in(page, demo, "demo-worker")
    page.goto(f"{demo}/en/resources/packs/new")
    assert axe_violations(page) == []
    assert no_sideways_scroll(page)
    make = page.get_by_role("button", name="Make the pack")
    rows = page.locator(".pick")
    assert rows.count() > 20
    # The button comes before the first service, whatever the list's length.
    assert make.bounding_box()["y"] < rows.first.bounding_box()["y"]
    screenshot(page, "j17-09-jo-pack-builder")
    # Each service is a name, one line about it and a checkbox: short rows.
    heights = rows.evaluate_all("rows => rows.map(r => r.getBoundingClientRect().height)")
    lines = page.locator(".pick__about").evaluate_all(
        "ps => ps.map(p => p.getBoundingClientRect().height"
        " / parseFloat(getComputedStyle(p).lineHeight))"
    )
    assert max(lines) < 1.5, "one line about each service"
    assert sorted(heights)[len(heights) // 2] <= 100, heights

    page.get_by_label("Civil Legal Advice", exact=True).check()
    page.get_by_label("Shelter Cymru", exact=True).check()
    chosen = page.locator("[data-chosen-list] li")
    assert chosen.all_inner_texts() == ["Civil Legal Advice", "Shelter Cymru"]
    # Deep in the list, the bar at the foot of the screen says what is chosen and leads back.
    rows.nth(25).scroll_into_view_if_needed()
    bar = page.locator(".pack-bar")
    box = bar.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 844
    assert "Chosen: 2" in bar.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "j17-10-jo-pack-bar.png"))  # the screen, not the page
    bar.get_by_role("link").click()
    assert make.bounding_box()["y"] + make.bounding_box()["height"] <= 844, "button in view"

    # Filtering keeps what is picked; the summary still lists both.
    page.get_by_label("Topic", exact=True).select_option(label="Housing")
    page.get_by_role("button", name="Show services").click()
    assert chosen.all_inner_texts() == ["Civil Legal Advice", "Shelter Cymru"]
    page.get_by_label("Title").fill("Help with a home")
    assert "the parent's name" in page.locator("#f-note-hint").inner_text()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Make the pack").click()
    page.wait_for_url(re.compile(r".*/en/resources/packs/[a-z0-9]+\?made=1$"))
    assert page.locator("#share-link").input_value().startswith(f"{demo}/s/")


def test_the_pack_builder_works_without_javascript(browser, demo):
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, demo, "demo-worker")
    page.goto(f"{demo}/en/resources/packs/new")
    page.get_by_label("Samaritans", exact=True).check()
    page.get_by_label("Topic", exact=True).select_option(label="Legal advice")
    page.get_by_role("button", name="Show services").click()
    assert page.locator("[data-chosen-list] li").all_inner_texts() == ["Samaritans"]
    assert page.locator("#pick-samaritans").is_checked()
    page.get_by_label("Title").fill("Someone to talk to")
    page.get_by_role("button", name="Make the pack").click()
    page.wait_for_url(re.compile(r".*/en/resources/packs/[a-z0-9]+\?made=1$"))
    context.close()


def test_who_has_looked_counts_a_visit_and_the_new_pages_are_clean_in_arabic(page, demo):
    sign_in(page, demo, "demo-advocate")
    for _ in range(3):
        page.goto(f"{demo}/en/calendar/?parent=demo-sam")
    sign_out(page)
    sign_in(page, demo, "demo-parent")
    page.goto(f"{demo}/en/account/who-looked")
    rows = page.locator("[data-look]", has_text="My appointments")
    assert "times, last at" in rows.first.inner_text()
    assert axe_violations(page) == []
    screenshot(page, "j17-11-sam-who-looked")
    for path in ("/ar/account/who-looked", "/ar/team/"):
        page.goto(f"{demo}{path}")
        assert axe_violations(page) == [], path
        assert no_sideways_scroll(page), path
    page.locator("form[action$='/team/invite'] input[name=permissions]").first.check()
    page.locator("form[action$='/team/invite'] button[type=submit]").click()
    assert page.locator("[data-share-box]").count() == 1
    assert axe_violations(page) == []
    sign_out(page)
    sign_in(page, demo, "demo-worker")
    page.goto(f"{demo}/ar/resources/packs/new")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.locator(".pick input").first.check()
    assert page.locator("[data-chosen-list] li").count() == 1
    assert axe_violations(page) == []
    assert no_sideways_scroll(page)
    screenshot(page, "j17-12-ar-pack-builder")


def test_alex_sees_his_suggestion_to_sams_birth_plan_as_waiting(page, demo):
    sign_in(page, demo, "demo-advocate")
    page.goto(f"{demo}/en/birth-plan/sections/feeding?parent=demo-sam")
    page.get_by_label("Your suggestion").fill("Help with breastfeeding on the ward, please.")
    page.get_by_role("button", name="Send my suggestion").click()
    page.wait_for_url(re.compile(r".*/en/birth-plan/\?parent=demo-sam&suggested=feeding"))
    waiting = page.locator("[data-section=feeding] [data-my-pending]")
    assert "Waiting" in waiting.inner_text() and "Sam has not chosen yet" in waiting.inner_text()
    assert "waiting for Sam to choose" in page.locator("[data-my-pending-count]").inner_text()
    assert no_sideways_scroll(page)
    assert axe_violations(page) == []
    waiting.scroll_into_view_if_needed()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "j17-13-alex-suggestion-waiting.png"))
