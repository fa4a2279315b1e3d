"""How the guides read on a phone: live search on the guides index, glossary words inside
their sentence, and phone numbers a parent can tap."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, screenshot

pytestmark = pytest.mark.browser


def test_typing_on_the_guides_index_searches_and_the_heading_follows(page, live_server):
    page.goto(f"{live_server}/en/explainers/")
    page.get_by_label("Search our guides").press_sequentially("baby", delay=30)
    heading = page.locator("#search-results h2")
    heading.wait_for()
    assert heading.inner_text() == "Search results for “baby”"
    assert page.locator("#search-results .link-list li").count() > 0
    count = page.locator(".search-count").inner_text()
    assert count.startswith(("More than 20 results", "1 result")) or count.endswith("results")
    screenshot(page, "reading-index-search-typed")

    page.get_by_label("Search our guides").fill("")
    page.get_by_label("Search our guides").press_sequentially("legal advice", delay=30)
    expect(page.locator("#search-results h2")).to_have_text("Search results for “legal advice”")
    assert "legal advice" in page.title()
    assert page.locator("h1").count() == 1
    assert axe_violations(page) == []


def test_the_search_page_heading_follows_what_is_typed(page, live_server):
    page.goto(f"{live_server}/en/search?q=baby")
    assert page.locator("#search-results h2").inner_text() == "Search results for “baby”"
    page.get_by_label("Search our guides").fill("")
    page.get_by_label("Search our guides").press_sequentially("legal advice", delay=30)
    expect(page.locator("#search-results h2")).to_have_text("Search results for “legal advice”")
    assert page.locator("#search-results h2").inner_text() == "Search results for “legal advice”"
    expect(page).to_have_url(re.compile(r"/en/search\?q=legal(\+|%20)advice$"))
    screenshot(page, "reading-search-typed")


def test_a_glossary_word_reads_inside_its_sentence_and_opens_in_place(page, live_server):
    page.goto(f"{live_server}/en/explainers/pre-birth-assessment")
    term = page.locator(".explainer__body details.term").first
    word = term.locator("summary")
    assert word.inner_text() == "pre-birth assessment", "as written in the sentence"
    # Closed, the word sits on the line of the words around it, before and after.
    tops = term.evaluate(
        """details => {
            const top = node => { const r = document.createRange(); r.selectNodeContents(node);
                                  return r.getClientRects()[0].top; };
            return [top(details.previousSibling), details.querySelector('summary')
                    .getBoundingClientRect().top, top(details.nextSibling)];
        }"""
    )
    assert max(tops) - min(tops) < 4, f"the sentence breaks around the word: {tops}"
    screenshot(page, "reading-term-closed")

    meaning = term.locator(".term__meaning")
    assert not meaning.is_visible()
    word.click()
    assert meaning.is_visible()
    assert meaning.locator("a", has_text="More about this word").count() == 1
    screenshot(page, "reading-term-open")
    assert axe_violations(page) == []


def test_phone_numbers_are_tap_to_call(page, live_server):
    page.goto(f"{live_server}/en/explainers/free-legal-advice")
    tel = page.locator(".explainer__body a[href^='tel:']")
    assert tel.count() >= 2
    assert page.locator("a[href='tel:08088010366']").first.inner_text() == "0808 801 0366"
    tel.first.scroll_into_view_if_needed()
    page.screenshot(path="test-artifacts/reading-tel-link.png")

    page.goto(f"{live_server}/en/")
    assert page.locator("footer a[href='tel:999']").count() == 1
    page.get_by_role("link", name="free legal advice").click()
    page.wait_for_url("**/en/explainers/free-legal-advice")
