"""English guide titles on Arabic and Urdu pages read left to right on a small phone: their
question mark stays at the end, the page does not scroll sideways, and axe finds nothing."""

import pytest

from app.main import create_app
from tests.browser.conftest import axe_violations, screenshot, serving
from tests.conftest import migrate

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_app(live_app, partial_content_dir):
    """The live app's settings, on content with some guides left in English: the fallbacks
    stay tested however many languages are complete."""
    settings = live_app.state.settings.model_copy(update={"content_dir": partial_content_dir})
    app = create_app(settings)
    migrate(app.state.engine)
    yield app
    app.state.engine.dispose()


@pytest.fixture(scope="module")
def live_server(live_app):
    with serving(live_app) as address:
        yield address


#: Where the first and last letters of each English title are drawn, left to right.
ENGLISH_TITLE_ENDS = """
() => [...document.querySelectorAll('.link-list > li[lang="en"] > a')].map(a => {
  const text = a.firstChild;
  const range = document.createRange();
  const box = (i) => { range.setStart(text, i); range.setEnd(text, i + 1);
                       return range.getBoundingClientRect(); };
  const n = text.length;
  return {title: text.data, first: box(0).left, last: box(n - 1).left,
          firstTop: box(0).top, lastTop: box(n - 1).top};
})
"""


@pytest.mark.parametrize("locale", ["ar", "ur"])
def test_english_titles_keep_their_punctuation_at_320_pixels(page, live_server, locale):
    page.set_viewport_size({"width": 320, "height": 700})
    page.goto(f"{live_server}/{locale}/explainers/")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    titles = page.evaluate(ENGLISH_TITLE_ENDS)
    asked = [t for t in titles if t["title"].endswith("?")]
    assert asked, "an English title that asks a question"
    for title in asked:
        # On one line the "?" is to the right of the first letter; a wrapped title ends lower.
        if abs(title["firstTop"] - title["lastTop"]) < 2:
            assert title["last"] > title["first"], title
        else:
            assert title["lastTop"] > title["firstTop"], title
    screenshot(page, f"explainers-{locale}-320")
    assert axe_violations(page) == []


def test_a_guide_in_english_on_an_arabic_page_is_laid_out_left_to_right(
    page, live_app, live_server
):
    content = live_app.state.content
    slug = next(s for s in content.english.explainers if s not in content.locales["ar"].explainers)
    page.set_viewport_size({"width": 320, "height": 700})
    page.goto(f"{live_server}/ar/explainers/{slug}")
    assert (
        page.evaluate("getComputedStyle(document.querySelector('article h1')).direction") == "ltr"
    )
    assert page.evaluate("getComputedStyle(document.querySelector('.notice')).direction") == "rtl"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.evaluate("document.querySelectorAll('details.term').forEach(d => { d.open = true; })")
    screenshot(page, "explainer-ar-in-english-320")
    assert axe_violations(page) == []
