"""Locales: which one a request gets, its gettext catalog, direction and Babel formatting."""

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel import Locale, localedata
from babel.core import negotiate_locale as babel_negotiate
from babel.dates import format_date, format_datetime, format_time
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
LOCALE_COOKIE = "locale"


@dataclass(frozen=True)
class LocaleInfo:
    """What a page needs to know about its locale."""

    code: str
    name: str  # the language's name in itself: "Cymraeg"
    english_name: str
    direction: str  # "ltr" or "rtl"
    translations: NullTranslations


@cache
def locale_info(code: str) -> LocaleInfo:
    """Catalog and facts for one locale; English (the source language) needs no catalog."""
    babel_locale = Locale.parse(code)
    translations = Translations.load(str(LOCALES_DIR), [code], domain="messages")
    return LocaleInfo(
        code=code,
        name=babel_locale.get_display_name(code) or code,
        english_name=babel_locale.get_display_name("en") or code,
        direction="rtl" if babel_locale.character_order == "right-to-left" else "ltr",
        translations=translations,
    )


def parse_accept_language(header: str | None) -> list[str]:
    """Language tags from an Accept-Language header, most wanted first."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        if not tag or tag == "*":
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            weighted.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(weighted)]


def negotiate(
    available: list[str],
    *,
    saved: str | None = None,
    cookie: str | None = None,
    accept_language: str | None = None,
    default: str = "en",
) -> str:
    """The locale to use: the user's saved choice, then the cookie, then Accept-Language."""
    for choice in (saved, cookie):
        if choice in available:
            return choice
    preferred = parse_accept_language(accept_language)
    # Babel matches "cy-GB" to "cy"; without the alias table it also tries the bare language.
    match = babel_negotiate(preferred, available, sep="-", aliases={})
    if match is None:
        bare = [tag.split("-")[0].lower() for tag in preferred]
        match = next((tag for tag in bare if tag in available), None)
    return match or (default if default in available else available[0])


@cache
def formatting_locale(code: str) -> str:
    """The locale's British variant where CLDR has one: `en` → `en_GB`, for 24-hour times."""
    british = f"{code}_GB"
    return british if localedata.exists(british) else code


class Formatter:
    """Babel date and time formatting for one locale, in the site's time zone (TIMEZONE)."""

    def __init__(self, code: str) -> None:
        from app.localtime import zone

        self.locale = formatting_locale(code)
        self.tz = zone()

    def datetime(self, value: dt.datetime, fmt: str = "medium") -> str:
        return format_datetime(value, fmt, tzinfo=self.tz, locale=self.locale)

    def date(self, value: dt.date | dt.datetime, fmt: str = "long") -> str:
        if isinstance(value, dt.datetime):
            value = value.astimezone(self.tz).date()
        return format_date(value, fmt, locale=self.locale)

    def time(self, value: dt.datetime, fmt: str = "short") -> str:
        return format_time(value, fmt, tzinfo=self.tz, locale=self.locale)


def catalog_locales() -> list[str]:
    """Locales that need a gettext catalog: every served locale except the source, English."""
    from app.settings import Settings

    return [code for code in Settings().locale_list if code != "en"]


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["catalog-locales"]:
        print(" ".join(catalog_locales()))
