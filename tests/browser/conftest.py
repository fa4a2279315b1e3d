"""Browser tests: Debian's Chromium driven by Playwright, against the app on loopback.

Never `playwright install`: the browser is /usr/bin/chromium. Every request the page makes
is checked: anything not on loopback is refused and fails the test. The browser is started
with a proxy that is a sink on loopback, for everything but loopback itself (which Chromium
never proxies): so no request can leave the machine, whatever its address, and the sink
refuses it. Each context records such requests as they are made, for `watch`. (Not
`context.route()`: intercepting every request sends each one through the driver and back,
which made every page load nearly twice as slow, and turned off the HTTP cache.)
"""

import http.server
import os
import socketserver
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import uvicorn

from app.main import create_app
from app.settings import ROOT
from tests.conftest import settings_for

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"
PHONE = {"width": 390, "height": 844}


class NeutralPage(http.server.BaseHTTPRequestHandler):
    """Stands in for the neutral site that quick exit opens (a weather page in production)."""

    def do_GET(self):  # noqa: N802
        body = b"<!doctype html><title>Weather</title><h1>Weather today</h1>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def neutral_site() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NeutralPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="session")
def live_app(tmp_path_factory, neutral_site):
    """The app the live server runs, so tests can set up accounts in its database."""
    from tests.conftest import migrate

    data = tmp_path_factory.mktemp("live")
    settings = settings_for(
        f"sqlite:///{data / 'live.db'}",
        data,
        locales="en,cy,pl,ro,pa,ur,pt,es,ar,bn,gu",
        demo_feeds=True,  # the app serves the demo agencies' feeds to itself, on loopback
        feeds_allow_loopback=True,
    )
    settings.quick_exit_url = f"{neutral_site}/weather"
    app = create_app(settings)
    migrate(app.state.engine)
    yield app
    app.state.engine.dispose()


@contextmanager
def serving(app) -> Iterator[str]:
    """`app` on a free loopback port, in a thread, for as long as the block runs."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not (server.started and server.servers):
        assert time.monotonic() < deadline, "live server did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(live_app) -> Iterator[str]:
    """The app on a free loopback port, with SQLite migrated, and an RTL test locale (ar)."""
    with serving(live_app) as address:
        yield address


class Refuse(socketserver.StreamRequestHandler):
    """The browser's proxy: notes what was asked for and refuses it (403, nothing fetched)."""

    def handle(self):
        line = self.rfile.readline(4096).decode("latin-1").strip()
        self.server.asked.append(line)
        self.wfile.write(
            b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )


@pytest.fixture(scope="session")
def foreign_sink() -> Iterator[socketserver.ThreadingTCPServer]:
    """Where the browser's every off-loopback request goes instead: a refusal on loopback."""
    sink = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Refuse)
    sink.daemon_threads = True
    sink.asked = []
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    yield sink
    sink.shutdown()
    sink.server_close()


@pytest.fixture(scope="session")
def browser(foreign_sink):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    # A flag, not Playwright's `proxy=` option: that one also sends loopback to the proxy.
    proxy = f"--proxy-server=http://127.0.0.1:{foreign_sink.server_address[1]}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_FLAGS, proxy]
        )
        yield browser
        browser.close()


class Watch:
    """What a page did that it must not: off-loopback requests, CSP violations, JS errors."""

    def __init__(self) -> None:
        self.foreign_requests: list[str] = []
        self.console_errors: list[str] = []

    def assert_clean(self) -> None:
        assert self.foreign_requests == [], f"requests off loopback: {self.foreign_requests}"
        assert self.console_errors == [], f"console errors: {self.console_errors}"


@pytest.fixture
def watch() -> Watch:
    return Watch()


# The app's own data saver switch (on its install page), on as a parent short of data sets
# it, until the page turns it off (about:blank and the like have no storage: hence the try).
DATA_SAVER_ON = (
    "try { if (localStorage.getItem('nextsteps.dataSaver') === null)"
    " localStorage.setItem('nextsteps.dataSaver', 'on'); } catch (e) {}"
)


def phone_context(
    browser, watch, *, touch: bool = False, service_worker: bool = True, saves_data: bool = True
):
    """A phone-sized browser context whose requests off loopback are refused and recorded.

    With `touch`, the pointer is coarse and cannot hover, as on a real phone (CSS media
    queries such as `(hover: hover) and (pointer: fine)` then answer as a phone's do).
    Without `service_worker`, pages come straight from the server and nothing is kept for
    offline: for sweeps of the page itself, where the worker's copying of every public page
    in each language visited would only compete with the pages being checked.
    With `saves_data` (unless a test is about reading offline), the phone has the app's data
    saver on, as a parent short of data would: the worker keeps what is opened but does not
    copy every guide in the language (181 pages, about 2 s of both cores for each test, all
    competing with the pages under test). Tests marked `every_guide_offline` turn it off.
    """
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=touch,
        service_workers="allow" if service_worker else "block",
    )

    if saves_data:
        context.add_init_script(DATA_SAVER_ON)
    watch_requests(context, watch)
    return context


def watch_requests(context, watch) -> None:
    """Records, for `watch`, each request the context makes off loopback (the browser's
    proxy sink has already refused it)."""

    def note(request):
        url = request.url
        if (
            not url.startswith(("data:", "blob:", "about:"))
            and (urlsplit(url).hostname or "") not in LOOPBACK
        ):
            watch.foreign_requests.append(url)

    context.on("request", note)


def watched_page(context, watch):
    """A page whose console errors and script errors are recorded for `watch`."""
    page = context.new_page()
    page.on(
        "console",
        lambda message: (
            watch.console_errors.append(message.text) if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: watch.console_errors.append(str(error)))
    return page


@pytest.fixture
def context(browser, watch, request):
    every_guide = request.node.get_closest_marker("every_guide_offline") is not None
    context = phone_context(browser, watch, saves_data=not every_guide)
    yield context
    context.close()


@pytest.fixture
def page(context, watch):
    page = watched_page(context, watch)
    yield page
    watch.assert_clean()


def axe_violations(page) -> list[dict]:
    """axe-core (from the npm lockfile) run in the page; evaluated, so the CSP stays on."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
    ]


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture(scope="session")
def demo(live_app, live_server):
    """The demo data with its four feeds, as `make run` loads it, then one refresh pass."""
    from sqlmodel import Session

    from app.calendar.worker import run_once
    from app.demo import load_demo_data

    with Session(live_app.state.engine) as session:
        load_demo_data(session, settings=live_app.state.settings, origin=live_server)
    assert run_once(live_app.state.engine, live_app.state.feed_client) == 4
    return live_server
