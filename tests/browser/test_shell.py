"""The shell as a parent sees it on a phone: layout, quick exit, accessibility, languages."""

import pytest

from tests.browser.conftest import axe_violations, screenshot

pytestmark = pytest.mark.browser


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_home_on_a_phone(page, live_server):
    page.goto(f"{live_server}/en/")
    assert page.viewport_size == {"width": 390, "height": 844}
    assert page.locator("h1").inner_text() == "Next Steps: what happens now"
    assert no_horizontal_scroll(page)
    exit_button = page.get_by_role("link", name="Leave this site quickly")
    box = exit_button.bounding_box()
    assert box["y"] < 80, "quick exit is at the top of the screen"
    assert box["height"] >= 44, "quick exit is a large touch target"
    for name in ("What happens next", "My appointments", "Share with my supporter"):
        assert page.get_by_role("link", name=name).is_visible()
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    assert exit_button.bounding_box()["y"] < 80, "quick exit stays in view when scrolled"
    assert page.evaluate("typeof htmx") == "object", "htmx loaded from our own origin"
    screenshot(page, "home-en-390")


def test_quick_exit_replaces_the_page_and_leaves_no_back_entry(page, live_server, neutral_site):
    page.goto(f"{neutral_site}/before")
    page.goto(f"{live_server}/en/")
    entries_before = page.evaluate("history.length")
    page.get_by_role("link", name="Leave this site quickly").click()
    page.wait_for_url(f"{neutral_site}/weather")
    assert page.evaluate("history.length") == entries_before, "no new history entry"
    page.go_back()
    assert page.url == f"{neutral_site}/before", "Back does not return to Next Steps"


def test_pressing_shift_three_times_leaves(page, live_server, neutral_site):
    page.goto(f"{live_server}/cy/")
    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url(f"{neutral_site}/weather")


def test_other_keys_between_shifts_do_not_leave(page, live_server):
    page.goto(f"{live_server}/en/")
    for key in ("Shift", "a", "Shift", "b", "Shift"):
        page.keyboard.press(key)
    page.wait_for_timeout(200)
    assert page.url == f"{live_server}/en/"


@pytest.mark.parametrize("path", ["/en/", "/cy/", "/ar/", "/en/language", "/en/no-such-page"])
def test_no_accessibility_violations(page, live_server, watch, path):
    response = page.goto(f"{live_server}{path}")
    if response.status == 404:
        # Chromium logs the 404 of the page itself as a console error; nothing else may fail.
        watch.console_errors = [e for e in watch.console_errors if "404" not in e]
    assert axe_violations(page) == []


def test_welsh_home(page, live_server):
    page.goto(f"{live_server}/cy/")
    assert page.locator("html").get_attribute("lang") == "cy"
    assert page.locator("h1").inner_text() == "Camau Nesaf: beth sy’n digwydd nawr"
    assert no_horizontal_scroll(page)
    screenshot(page, "home-cy-390")


def test_language_switcher_keeps_the_page(page, live_server):
    page.goto(f"{live_server}/en/language")
    toggle = page.get_by_role("button", name="Language: English")
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    page.locator(".language-switcher").get_by_role("link", name="Cymraeg").click()
    page.wait_for_url(f"{live_server}/cy/language")
    assert page.locator("h1").inner_text() == "Dewiswch eich iaith"


def test_without_javascript_the_language_control_is_a_link_to_the_list(browser, live_server):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live_server}/en/install")
    page.get_by_role("link", name="Language: English").click()
    page.wait_for_url(f"{live_server}/en/language?back=/install")
    welsh = page.locator("main a[hreflang=cy]")
    assert welsh.get_attribute("href") == "/cy/language?next=/install"
    context.close()


def test_right_to_left_locale_mirrors_the_layout(page, live_server):
    page.goto(f"{live_server}/en/")
    ltr_exit = page.locator(".quick-exit__button").bounding_box()
    ltr_name = page.locator(".site-name").bounding_box()

    page.goto(f"{live_server}/ar/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    rtl_exit = page.locator(".quick-exit__button").bounding_box()
    rtl_name = page.locator(".site-name").bounding_box()

    width = page.viewport_size["width"]
    assert ltr_exit["x"] + ltr_exit["width"] > width - 30, "exit at the right in English"
    assert rtl_exit["x"] < 30, "exit at the left in Arabic"
    assert ltr_name["x"] < 30, "site name at the left in English"
    assert rtl_name["x"] + rtl_name["width"] > width - 30, "site name at the right in Arabic"
    assert no_horizontal_scroll(page)
    screenshot(page, "home-ar-390")


def test_pages_work_without_javascript(browser, live_server, neutral_site):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live_server}/en/")
    page.get_by_role("link", name="Leave this site quickly").click()
    page.wait_for_url(f"{neutral_site}/weather")
    context.close()
