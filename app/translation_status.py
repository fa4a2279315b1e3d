"""`python -m app.translation_status`: how much of each locale is translated, and how honestly.

Per locale: the share of interface strings translated, and of explainers and glossary
terms, with how many of those are drafts (not yet checked by a person) or out of date
(made from an older English text).
"""

import sys
from pathlib import Path

from babel.messages.pofile import read_po

from app.explainers.content import SOURCE_LOCALE, Content, load_content
from app.explainers.schema import TranslationStatus
from app.i18n import LOCALES_DIR
from app.settings import Settings


def interface_share(code: str) -> tuple[int, int]:
    """(translated, total) interface strings for a locale; English is the source."""
    with open(LOCALES_DIR / "messages.pot", "rb") as handle:
        total = sum(1 for message in read_po(handle) if message.id)
    if code == SOURCE_LOCALE:
        return total, total
    path = LOCALES_DIR / code / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return 0, total
    with open(path, "rb") as handle:
        catalog = read_po(handle, locale=code)
    done = 0
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.id and not message.fuzzy and all(strings):
            done += 1
    return done, total


def content_counts(content: Content, code: str, kind: str) -> dict[str, int]:
    english = getattr(content.english, kind)
    local = getattr(content.locales.get(code), kind, {}) if code in content.locales else {}
    items = list(local.values())
    return {
        "total": len(english),
        "translated": len(items) if code != SOURCE_LOCALE else len(english),
        "draft": sum(
            1
            for item in items
            if item.meta.translation and item.meta.translation.status == TranslationStatus.draft
        ),
        "out_of_date": sum(1 for item in items if content.is_out_of_date(item)),
    }


def report(locales: list[str], root: Path) -> str:
    content = load_content(locales, root=root)
    lines = [
        f"{'locale':<7}{'interface':>11}{'explainers':>13}{'draft':>7}{'old':>5}"
        f"{'glossary':>11}{'draft':>7}{'old':>5}  pathway"
    ]
    for code in locales:
        done, total = interface_share(code)
        explainers = content_counts(content, code, "explainers")
        glossary = content_counts(content, code, "glossary")
        local = content.locales.get(code)
        if code == SOURCE_LOCALE:
            pathway = "source"
        elif local and local.pathway:
            meta = local.pathway.translation
            old = " (out of date)" if meta.source_version != content.pathway_version else ""
            pathway = f"{len(local.pathway.steps)} steps, {meta.status.value}{old}"
        else:
            pathway = "English"
        lines.append(
            f"{code:<7}{done / total:>10.0%} "
            f"{explainers['translated']:>6}/{explainers['total']:<5}{explainers['draft']:>7}"
            f"{explainers['out_of_date']:>5}"
            f"{glossary['translated']:>5}/{glossary['total']:<5}{glossary['draft']:>7}"
            f"{glossary['out_of_date']:>5}  {pathway}"
        )
    return "\n".join(lines)


def main() -> None:
    settings = Settings()
    print(report(sys.argv[1:] or settings.locale_list, settings.content_dir))


if __name__ == "__main__":
    main()
