"""English guide titles on Arabic and Urdu pages read left to right on a small phone: their
question mark stays at the end, the page does not scroll sideways, and axe finds nothing.

Every guide has an Arabic and an Urdu draft now, so the English fallbacks are tested on a
second live app whose content has a few guides taken out of every translation."""

import shutil
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from app.explainers.content import CONTENT_DIR, SOURCE_LOCALE
from app.main import create_app
from tests.browser.conftest import axe_violations, screenshot
from tests.conftest import migrate, settings_for

pytestmark = pytest.mark.browser

#: Guides left in English only on the fallback app: their titles ask a question.
FALLBACKS = ("adoption", "supervision-order")

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


@pytest.fixture(scope="module")
def fallback_app(tmp_path_factory):
    """The app with FALLBACKS in English only, whatever has been translated since."""
    root = tmp_path_factory.mktemp("fallback-content") / "content"
    shutil.copytree(CONTENT_DIR, root)
    for slug in FALLBACKS:
        for translated in root.glob(f"*/explainers/{slug}.md"):
            if translated.parent.parent.name != SOURCE_LOCALE:
                translated.unlink()
    data = tmp_path_factory.mktemp("fallback-live")
    settings = settings_for(
        f"sqlite:///{data / 'live.db'}", data, locales="en,ar,ur", content_dir=root
    )
    app = create_app(settings)
    migrate(app.state.engine)
    yield app
    app.state.engine.dispose()


@pytest.fixture(scope="module")
def fallback_server(fallback_app) -> Iterator[str]:
    server = uvicorn.Server(
        uvicorn.Config(fallback_app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not (server.started and server.servers):
        assert time.monotonic() < deadline, "fallback server did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.mark.parametrize("locale", ["ar", "ur"])
def test_the_guides_index_fits_a_small_phone_and_is_axe_clean(page, live_server, locale):
    """The real list, every title in the reader's language (English names in brackets)."""
    page.set_viewport_size({"width": 320, "height": 700})
    page.goto(f"{live_server}/{locale}/explainers/")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, f"explainers-{locale}-320")
    assert axe_violations(page) == []


@pytest.mark.parametrize("locale", ["ar", "ur"])
def test_english_titles_keep_their_punctuation_at_320_pixels(page, fallback_server, locale):
    page.set_viewport_size({"width": 320, "height": 700})
    page.goto(f"{fallback_server}/{locale}/explainers/")
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
    screenshot(page, f"explainers-{locale}-320-with-english")
    assert axe_violations(page) == []


def test_a_guide_in_english_on_an_arabic_page_is_laid_out_left_to_right(
    page, fallback_app, fallback_server
):
    content = fallback_app.state.content
    slug = next(s for s in content.english.explainers if s not in content.locales["ar"].explainers)
    page.set_viewport_size({"width": 320, "height": 700})
    page.goto(f"{fallback_server}/ar/explainers/{slug}")
    assert (
        page.evaluate("getComputedStyle(document.querySelector('article h1')).direction") == "ltr"
    )
    assert page.evaluate("getComputedStyle(document.querySelector('.notice')).direction") == "rtl"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.evaluate("document.querySelectorAll('details.term').forEach(d => { d.open = true; })")
    screenshot(page, "explainer-ar-in-english-320")
    assert axe_violations(page) == []
