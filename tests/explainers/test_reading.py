"""How the guides read: tap-to-call numbers, glossary words in their sentence, the order a
parent meets the guides, free legal advice for England or Wales, and honest search counts."""

import pytest

from app.explainers.phones import find_phones, link_phones
from app.explainers.render import RenderEnv, in_sentence, render_markdown
from app.explainers.schema import Nation
from app.explainers.service import explainers_by_stage, legal_advice_href, reading_order
from tests.explainers.test_content import CONTENT


@pytest.mark.parametrize(
    ("text", "href"),
    [
        ("Call 0808 801 0366.", "tel:08088010366"),
        ("or call 0345 345 4345", "tel:03453454345"),
        ("Call 0808 80 10 800 any time", "tel:08088010800"),
        ("text 07860 077333", "tel:07860077333"),
        ("call NHS 111 and press 2", "tel:111"),
        ("call 999 or go to A&E", "tel:999"),
        ("Samaritans on 116 123.", "tel:116123"),
        ("+44 808 801 0366", "tel:+448088010366"),
    ],
)
def test_phone_numbers_are_found(text, href):
    assert [found[2] for found in find_phones(text)] == [href]


@pytest.mark.parametrize(
    "text",
    [
        "section 47",
        "26 weeks",
        "42 days",
        "in 2023",
        "section 111 of the Act",
        "£999",
        "111 days",
        "CF10 1AA",
        "[2023] EWCA Civ 706",
        "at 10:30 on 01/02/2023",
        "2026-12-07",
        "45 working days",
        "s.31ZA",
        "page 116 123",
    ],
)
def test_numbers_that_are_not_phone_numbers_stay_text(text):
    assert list(find_phones(text)) == []
    assert "tel:" not in link_phones(text)


def test_free_legal_advice_has_tap_to_call_numbers(client):
    _, soup = client.page("/en/explainers/free-legal-advice")
    tel = soup.select(".explainer__body a[href^='tel:']")
    assert len(tel) >= 2
    assert {a["href"] for a in tel} >= {"tel:08088010366", "tel:03453454345"}
    assert all(a.get_text() == "0808 801 0366" for a in tel if a["href"] == "tel:08088010366")


def test_a_page_full_of_numbers_links_none_that_are_not_phones(client):
    # Weeks, days, sections and years, and no phone number: no tel: link at all.
    _, soup = client.page("/en/explainers/care-proceedings")
    text = soup.select_one(".explainer__body").get_text()
    assert "26 weeks" in text
    assert not soup.select(".explainer__body a[href^='tel:']")
    env = RenderEnv("en", {})
    html = render_markdown("At 26 weeks, after section 47, in 2023, within 42 days.", env)
    assert "tel:" not in html


def test_every_phone_number_in_a_guide_is_a_link():
    for explainer in CONTENT.english.explainers.values():
        if any(find_phones(explainer.text)):
            assert 'href="tel:' in explainer.html, explainer.meta.slug


def test_home_footer_and_rights_box_link_emergency_number_and_legal_advice(client):
    _, soup = client.page("/en/")
    assert soup.select_one("footer a[href='tel:999']")
    rights = soup.select_one("[aria-labelledby=rights-heading]")
    assert rights.select_one("a[href='/en/explainers/free-legal-advice']")


@pytest.mark.parametrize(
    ("nation", "expected"),
    [
        ("england", "/en/explainers/free-legal-advice"),
        ("wales", "/en/explainers/finding-an-advocate#where-can-i-get-free-advice-in-wales"),
    ],
)
def test_walk_through_rights_screen_links_free_advice_for_the_nation(client, nation, expected):
    step = CONTENT.pathway.steps[0].slug
    _, first = client.page(f"/en/pathway/{step}/walk", params={"nation": nation})
    total = int(first.select_one(".walk__progress").get_text().split(" of ")[-1])
    _, soup = client.page(
        f"/en/pathway/{step}/walk", params={"nation": nation, "screen": total - 1}
    )
    assert soup.h1.get_text(strip=True) == "Your rights at this step"
    assert soup.select_one(f".walk__rights a[href='{expected}']")
    _, page = client.page(f"/en/pathway/{step}", params={"nation": nation})
    assert page.select_one(f".rights a[href='{expected}']")


