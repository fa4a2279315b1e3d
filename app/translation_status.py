"""`python -m app.translation_status`: how much of each locale is translated, and how honestly.

Per locale: the share of interface strings translated, and for guides, glossary terms and
pathway steps how many are checked (every segment approved by a named reviewer), drafts
(not yet), out of date (made from an older English text, or with a segment whose English
has changed since) and missing (shown in English).
"""

import sys
from collections import Counter
from pathlib import Path

from babel.messages.pofile import read_po

from app.explainers.content import SOURCE_LOCALE, Content, load_content
from app.explainers.schema import TranslationStatus
from app.i18n import LOCALES_DIR
from app.settings import Settings
from app.translation import review
from app.translation.pages import PATHWAY, page_path, segments, step_of

STATES = ("checked", "draft", "out_of_date", "missing")


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


def content_counts(content: Content, code: str, kind: str) -> Counter:
    """Guides or glossary terms of a locale: how many are checked, drafts, out of date or
    missing, out of `total`."""
    english = getattr(content.english, kind)
    counts = Counter(total=len(english))
    if code == SOURCE_LOCALE:
        counts["checked"] = len(english)
        return counts
    local = getattr(content.locales[code], kind) if code in content.locales else {}
    for slug in english:
        item = local.get(slug)
        if item is None:
            counts["missing"] += 1
        elif content.is_out_of_date(item):
            counts["out_of_date"] += 1
        elif item.meta.translation.status == TranslationStatus.checked:
            counts["checked"] += 1
        else:
            counts["draft"] += 1
    return counts


def pathway_counts(content: Content, code: str, root: Path) -> Counter:
    """Pathway steps of a locale, counted as pages are; a step is out of date when one of
    its segments was translated from other English than there is now."""
    steps = [step.slug for step in content.pathway.steps]
    counts = Counter(total=len(steps))
    local = content.locales.get(code)
    if code == SOURCE_LOCALE:
        counts["checked"] = len(steps)
        return counts
    if local is None or local.pathway is None:
        counts["missing"] = len(steps)
        return counts
    english = segments(PATHWAY, page_path(root, SOURCE_LOCALE, PATHWAY, PATHWAY), english=True)
    translated = {
        s.key: s.text
        for s in segments(PATHWAY, page_path(root, code, PATHWAY, PATHWAY), english=False)
    }
    records = review.read_records(review.sidecar_path(root, code, PATHWAY, PATHWAY))
    whole_file_old = local.pathway.translation.source_version != content.pathway_version
    by_step: dict[str, list[review.SegmentState]] = {}
    for state in review.states(english, translated, records):
        by_step.setdefault(step_of(state.key), []).append(state)
    for slug in steps:
        mine = by_step.get(slug, [])
        if slug not in local.pathway.steps:
            counts["missing"] += 1
        elif any(s.english_changed for s in mine) or (whole_file_old and not records):
            counts["out_of_date"] += 1
        elif records and all(s.approved for s in mine):
            counts["checked"] += 1
        else:
            counts["draft"] += 1
    return counts


def _cells(counts: Counter) -> str:
    done = counts["total"] - counts["missing"]
    share = done / counts["total"] if counts["total"] else 1
    return f"{share:>6.0%}" + "".join(f"{counts[state]:>6}" for state in STATES)


def report(locales: list[str], root: Path) -> str:
    content = load_content(locales, root=root)
    group = f"{'done':>6}" + "".join(f"{name:>6}" for name in ("chkd", "draft", "old", "miss"))
    totals = (
        f"guides ({len(content.english.explainers)})",
        f"glossary ({len(content.english.glossary)})",
        f"pathway steps ({len(content.pathway.steps)})",
    )
    lines = [
        f"{'':<7}{'':>10}" + "".join(f"  {title:<30}" for title in totals),
        f"{'locale':<7}{'interface':>10}" + f"  {group}" * 3,
    ]
    for code in locales:
        done, total = interface_share(code)
        lines.append(
            f"{code:<7}{done / total:>10.0%}"
            f"  {_cells(content_counts(content, code, 'explainers'))}"
            f"  {_cells(content_counts(content, code, 'glossary'))}"
            f"  {_cells(pathway_counts(content, code, root))}"
        )
    lines.append(
        "done: in the reader's language (draft or checked); chkd: every segment approved by a"
        " named reviewer; old: made from an older English text; miss: shown in English."
    )
    return "\n".join(lines)


def main() -> None:
    settings = Settings()
    print(report(sys.argv[1:] or settings.locale_list, settings.content_dir))


if __name__ == "__main__":
    main()
