"""Explainers, the pathway and the walk-through as a parent and an advocate use them."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, screenshot

pytestmark = pytest.mark.browser


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_walk_through_on_a_phone_and_asking_about_a_step(page, live_server):
    page.goto(f"{live_server}/en/pathway/referral/walk?nation=england")
    assert page.locator("h1").inner_text() == "Referral"
    size = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.walk__text')).fontSize)"
    )
    assert size >= 22, "large text for reading together"
    assert no_horizontal_scroll(page)
    screenshot(page, "walk-referral-390")

    page.get_by_role("link", name="Next", exact=True).click()
    page.wait_for_url("**screen=1")
    heading = page.locator("h1").inner_text()
    page.get_by_role("button", name="I want to ask about this").click()
    # Signed out, the question is kept on the phone once the account has said no.
    expect(page.get_by_role("status")).to_have_text("Added to your questions")

    while page.get_by_role("link", name="Next", exact=True).count():
        page.get_by_role("link", name="Next", exact=True).click()
        page.wait_for_load_state()
        assert no_horizontal_scroll(page)
    assert page.locator("h1").inner_text() == "Your rights at this step"
    page.get_by_role("link", name="Finish").click()
    page.wait_for_url(f"{live_server}/en/pathway/referral?nation=england")

    page.goto(f"{live_server}/en/questions/")
    items = page.locator(".question__text")
    assert items.count() == 1
    assert items.first.inner_text() == f"Referral: {heading}"


def test_questions_list_add_tick_edit_delete_and_keep(page, live_server):
    page.goto(f"{live_server}/en/questions/")
    page.evaluate("NextStepsQuestions.clear()")
    page.reload()
    page.get_by_role("button", name="Add question").click()
    assert page.locator("[data-question-error]").is_visible(), "an empty question is refused"
    assert page.locator("#question-text").get_attribute("aria-invalid") == "true"

    page.get_by_label("Your question").fill("Who will be at the meeting?")
    page.get_by_role("button", name="Add question").click()
    page.get_by_label("Your question").fill("<b>Can my mum come?</b>")
    page.get_by_role("button", name="Add question").click()
    assert page.locator(".question__text").all_inner_texts() == [
        "Who will be at the meeting?",
        "<b>Can my mum come?</b>",
    ], "text stays text, never HTML"

    page.get_by_label("Who will be at the meeting?").check()
    assert page.locator(".question--done").count() == 1

    page.get_by_role("button", name="Edit").nth(1).click()
    page.get_by_label("Change your question").fill("Can my mum come with me?")
    page.get_by_role("button", name="Save").click()
    page.reload()
    assert page.locator(".question__text").all_inner_texts() == [
        "Who will be at the meeting?",
        "Can my mum come with me?",
    ]
    assert page.locator(".question--done").count() == 1
    page.get_by_role("button", name="Delete", exact=True).first.click()
    assert page.locator(".question__text").all_inner_texts() == ["Can my mum come with me?"]
    assert axe_violations(page) == []


def test_glossary_meaning_opens_in_place_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live_server}/en/explainers/voluntary-accommodation")
    term = page.locator("details.term").first
    meaning = term.locator(".term__meaning")
    assert not meaning.is_visible()
    term.locator("summary").click()
    assert meaning.is_visible()
    assert "More about this word" in meaning.inner_text()
    context.close()


#: speechSynthesis.getVoices() answering with these voices, as a phone with them would.
FAKE_VOICES = """
(langs) => {
  const voices = langs.map((lang) => ({lang, name: lang, localService: true, default: false,
                                       voiceURI: lang}));
  Object.defineProperty(window.speechSynthesis, "getVoices", {value: () => voices});
}
"""


def with_voices(page, langs):
    page.add_init_script(f"({FAKE_VOICES})({langs!r})")


def test_explainer_tools_appear_with_javascript(page, live_server):
    with_voices(page, ["en-GB"])
    page.goto(f"{live_server}/en/explainers/care-proceedings")
    assert page.get_by_role("button", name="Print").is_visible()
    expect(page.get_by_role("button", name="Read aloud")).to_be_visible()
    assert page.locator("[data-no-voice]").is_hidden()
    assert no_horizontal_scroll(page)
    screenshot(page, "explainer-care-proceedings-390")


def test_read_aloud_says_plainly_when_the_phone_has_no_voice_for_the_language(page, live_server):
    # Headless Chromium has no voice for Punjabi (nor, usually, any voice at all).
    assert page.evaluate("speechSynthesis.getVoices().some(v => v.lang.startsWith('pa'))") is False
    page.goto(f"{live_server}/pa/explainers/referral")
    message = page.locator("[data-no-voice]")
    expect(message).to_be_visible(timeout=5000)
    assert "ਆਵਾਜ਼" in message.inner_text(), "in the reader's language"
    assert page.locator("[data-read-aloud]").is_hidden()
    assert page.locator("[data-print]").is_visible(), "printing still offered"
    assert axe_violations(page) == []
    screenshot(page, "explainer-pa-no-voice-390")


def test_read_aloud_is_offered_where_the_phone_has_a_voice_for_the_language(page, live_server):
    with_voices(page, ["en-GB", "pa-IN"])
    page.goto(f"{live_server}/pa/explainers/referral")
    expect(page.locator("[data-read-aloud]")).to_be_visible()
    assert page.locator("[data-no-voice]").is_hidden()


def test_an_english_voice_does_not_read_a_punjabi_page(page, live_server):
    with_voices(page, ["en-GB"])
    page.goto(f"{live_server}/pa/explainers/referral")
    expect(page.locator("[data-no-voice]")).to_be_visible(timeout=5000)
    assert page.locator("[data-read-aloud]").is_hidden()


def test_pathway_map_fits_a_320_pixel_screen(page, live_server):
    page.set_viewport_size({"width": 320, "height": 700})
    page.goto(f"{live_server}/en/pathway/care-proceedings?nation=wales")
    assert no_horizontal_scroll(page)
    # A step page names the step it shows, not the reader's place, and links to the map.
    assert page.locator(".badge").first.inner_text() == "This step"
    screenshot(page, "pathway-step-320")
    page.get_by_role("link", name="See it on the map").click()
    assert no_horizontal_scroll(page)
    assert page.locator("#map-care-proceedings").is_visible()
    assert page.locator(".pathway-map").count() == 1, "the map is shown once"
    screenshot(page, "pathway-map-320")


@pytest.mark.parametrize(
    "path",
    [
        "/en/explainers/",
        "/en/explainers/voluntary-accommodation",
        "/en/pathway/",
        "/en/pathway/child-protection-conference?nation=wales",
        "/en/pathway/referral/walk?nation=england&screen=1",
        "/en/glossary/",
        "/en/glossary/section-47",
        "/en/search?q=sec+47",
        "/en/questions/",
        "/cy/explainers/referral",
    ],
)
def test_no_accessibility_violations(page, live_server, path):
    page.goto(f"{live_server}{path}")
    page.evaluate("document.querySelectorAll('details.term').forEach(d => { d.open = true; })")
    assert axe_violations(page) == []
