"""The catalog template matches the code; every catalog has every string and placeholder."""

import re
import subprocess
import sys

import pytest
from babel.messages.pofile import read_po

from app.i18n import LOCALES_DIR, catalog_locales
from app.settings import ROOT

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")


def read_catalog(path, locale=None):
    with open(path, "rb") as handle:
        return read_po(handle, locale=locale)


def test_catalog_template_is_up_to_date(tmp_path):
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "--no-location",
            "--omit-header",
            "-k",
            "_",
            "-k",
            "gettext",
            "-k",
            "ngettext:1,2",
            "-k",
            "pgettext:1c,2",
            "-o",
            str(fresh),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    committed = {m.id for m in read_catalog(LOCALES_DIR / "messages.pot") if m.id}
    extracted = {m.id for m in read_catalog(fresh) if m.id}
    assert extracted == committed, "run `make translations` and commit the catalogs"


@pytest.mark.parametrize("code", catalog_locales())
def test_every_string_is_translated_with_its_placeholders(code):
    template = {m.id for m in read_catalog(LOCALES_DIR / "messages.pot") if m.id}
    catalog = read_catalog(LOCALES_DIR / code / "LC_MESSAGES" / "messages.po", code)
    translated = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if all(strings):
            translated[message.id] = strings
    missing = template - set(translated)
    assert not missing, f"{code} lacks {len(missing)} strings, e.g. {sorted(missing)[:3]}"
    for msgid, strings in translated.items():
        source = msgid if isinstance(msgid, str) else msgid[0]
        for string in strings:
            assert sorted(PLACEHOLDER.findall(string)) == sorted(PLACEHOLDER.findall(source)), (
                f"{code}: placeholders differ in {source!r}"
            )
