"""Every language on a small phone: right-to-left mirrored for Urdu and Arabic, real glyphs
(no empty boxes) for Punjabi, Bengali and Gujarati, and no accessibility violations.

Screenshots are saved to test-artifacts/ for a person to look at.
"""

import pytest

from tests.browser.conftest import axe_violations, screenshot

pytestmark = pytest.mark.browser

# The script each language is written in, and a word of the family name of the Noto font
# that Debian's fonts-noto-core gives for it.
SCRIPTS = {"pa": "Gurmukhi", "bn": "Bengali", "gu": "Gujarati", "ur": "Arabic", "ar": "Arabic"}


def fonts_used(page, selector: str) -> dict[str, int]:
    """The platform fonts Chromium used to draw an element's text, with glyph counts."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    return {font["familyName"]: font["glyphCount"] for font in fonts}


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("code", ["ur", "ar"])
def test_right_to_left_explainer_at_320_pixels(page, live_server, code):
    page.set_viewport_size({"width": 320, "height": 720})
    page.goto(f"{live_server}/{code}/explainers/referral")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("article").get_attribute("lang") == code, "the translation, not English"
    assert no_horizontal_scroll(page)
    heading = page.locator("h1").bounding_box()
    assert heading["x"] + heading["width"] > 320 - 40, "text starts at the right"
    assert page.locator(".quick-exit__button").bounding_box()["x"] < 40, "exit on the left"
    screenshot(page, f"explainer-{code}-320")
    assert axe_violations(page) == []


@pytest.mark.parametrize("code", ["pa", "bn", "gu", "ur", "ar"])
def test_real_glyphs_for_every_script(page, live_server, code):
    page.set_viewport_size({"width": 320, "height": 720})
    page.goto(f"{live_server}/{code}/explainers/referral")
    fonts = fonts_used(page, "h1")
    script_fonts = {name: count for name, count in fonts.items() if SCRIPTS[code] in name}
    assert script_fonts and sum(script_fonts.values()) > 0, f"{code} drawn with {fonts}"
    assert no_horizontal_scroll(page)
    screenshot(page, f"explainer-{code}-320-glyphs")
    assert axe_violations(page) == []


@pytest.mark.parametrize("code", ["cy", "pl", "ro", "pt", "es", "pa", "ur", "ar", "bn", "gu"])
def test_home_in_every_language(page, live_server, code):
    page.goto(f"{live_server}/{code}/")
    assert page.locator("html").get_attribute("lang") == code
    english = "Leave this site quickly"
    assert page.locator(".quick-exit__button").inner_text() != english, "interface translated"
    assert no_horizontal_scroll(page)
    assert axe_violations(page) == []
