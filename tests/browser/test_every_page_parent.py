"""Every page as the demo parent: the sweep of test_every_page.py, signed in.

One file per role, so that the sweeps, the longest tests, spread over the cores."""

import pytest

from tests.browser.test_every_page import sweep

pytestmark = pytest.mark.browser


def test_every_page_as_the_demo_parent(browser, watch, live_app, demo):
    sweep(browser, watch, live_app, demo, "demo-parent")
