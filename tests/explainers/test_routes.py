"""Explainer, glossary, search, pathway, walk-through and questions pages over HTTP."""

import gzip

import pytest

from tests.explainers.test_content import EXPLAINERS


def test_explainer_index_lists_every_explainer_by_stage(client):
    _, soup = client.page("/en/explainers/")
    linked = {a["href"].rsplit("/", 1)[1] for a in soup.select(".link-list a")}
    assert linked == set(EXPLAINERS)
    assert soup.find("h2", string="Before your baby is born")


def test_explainer_page_shows_terms_in_place_sources_and_review_date(client):
    response, soup = client.page("/en/explainers/voluntary-accommodation")
    assert soup.h1.get_text(strip=True) == "What is voluntary accommodation?"
    term = soup.select_one("details.term")
    assert term.summary.get_text(strip=True)
    assert term.select_one(".term__meaning a")["href"].startswith("/en/glossary/")
    sources = soup.select(".sources li a")
    assert sources and all(a["href"].startswith("https://") for a in sources)
    assert all(a["rel"] == ["noreferrer"] for a in sources)
    checked = EXPLAINERS["voluntary-accommodation"].meta.reviewed_on
    expected = f"Checked on {checked.day} {checked:%B %Y}."
    assert expected in soup.select_one(".sources").get_text(" ", strip=True)
    assert soup.select_one("article")["lang"] == "en"


def test_explainer_links_resolve_to_pages_that_exist(client):
    _, soup = client.page("/en/explainers/possible-outcomes")
    internal = {a["href"] for a in soup.select("main a") if a["href"].startswith("/en/")}
    assert internal
    for href in internal:
        assert client.get(href.split("?")[0]).status_code == 200, href


@pytest.mark.parametrize("slug", sorted(EXPLAINERS))
def test_every_explainer_is_at_most_12_kb_compressed(client, slug):
    response = client.get(f"/en/explainers/{slug}")
    assert response.status_code == 200
    assert len(gzip.compress(response.content)) <= 12 * 1024


def test_explainer_is_served_from_memory_with_an_etag(client):
    first = client.get("/en/explainers/referral")
    etag = first.headers["etag"]
    assert etag.startswith('"'), "a strong ETag: prepared bytes, one per encoding"
    assert first.headers["cache-control"] == "public, max-age=300"
    again = client.get("/en/explainers/referral", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag


def test_htmx_gets_the_explainer_fragment_with_its_own_etag(client):
    page = client.get("/en/explainers/referral")
    response, soup = client.fragment("/en/explainers/referral")
    assert response.headers["etag"] != page.headers["etag"]
    assert soup.h1


def test_missing_explainer_is_404(client):
    client.page("/en/explainers/no-such-thing", status=404)


def test_glossary_lists_every_term_and_each_has_a_page(client):
    _, soup = client.page("/en/glossary/")
    terms = soup.select(".glossary-list dt a")
    assert len(terms) >= 60
    _, page = client.page(terms[0]["href"])
    assert page.select_one(".lead").get_text(strip=True)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("protecshun", "/en/explainers/child-protection"),
        ("sec 47", "/en/glossary/section-47"),
        ("s47", "/en/glossary/section-47"),
        ("adopshun", "/en/explainers/adoption"),
        ("section 20", "/en/glossary/section-20"),
    ],
)
def test_search_forgives_misspellings(client, query, expected):
    _, soup = client.page("/en/search", params={"q": query})
    top = [a["href"] for a in soup.select(".link-list a")[:3]]
    assert any(href.startswith(expected) for href in top), (query, top)


def test_search_fragment_for_htmx_is_only_the_results(client):
    response, soup = client.fragment("/en/search", params={"q": "foster"})
    assert not soup.h1
    assert soup.select(".link-list a")


def test_search_with_nothing_found_says_so(client):
    _, soup = client.page("/en/search", params={"q": "zzqqxx"})
    assert "We found nothing" in soup.get_text()


def test_search_input_is_escaped(client):
    response = client.get("/en/search", params={"q": "<script>alert(1)</script>"})
    assert "<script>alert" not in response.text


