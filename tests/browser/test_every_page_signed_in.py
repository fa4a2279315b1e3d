"""Every page as each demo role: the sweep of test_every_page.py, signed in."""

import pytest

from tests.browser.test_every_page import ROLES, sweep

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("role", [role for role in ROLES if role])
def test_every_page_signed_in(browser, watch, live_app, demo, role):
    sweep(browser, watch, live_app, demo, role)
