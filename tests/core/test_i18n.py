"""Locale negotiation, the language switcher, and Babel formatting in Europe/London."""

from datetime import UTC, datetime

import pytest

from app.i18n import Formatter, locale_info, negotiate, parse_accept_language


def test_accept_language_is_ordered_by_quality():
    assert parse_accept_language("en;q=0.5, cy-GB, pl;q=0.8, *;q=0.1") == ["cy-GB", "pl", "en"]
    assert parse_accept_language("") == []
    assert parse_accept_language("fr;q=nonsense") == []


@pytest.mark.parametrize(
    ("saved", "cookie", "header", "expected"),
    [
        ("cy", "en", "en", "cy"),  # the user's saved choice wins
        (None, "cy", "en", "cy"),  # then the cookie
        (None, "fr", "cy-GB,en;q=0.5", "cy"),  # then the browser, region ignored
        (None, None, "pl, fr;q=0.8", "en"),  # then English
        ("xx", "yy", None, "en"),  # unknown choices are ignored
    ],
)
def test_negotiation_order(saved, cookie, header, expected):
    assert negotiate(["en", "cy"], saved=saved, cookie=cookie, accept_language=header) == expected


def test_right_to_left_comes_from_babel():
    assert locale_info("ar").direction == "rtl"
    assert locale_info("ur").direction == "rtl"
    assert locale_info("cy").direction == "ltr"
    assert locale_info("cy").name == "Cymraeg"


def test_times_are_shown_in_london_time_in_both_seasons():
    summer = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)  # BST: 10:00 in London
    winter = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # GMT: 09:00 in London
    english = Formatter("en")  # TIMEZONE's default, Europe/London
    assert english.time(summer) == "10:00"
    assert english.time(winter) == "09:00"
    assert english.date(summer) == "1 July 2026"
    assert Formatter("cy").date(summer) == "1 Gorffennaf 2026"


def test_root_redirects_by_cookie_then_browser_language(client):
    response = client.get(
        "/", headers={"Accept-Language": "cy-GB,cy;q=0.9"}, follow_redirects=False
    )
    assert response.status_code == 302
    assert response.headers["location"] == "/cy/"
    assert response.headers["vary"] == "Accept-Language, Cookie"

    client.cookies.set("locale", "en")
    response = client.get("/", headers={"Accept-Language": "cy"}, follow_redirects=False)
    assert response.headers["location"] == "/en/"


def test_root_without_any_preference_goes_to_english(client):
    response = client.get("/", follow_redirects=False)
    assert response.headers["location"] == "/en/"


def test_language_switcher_keeps_you_on_the_same_page(client):
    _, soup = client.page("/en/")
    welsh = soup.select_one('.language-switcher a[hreflang="cy"]')
    assert welsh["href"] == "/cy/language?next=/"

    response = client.get("/cy/language?next=/pathway/step", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/cy/pathway/step"
    assert "locale=cy" in response.headers["set-cookie"]
    assert "HttpOnly" in response.headers["set-cookie"]
    assert "samesite=lax" in response.headers["set-cookie"].lower()

    response = client.get("/", follow_redirects=False)
    assert response.headers["location"] == "/cy/"


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "\\\\evil", "evil"])
def test_language_switch_never_redirects_off_site(client, target):
    response = client.get("/cy/language", params={"next": target}, follow_redirects=False)
    assert response.headers["location"] == "/cy/"


def test_language_page_lists_every_language_in_its_own_name(client):
    _, soup = client.page("/en/language")
    names = [a.get_text(strip=True) for a in soup.select(".language-list a")]
    assert names[:2] == ["English", "Cymraeg"]
    assert "العربية" in names and "ਪੰਜਾਬੀ" in names and len(names) == 11
