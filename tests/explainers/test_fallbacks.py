"""English on a page in another language says it is English (`lang="en" dir="ltr"`), so
Arabic and Urdu pages keep its punctuation in place and screen readers speak it as English;
lists put what is in the reader's language first."""

import shutil

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from app.deps import get_session
from app.explainers.content import (
    CONTENT_DIR,
    SOURCE_LOCALE,
    Content,
    LocaleContent,
    load_content,
)
from app.explainers.pathway import Place, step_view, walk_screens
from app.explainers.render import RenderEnv, render_markdown
from app.explainers.schema import StepWords
from app.explainers.service import STAGE_ORDER
from app.main import create_app
from tests.pages import PageClient

LOCALES = ["ar", "ur", "cy"]


#: The guide taken out of every translation for the fallback tests, so that they test an
#: English fallback on a right-to-left page however many guides are translated.
FALLBACK = "complaints"


@pytest.fixture(scope="module")
def fallback_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("fallback") / "content"
    shutil.copytree(CONTENT_DIR, root)
    for translated in root.glob(f"*/explainers/{FALLBACK}.md"):
        if translated.parent.parent.name != SOURCE_LOCALE:
            translated.unlink()
    return root


@pytest.fixture
def with_fallback(settings, engine, db, fallback_root):
    """A client whose content has the guide FALLBACK in English only."""
    app = create_app(settings.model_copy(update={"content_dir": fallback_root}), engine=engine)
    app.dependency_overrides[get_session] = lambda: db
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield PageClient(test_client)


def content_of(client) -> Content:
    return client.app.state.content


def marked_english(tag) -> bool:
    """The tag, or one around it, says its words are English, written left to right."""
    for node in [tag, *tag.parents]:
        if node.name is None or not node.has_attr("lang"):
            continue
        return node["lang"] == "en" and node.get("dir") == "ltr"
    return False


def untranslated(content: Content, locale: str) -> list[str]:
    return [
        slug
        for slug in content.english.explainers
        if slug not in content.locales[locale].explainers
    ]


@pytest.mark.parametrize("locale", LOCALES)
def test_guides_index_marks_english_titles_and_lists_translations_first(client, locale):
    content = content_of(client)
    local = content.locales[locale].explainers
    _, soup = client.page(f"/{locale}/explainers/")
    assert soup.html["lang"] == locale
    seen_english = seen_local = 0
    for stage in STAGE_ORDER:
        section = soup.select_one(f'section[aria-labelledby="stage-{stage}"]')
        if section is None:
            continue
        in_english = []
        for item in section.select(".link-list > li"):
            slug = item.a["href"].rsplit("/", 1)[1]
            english = slug not in local
            in_english.append(english)
            title, summary = item.a, item.p
            assert marked_english(title) is english, (slug, str(item)[:200])
            assert marked_english(summary) is english, slug
            if english:
                assert item["dir"] == "ltr"
        # Translated first, then English: once an English title comes, no translated one follows.
        assert in_english == sorted(in_english), (stage, in_english)
        seen_english += sum(in_english)
        seen_local += len(in_english) - sum(in_english)
    assert seen_local == len(local)
    assert seen_english == len(content.english.explainers) - len(local)


def test_english_guides_index_has_no_language_marks(client):
    _, soup = client.page("/en/explainers/")
    assert not soup.select(".link-list [lang], .link-list [dir]")


@pytest.mark.parametrize("locale", ["ar", "pl"])  # right to left, left to right
def test_a_guide_shown_in_english_is_marked_english_and_its_interface_words_are_not(
    with_fallback, locale
):
    client = with_fallback
    slugs = untranslated(content_of(client), locale)
    assert FALLBACK in slugs
    _, soup = client.page(f"/{locale}/explainers/{slugs[0]}")
    article = soup.select_one("article")
    assert (article["lang"], article["dir"]) == ("en", "ltr")
    assert soup.select_one(".explainer__body").find_parent("article") is article
    # The notice, the facts line and the tools are the reader's own words.
    loc_dir = "rtl" if locale in {"ar", "ur"} else "ltr"
    for selector in (".notice", ".explainer__facts", ".tools"):
        inside = soup.select_one(selector)
        marked = inside if inside.has_attr("lang") else inside.find_parent(attrs={"lang": True})
        assert (marked["lang"], marked["dir"]) == (locale, loc_dir), selector


def test_a_translated_guide_is_not_marked_english(client):
    content = content_of(client)
    slug = next(iter(content.locales["ar"].explainers))
    _, soup = client.page(f"/ar/explainers/{slug}")
    article = soup.select_one("article")
    assert article["lang"] == "ar" and not article.has_attr("dir")
    for item in soup.select('section[aria-labelledby="related"] li'):
        english = item.a["href"].rsplit("/", 1)[1] not in content.locales["ar"].explainers
        assert marked_english(item.a) is english