def test_the_wales_advice_anchor_exists_on_the_page_it_points_to(client):
    href = legal_advice_href(content=CONTENT, locale="en", nation=Nation.wales)
    path, _, anchor = href.partition("#")
    _, soup = client.page(path)
    assert "Wales" in soup.find(id=anchor).get_text()
    assert legal_advice_href(content=CONTENT, locale="en", nation=Nation.england).endswith(
        "/free-legal-advice"
    )


@pytest.mark.parametrize(
    ("term", "shown"),
    [
        ("Pre-birth assessment", "pre-birth assessment"),
        ("Social worker", "social worker"),
        ("Children's guardian", "children's guardian"),
        ("Child protection register (Wales)", "child protection register"),
        ("Section 20 (voluntary accommodation)", "section 20"),
        ("Public Law Outline", "Public Law Outline"),
        ("Cafcass", "Cafcass"),
        ("DNA test", "DNA test"),
    ],
)
def test_glossary_titles_read_in_sentence_case(term, shown):
    assert in_sentence(term) == shown


def test_a_glossary_word_is_written_as_the_sentence_has_it():
    env = RenderEnv("en", {"social-worker": ("Social worker", "A worker.")})
    html = render_markdown("A [[social-worker]] visits.\n\n[[social-worker]] again.", env)
    assert '<summary class="term__word">social worker</summary>' in html
    assert '<div class="para">Social worker again.</div>' in html
    env = RenderEnv("en", {"solicitor": ("Solicitor", "A lawyer.")})
    assert ">your solicitor</summary>" in render_markdown("See [[solicitor|your solicitor]].", env)


def test_pre_birth_guide_reads_in_a_sentence(client):
    _, soup = client.page("/en/explainers/pre-birth-assessment")
    words = [s.get_text() for s in soup.select(".explainer__body summary.term__word")]
    assert "pre-birth assessment" in words and "social worker" in words
    assert "Pre-birth assessment" not in words and "Social worker" not in words


def test_guides_are_listed_in_the_order_a_parent_meets_them(client):
    groups = explainers_by_stage(content=CONTENT, locale="en")
    assert [stage.value for stage, _ in groups] == [
        "before-birth",
        "at-birth",
        "after-birth",
        "court",
        "any-time",
    ]
    first_step = {}
    for index, step in enumerate(CONTENT.pathway.steps):
        first_step.setdefault(step.explainer, index)
    for _, links in groups:
        on_pathway = [first_step[link.slug] for link in links if link.slug in first_step]
        assert on_pathway == sorted(on_pathway), "pathway guides in pathway order"
    before = [link.slug for link in groups[0][1]]
    assert before[0] == CONTENT.pathway.steps[0].explainer
    assert before.index("why-social-care-contact-you") < before.index("pre-birth-assessment")
    assert sorted(reading_order(CONTENT)) == sorted(CONTENT.english.explainers)

    _, soup = client.page("/en/explainers/")
    listed = [a["href"].rsplit("/", 1)[-1] for a in soup.select("section .link-list a")]
    assert listed == [link.slug for _, links in groups for link in links]


def test_guides_index_has_the_region_live_search_fills(client):
    _, soup = client.page("/en/explainers/")
    field = soup.select_one("#search-q")
    assert soup.select_one(field["hx-target"]), "htmx:targetError otherwise"


def test_search_results_heading_follows_the_query_in_the_fragment(client):
    _, soup = client.fragment("/en/search", params={"q": "legal advice"})
    assert soup.select_one("#results-heading").get_text() == "Search results for “legal advice”"
    assert "legal advice" in soup.title.get_text()
    _, page = client.page("/en/search", params={"q": "legal advice"})
    assert page.h1.get_text(strip=True) == "Search"
    assert page.select_one("#results-heading").get_text() == "Search results for “legal advice”"
    assert not page.select("main title")


def test_search_count_is_real_or_says_more_than(client, app):
    index = app.state.search["en"]
    capped = index.search("baby")
    assert capped.total > len(capped.hits) == 20
    _, soup = client.page("/en/search", params={"q": "baby"})
    assert soup.select_one(".search-count").get_text().startswith("More than 20 results")

    few = index.search("adopshun")
    assert not few.capped
    _, soup = client.page("/en/search", params={"q": "adopshun"})
    shown = len(soup.select("#search-results .link-list li"))
    assert shown == few.total
    assert soup.select_one(".search-count").get_text() in (f"{shown} results", "1 result")