def test_pathway_lists_every_step_and_draws_the_map(client):
    from tests.explainers.test_content import CONTENT

    _, soup = client.page("/en/pathway/")
    listed = soup.select(".step-list a")
    assert len(listed) == len(CONTENT.pathway.steps)
    assert len(soup.select(".pathway-map__step")) == len(CONTENT.pathway.steps)
    assert not soup.select("[aria-current=step]")
    # Branches side by side under each step, as nested lists; end points marked.
    referral = soup.select_one("#map-referral .pathway-map__branches")
    assert [a["href"] for a in referral.select("a")] == [
        "#map-pre-birth-assessment",
        "#map-strategy-discussion",
        "#map-no-further-action",
    ]
    assert soup.select_one("#map-adoption .badge--end")
    assert soup.select_one(".pathway-map__legend .badge--end")


def test_step_page_says_this_step_and_lists_next_steps(client):
    _, soup = client.page("/en/pathway/referral?nation=england")
    # "You are here" is for a parent's own step; the map is on the pathway page alone.
    assert "This step" in soup.get_text() and "You are here" not in soup.get_text()
    assert not soup.select(".pathway-map")
    assert soup.select_one('a[href="/en/pathway/?nation=england#map-referral"]')
    next_links = [a["href"] for a in soup.select("#what-next ~ ul a")]
    assert "/en/pathway/pre-birth-assessment?nation=england" in next_links
    assert "Working Together" in soup.get_text()


def test_wales_shows_welsh_terms_and_remembers_the_choice(client):
    response, soup = client.page("/en/pathway/referral?nation=wales")
    assert soup.h1.get_text(strip=True) == "Report to social services"
    assert "Wales Safeguarding Procedures" in soup.get_text()
    assert "place=wales" in response.headers["set-cookie"]
    again = client.get("/en/pathway/referral", follow_redirects=False)
    assert again.status_code == 302
    assert again.headers["location"] == "/en/pathway/referral?nation=wales"


def test_an_area_rule_replaces_the_general_one_and_says_whose(client):
    from tests.explainers.test_content import CONTENT

    slug, area = next(
        (slug, area)
        for slug, area in sorted(CONTENT.areas.items())
        if area.jurisdiction == "england"
    )
    step = next(iter(area.timescales))
    _, soup = client.page(f"/en/pathway/{step}?nation=england&area={slug}")
    text = soup.get_text(" ", strip=True)
    assert area.timescales[step].text in text
    assert f"This is the local rule in {area.name}." in text


def test_unknown_nation_or_area_falls_back_to_the_general_rules(client):
    _, soup = client.page("/en/pathway/referral?nation=mars&area=atlantis")
    assert soup.h1.get_text(strip=True) == "Referral"


def test_walk_through_goes_screen_by_screen(client):
    _, first = client.page("/en/pathway/referral/walk?nation=england")
    assert first.h1.get_text(strip=True) == "Referral"
    next_link = first.select_one("a[rel=next]")["href"]
    _, second = client.page(next_link)
    assert second.select_one("a[rel=prev]")
    progress = first.select_one(".walk__progress").get_text(strip=True)
    total = int(progress.rsplit(" ", 1)[1])
    _, last = client.page(f"/en/pathway/referral/walk?nation=england&screen={total - 1}")
    assert last.h1.get_text(strip=True) == "Your rights at this step"
    client.page(f"/en/pathway/referral/walk?nation=england&screen={total}", status=404)


def test_questions_page_is_private_and_keeps_nothing_on_the_server(client):
    response, soup = client.page("/en/questions/")
    assert response.headers["cache-control"] == "no-store"
    assert soup.select_one("textarea#question-text")
    assert soup.select_one("noscript")


@pytest.mark.parametrize(
    "url",
    [
        "/en/explainers/",
        "/en/explainers/referral",
        "/en/glossary/",
        "/en/glossary/section-47",
        "/en/search?q=court",
        "/en/pathway/?nation=england",
        "/en/pathway/referral?nation=wales",
        "/en/pathway/referral/walk?nation=england&screen=2",
        "/en/questions/",
        "/cy/explainers/adoption",
    ],
)
def test_every_page_has_an_htmx_fragment_of_the_same_template(client, url):
    _, page = client.page(url)
    _, fragment = client.fragment(url)
    if "/search" not in url:
        assert fragment.h1.get_text(strip=True) == page.h1.get_text(strip=True)
