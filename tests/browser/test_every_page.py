"""Every HTML page in the route table, on a phone, a small phone and a phone at 200 % zoom.

Signed out and as each demo role, one browser context per role: the `<h1>` starts in the
first 200 px at 390×844 (English, Welsh, Arabic, Punjabi); nothing scrolls sideways at
320×640 or at 195×422 (390×844 at 200 % zoom); every kind of focusable control shows a
focus ring that stands out at 3:1 from the page and from the control; axe finds nothing
against the WCAG 2.2 AA rules. Error-summary links leave their field clear of the bar.
"""

from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from sqlmodel import Session, select

from app.calendar.models import Appointment, CalendarSource
from app.demo import DEMO_PASSPHRASES
from app.resources.models import LocalResource, SharePack
from app.team.models import TeamMember
from tests.browser.conftest import ARTIFACTS, AXE, phone_context, screenshot
from tests.consent.test_gate import endpoints, gate_of

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SMALL = {"width": 320, "height": 640}
ZOOMED = {"width": 195, "height": 422}  # a 390×844 phone at 200 % zoom, in CSS pixels
H1_LIMIT = 200
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Not pages: feeds, files, the API, the service worker, health.
NOT_PAGES = (
    ".ics",
    "/api/",
    "/sw.js",
    "/manifest",
    "/healthz",
    "/readyz",
    "/push/",
    "/data/export",
    "/demo-feeds/",
    "/demo-messages",  # only with DEMO_CHANNELS; checked in tests/notify/test_demo.py
)
STATIC_SAMPLES = {
    "locale": "en",
    "slug": "pre-birth-assessment",
    "step": "pre-birth-assessment",
    "term": "core-group",
    "section": "about_me",
    "token": "no-such-share",
}


def sample_values(app) -> dict[str, str]:
    """Ids from the demo data, so pages with an id in their address show something real."""
    with Session(app.state.engine) as session:
        values = {
            "appointment_id": session.exec(select(Appointment.id)).first(),
            "source_id": session.exec(select(CalendarSource.id)).first(),
            "member_id": session.exec(select(TeamMember.id)).first(),
            "resource_id": session.exec(select(LocalResource.id)).first(),
            "code": session.exec(select(SharePack.code)).first(),
        }
    return STATIC_SAMPLES | {k: str(v) for k, v in values.items() if v is not None}


def page_addresses(app) -> list[tuple[str, bool]]:
    """(address, behind the parent gate) for every GET route that answers with a page."""
    values = sample_values(app)
    seen, pages = set(), []
    for method, route in endpoints(app):
        if method != "GET" or not isinstance(route, APIRoute) or route.path in seen:
            continue
        seen.add(route.path)
        path = route.path
        for name, value in values.items():
            path = path.replace("{" + name + "}", value)
        if "{" in path or any(part in path for part in NOT_PAGES):
            continue
        pages.append((path, gate_of(route) is not None))
    return pages


def sign_in(page, base: str, name: str) -> None:
    page.goto(f"{base}/en/sign-in")
    page.fill("#f-name", name)
    page.fill("#f-passphrase", DEMO_PASSPHRASES[name])
    with page.expect_navigation():
        page.locator("#f-passphrase").press("Enter")


H1_TOP = (
    "(() => { const h = document.querySelector('h1');"
    " return h ? h.getBoundingClientRect().top + scrollY : null; })()"
)
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"

# Every kind of focusable control on the page: its ring at 3:1 on the page and the control.
FOCUS_RINGS = (Path(__file__).parent / "focus_rings.js").read_text()


def axe_wcag22(page) -> list[str]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    result = page.evaluate(
        "(tags) => axe.run(document,"
        " {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_22_AA,
    )
    return [f"{v['id']} {[n['target'] for n in v['nodes']][:3]}" for v in result["violations"]]