def test_arabic_search_marks_english_hits(with_fallback):
    client = with_fallback
    content = content_of(client)
    slugs = untranslated(content, "ar")
    assert FALLBACK in slugs
    english = content.english.explainers[slugs[0]]
    # Not client.page: the Arabic title "نتائج البحث عن …" does not begin with the h1 "بحث".
    response = client.get("/ar/search", params={"q": english.meta.title})
    soup = BeautifulSoup(response.text, "html.parser")
    hits = soup.select("#search-results .link-list > li")
    assert hits
    found = {hit.a["href"]: hit for hit in hits}
    hit = found[f"/ar/explainers/{slugs[0]}"]
    assert (hit["lang"], hit["dir"]) == ("en", "ltr")
    for href, hit in found.items():
        kind, slug = href.split("/")[2:4]
        local = (
            content.locales["ar"].explainers
            if kind == "explainers"
            else content.locales["ar"].glossary
        )
        assert marked_english(hit.a) is (slug not in local), href


def test_arabic_search_fragment_marks_english_hits_too(with_fallback):
    client = with_fallback
    slugs = untranslated(content_of(client), "ar")
    assert FALLBACK in slugs
    title = content_of(client).english.explainers[slugs[0]].meta.title
    _, soup = client.fragment("/ar/search", params={"q": title}, headers={"HX-Request": "true"})
    hit = soup.select_one(f'a[href="/ar/explainers/{slugs[0]}"]')
    assert marked_english(hit)


def test_glossary_index_marks_english_terms_and_lists_translations_first(client):
    content = content_of(client)
    local = content.locales["ur"].glossary
    _, soup = client.page("/ur/glossary/")
    in_english = []
    for term in soup.select(".glossary-list dt"):
        english = term.a["href"].rsplit("/", 1)[1] not in local
        in_english.append(english)
        assert marked_english(term.a) is english
        assert marked_english(term.find_next_sibling("dd")) is english
    assert in_english == sorted(in_english)


def test_a_glossary_meaning_in_english_inside_a_translated_guide_is_marked():
    env = RenderEnv(
        locale="ar",
        definitions={"social-worker": ("Social worker", "Someone who works for the council.")},
        english_terms=frozenset({"social-worker"}),
    )
    html = render_markdown("يزوركم [[social-worker]] في البيت.", env)
    assert '<summary class="term__word"><span lang="en" dir="ltr">social worker</span>' in html
    assert '<span lang="en" dir="ltr">Someone who works for the council.</span>' in html
    # The "more" link is the page's own words.
    assert 'dir="ltr">Someone who works for the council.</span> <a href="/ar/glossary/' in html

    shown_in_arabic = render_markdown(
        "يزوركم [[social-worker|أخصائي اجتماعي]] في البيت.",
        RenderEnv(locale="ar", definitions=env.definitions, english_terms=env.english_terms),
    )
    assert '<summary class="term__word">أخصائي اجتماعي</summary>' in shown_in_arabic

    translated = render_markdown(
        "يزوركم [[social-worker]] في البيت.", RenderEnv(locale="ar", definitions=env.definitions)
    )
    assert "lang=" not in translated


@pytest.fixture(scope="module")
def arabic() -> Content:
    return load_content(["ar"])


def with_step_words(content: Content, locale: str, slug: str, words: StepWords) -> Content:
    """The content with one step's words in `locale` replaced."""
    local = content.locales[locale]
    steps = {**local.pathway.steps, slug: words}
    pathway = local.pathway.model_copy(update={"steps": steps})
    changed = LocaleContent(local.explainers, local.glossary, pathway)
    return Content(
        locales={**content.locales, locale: changed},
        pathway=content.pathway,
        areas=content.areas,
        pathway_version=content.pathway_version,
    )


def test_step_words_left_in_english_say_so(arabic):
    first = arabic.pathway.steps[0]
    whole = step_view(arabic, first.slug, Place(), "ar")
    assert (whole.name_locale, whole.what_locale) == ("ar", "ar")
    assert all(option.when_locale == "ar" for option in whole.next)

    words = arabic.locales["ar"].pathway.steps[first.slug]
    partial = with_step_words(arabic, "ar", first.slug, StepWords(name=words.name))
    view = step_view(partial, first.slug, Place(), "ar")
    assert (view.name, view.name_locale) == (words.name, "ar")
    assert (view.what, view.what_locale) == (first.what, SOURCE_LOCALE)
    assert all(option.when_locale == SOURCE_LOCALE for option in view.next)
    assert view.timescale is None or view.timescale.locale == SOURCE_LOCALE

    screens = walk_screens(
        view, labels={"how_long": "؟", "rights_heading": "x", "rights_text": "y"}
    )
    assert screens[0].heading_locale == "ar" and screens[0].text_locale == SOURCE_LOCALE
    assert all(s.text_locale == SOURCE_LOCALE for s in screens if s.kind == "next")
    assert all(s.heading_locale is None for s in screens if s.kind in {"timescale", "rights"})


def test_pathway_pages_mark_english_sources_and_no_translated_words(client):
    content = content_of(client)
    step = next(s for s in content.pathway.steps if s.timescale and s.timescale.england)
    _, soup = client.page(f"/ar/pathway/{step.slug}?nation=england")
    assert not marked_english(soup.h1)
    source = soup.select_one('section[aria-labelledby="how-long"] .muted span[lang]')
    assert (source["lang"], source["dir"]) == ("en", "ltr")
    _, walk = client.page(f"/ar/pathway/{step.slug}/walk?nation=england&screen=1")
    assert marked_english(walk.select_one(".walk__source span"))
