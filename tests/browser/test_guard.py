"""The browser tests' own guard: no page can reach past loopback, and each try is recorded."""

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.browser.conftest import Watch, phone_context

pytestmark = pytest.mark.browser


def test_a_request_off_loopback_goes_to_the_sink_is_refused_and_is_recorded(
    browser, foreign_sink, live_server
):
    watch = Watch()
    context = phone_context(browser, watch)
    page = context.new_page()
    page.goto("about:blank")
    # A name over TLS: the sink refuses the tunnel, so the fetch fails.
    outcome = page.evaluate(
        "fetch('https://example.org/probe', {mode: 'no-cors'})"
        ".then(() => 'answered', () => 'refused')"
    )
    assert outcome == "refused"
    # An address literal (never resolved, so no resolver to stub): the sink refuses it.
    with pytest.raises(PlaywrightError, match="ERR_HTTP_RESPONSE_CODE_FAILURE"):
        page.goto("http://192.0.2.1/probe")
    assert "GET http://192.0.2.1/probe HTTP/1.1" in foreign_sink.asked
    assert "CONNECT example.org:443 HTTP/1.1" in foreign_sink.asked
    assert watch.foreign_requests == ["https://example.org/probe", "http://192.0.2.1/probe"]
    # Loopback goes straight to the app, never to the sink (a new page: the refused one
    # is still showing Chromium's error page).
    before = list(foreign_sink.asked)
    assert context.new_page().goto(f"{live_server}/en/").status == 200
    assert foreign_sink.asked == before
    context.close()