def check(page, problems: list[str], where: str, full: bool) -> None:
    """The checks at 390×844 (all of them when `full`), and the reflow at 320 and 200 %.

    A page is checked from the size it loaded at, through the others, and left at the
    last: loaded at 390×844, it ends at 200 %, where the next page loads and is checked
    the other way round. Two resizes a page, not three (each costs Chromium a whole
    layout and paint). What is measured is the layout, the same whether the page loaded
    at a size or was resized to it: no script of ours reads the width."""
    phone_first = page.viewport_size == PHONE
    for size in (PHONE, SMALL, ZOOMED) if phone_first else (ZOOMED, SMALL, PHONE):
        if page.viewport_size != size:
            page.set_viewport_size(size)
        if size == PHONE:
            check_phone(page, problems, where, full)
            continue
        overflow = page.evaluate(OVERFLOW)
        if overflow > 0:
            problems.append(f"{where}: scrolls sideways by {overflow} px at {size['width']} px")


def check_phone(page, problems: list[str], where: str, full: bool) -> None:
    h1_count = page.locator("h1").count()
    if h1_count != 1:
        problems.append(f"{where}: {h1_count} <h1>")
    top = page.evaluate(H1_TOP)
    if top is not None and top > H1_LIMIT:
        problems.append(f"{where}: <h1> starts at {top:.0f} px")
    if full:
        page.keyboard.press("Shift")  # the keyboard is in use: focus shows as it would
        problems.extend(f"{where}: focus {f}" for f in page.evaluate(FOCUS_RINGS))
        problems.extend(f"{where}: axe {v}" for v in axe_wcag22(page))


def test_every_page_for_a_thumb_a_screen_reader_and_zoom(browser, watch, live_app, demo):
    """Signed out. Each demo role's sweep is in a file of its own
    (test_every_page_<role>.py), so that the sweeps run on different cores."""
    sweep(browser, watch, live_app, demo, None)


def sweep(browser, watch, live_app, demo, role: str | None) -> None:
    """Every HTML page in the route table, as `role` (None: signed out), checked at
    390×844, 320×640 and 200 % zoom."""
    base = demo
    # Without the service worker: each page's first visit would otherwise set it copying
    # every public page of that language for offline, which tests/pwa checks on its own.
    context = phone_context(browser, watch, touch=True, service_worker=False)
    page = context.new_page()
    if role:
        sign_in(page, base, role)
    problems: list[str] = []
    visited: set[str] = set()
    languages = ("en", "cy", "ar", "pa")
    for path, gated in page_addresses(live_app):
        if gated and role == "demo-advocate":
            path += "?parent=demo-sam"
        response = page.goto(base + path)
        final = page.url.split("#")[0]
        kind = response.headers.get("content-type", "") if response else ""
        if final in visited or "text/html" not in kind:
            continue
        visited.add(final)
        check(page, problems, f"{role or 'signed out'} {path} → {final[len(base) :]}", full=True)
        # The top of every page in the other scripts, signed out and signed in.
        if final.startswith(base + "/en/"):
            for code in languages[1:]:
                localised = f"/{code}" + final[len(base) + 3 :]
                page.goto(base + localised)
                check(page, problems, f"{role or 'signed out'} {localised}", full=False)
    if role is None:
        page.set_viewport_size(PHONE)
        for code in languages:
            page.goto(f"{base}/{code}/")
            screenshot(page, f"top-{code}-390")
    context.close()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"every-page-{role or 'signed-out'}.txt").write_text("\n".join(problems))
    assert len(visited) > 10, visited
    assert problems == [], "\n".join(problems)


# Forms whose empty submit gives an error summary; the sources page has several forms.
FORMS = [
    ("demo-parent", "/en/calendar/sources", "form[action*='/calendar/appointments']"),
    ("demo-parent", "/en/calendar/sources", "form[action*='/calendar/sources/feed']"),
    ("demo-parent", "/en/team/people/new", "main form[action*='/team/people']"),
    ("demo-worker", "/en/resources/packs/new", "main form[action*='/resources/packs/new']"),
    ("demo-worker", "/en/resources/local/new", "main form[action*='/resources/local/new']"),
    (None, "/en/sign-up", "main form[action*='/sign-up']"),
]


@pytest.mark.parametrize("size", [PHONE, ZOOMED], ids=["390", "200pc"])
def test_error_summary_links_leave_the_field_clear_of_the_bar(browser, watch, demo, size):
    contexts: dict[str | None, object] = {}
    problems: list[str] = []
    for role, path, selector in FORMS:
        if role not in contexts:
            contexts[role] = phone_context(browser, watch, touch=True, service_worker=False)
            if role:
                sign_in(contexts[role].new_page(), demo, role)
        page = contexts[role].new_page()
        page.set_viewport_size(size)
        page.goto(demo + path)
        form = page.locator(selector)
        assert form.get_attribute("novalidate") is not None, f"{path} {selector} lacks novalidate"
        with page.expect_navigation():
            form.evaluate("f => f.requestSubmit()")
        summaries = page.locator("[data-error-summary]")
        assert summaries.count() == 1, f"{path} {selector}: {summaries.count()} error summaries"
        invalid_outside = page.evaluate(
            "(sel) => [...document.querySelectorAll('[aria-invalid=true], .field--error')]"
            ".filter(e => !e.closest(sel)).map(e => e.id || e.className)",
            selector,
        )
        assert invalid_outside == [], f"{path}: errors shown on other forms {invalid_outside}"
        # The summary takes focus: its links keep 4.5:1 on what is behind them.
        links = summaries.first.locator("a")
        for index in range(links.count()):
            page.evaluate("window.scrollTo(0, 0)")
            summaries.first.focus()
            links.nth(index).click()
            box = page.evaluate(
                "() => { const e = document.activeElement; const r = e.getBoundingClientRect();"
                " const bars = document.querySelectorAll('.quick-exit, [data-quick-exit]');"
                " const bar = {bottom: Math.max(...[...bars].map("
                "(b) => b.getBoundingClientRect().bottom))};"
                " return {id: e.id, top: r.top, bottom: r.bottom, bar: bar.bottom,"
                " h: innerHeight}; }"
            )
            href = links.nth(index).get_attribute("href")
            if box["id"] == "" or box["top"] < box["bar"] or box["bottom"] > box["h"] + 1:
                problems.append(f"{size['width']} {path} {href}: {box}")
        if path == "/en/calendar/sources" and size == PHONE:
            screenshot(page, "error-link-sources-390")
        page.close()
    for context in contexts.values():
        context.close()
    assert problems == [], "\n".join(problems)


# A page that scrolls sideways below 390 px, with its heading pushed down to 300 px.
FAULTY = (
    "<!doctype html><html lang=en><meta name=viewport content='width=device-width'>"
    "<body><div style='height:300px'></div><h1>Heading</h1><div style='width:380px'>x</div>"
)


@pytest.mark.parametrize("start", [PHONE, ZOOMED], ids=["loaded-at-390", "loaded-at-200pc"])
def test_the_sweeps_checks_find_their_faults_from_either_size(browser, watch, start):
    """A page is checked from the size it loaded at (see `check`): from either one, the
    low heading and the sideways scroll at 320 and at 200 % are each found once."""
    context = phone_context(browser, watch, touch=True, service_worker=False)
    page = context.new_page()
    page.set_viewport_size(start)
    page.set_content(FAULTY)
    problems: list[str] = []
    check(page, problems, "faulty", full=False)
    context.close()
    assert [problem.split(": ", 1)[1] for problem in problems] == [
        "<h1> starts at 329 px",  # 8 px of the body's margin, 300 px, the h1's own margin
        "scrolls sideways by 68 px at 320 px",  # 380 px and 8 px of margin each side
        "scrolls sideways by 193 px at 195 px",
    ][:: 1 if start == PHONE else -1]
