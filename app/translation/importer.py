"""`make translation-import`: PO files back into the guides, glossary and pathway.

A page is written only when every segment has a translation and each keeps the English
facts (numbers, dates' numbers, phone numbers, links, glossary marks); otherwise it is
refused with the file and the segment named. The written pages are then loaded by the
app's own loader (which checks the facts in the front matter and the links) before any
file in the content folder is replaced.

Approval: a segment that is not fuzzy is approved by the person the PO header names in
`Last-Translator`, on the date of `PO-Revision-Date` (Poedit and Weblate fill both in). A
segment approved before, with the same English and the same words, keeps its reviewer. A
page whose every segment is approved is `checked`; any other is a `draft`.
"""

import datetime as dt
import re
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from babel.messages.pofile import read_po
from translate.storage import po

from app.explainers.content import SOURCE_LOCALE, Content, ContentError, load_content
from app.explainers.facts import differences
from app.i18n import LOCALES_DIR
from app.translation import review
from app.translation.export import TEMPLATES, english_version, key_of
from app.translation.pages import (
    KINDS,
    PATHWAY,
    english_slugs,
    page_path,
    read_page,
    render_page,
    segments,
)


@dataclass
class Outcome:
    """What an import did, page by page, in words for the person running it."""

    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # not (fully) translated yet
    refused: list[str] = field(default_factory=list)  # facts or English differ: not written
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.refused


class Refused(Exception):
    """A PO file that cannot be imported: which file, which segment, why."""


@dataclass(frozen=True)
class Staged:
    kind: str
    slug: str
    text: str
    records: dict[str, review.Record]
    source: Path
    translations: dict[str, str]
    translation: dict


def reviewer(header: dict) -> str | None:
    """The reviewer a PO header names, without an e-mail address; None for the blank."""
    name = re.sub(r"<[^>]*>", "", header.get("Last-Translator", "")).strip()
    return None if not name or name.upper() == "FULL NAME" else name


def reviewed_on(header: dict, today: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(header.get("PO-Revision-Date", "")[:10])
    except ValueError:
        return today


def _same(a: str, b: str) -> bool:
    return re.sub(r"\s+", " ", a).strip() == re.sub(r"\s+", " ", b).strip()


def stage_page(
    content: Content,
    root: Path,
    locale: str,
    kind: str,
    slug: str,
    source: Path,
    today: dt.date,
    outcome: Outcome,
) -> Staged | None:
    """A page's new file and records from its PO file; raises Refused, or None to skip."""
    english_path = page_path(root, SOURCE_LOCALE, kind, slug)
    if not english_path.exists():
        raise Refused(f"{source}: there is no English page {kind}/{slug} to translate")
    english = segments(kind, english_path, english=True)
    by_key = {segment.key: segment for segment in english}
    store = po.pofile(source.open("rb"))
    header = store.parseheader()
    units = {}
    for unit in store.units:
        if unit.isheader() or unit.isobsolete():
            continue
        key = key_of(kind, slug, unit.getcontext())
        if key not in by_key or not _same(unit.source, by_key[key].text):
            raise Refused(
                f"{source}: segment '{unit.getcontext()}': its English is not the English of "
                f"app/content/en/{english_path.relative_to(root / SOURCE_LOCALE)} any more. "
                "Run `make translation-export` again and merge this file into the new one "
                "(msgmerge, or your tool's update from template), then import that."
            )
        units[key] = unit
    problems = []
    for key, unit in units.items():
        if unit.target:
            found = differences(by_key[key].text, unit.target)
            if found:
                problems.append(f"  segment '{unit.getcontext()}': " + "; ".join(found))
    if problems:
        raise Refused(
            f"{source}: the translation does not keep the English facts, so "
            f"{kind}/{slug} was not written:\n" + "\n".join(problems)
        )
    translations = {key: unit.target.strip() for key, unit in units.items() if unit.target}
    if not translations:
        return None
    needed = [s.key for s in english if s.key != "also"]
    missing = [key for key in needed if key not in translations]
    if missing and kind != PATHWAY:
        outcome.skipped.append(
            f"{source}: {len(missing)} of {len(needed)} segments not translated yet "
            f"(first: '{missing[0]}'); {kind}/{slug} left as it is"
        )
        return None

    name, date = reviewer(header), reviewed_on(header, today)
    old = review.read_records(review.sidecar_path(root, locale, kind, slug))
    records, unnamed = {}, 0
    for key, text in translations.items():
        record = review.Record(review.segment_hash(by_key[key].text), review.segment_hash(text))
        before = old.get(key)
        if (
            before
            and before.checked_by
            and (before.source, before.text) == (record.source, record.text)
            and not units[key].isfuzzy()
        ):
            record = before
        elif not units[key].isfuzzy():
            if name:
                record = review.Record(record.source, record.text, name, date)
            else:
                unnamed += 1
        records[key] = record
    if unnamed:
        outcome.warnings.append(
            f"{source}: {unnamed} segments are not fuzzy but the file names no reviewer "
            "(Last-Translator), so they stay drafts"
        )
    # Other names to search by (`also`) may be left out; the rest must all be approved.
    checked = all(
        key in records and records[key].checked_by
        for key in (s.key for s in english)
        if key != "also" or key in records
    )
    translation = {"status": "checked" if checked else "draft"}
    translation["source_version"] = english_version(content, kind, slug)
    if checked:
        by = Counter(record.checked_by for record in records.values())
        translation["reviewer"] = ", ".join(person for person, _ in by.most_common())
        translation["checked_on"] = max(record.checked_on for record in records.values())
    text = render_page(kind, english_path, translations, translation)
    return Staged(kind, slug, text, records, source, translations, translation)


def _unchanged(root: Path, locale: str, page: Staged) -> bool:
    """The page already says this, with this status, and no approval is new."""
    target = page_path(root, locale, page.kind, page.slug)
    if not target.exists():
        return False
    if page.kind == PATHWAY:
        meta = yaml.safe_load(target.read_text(encoding="utf-8")).get("translation")
    else:
        meta = read_page(target)[0].get("translation")
    words = {s.key: s.text for s in segments(page.kind, target, english=False)}
    same_words = words.keys() == page.translations.keys() and all(
        _same(words[key], text) for key, text in page.translations.items()
    )
    old = review.read_records(review.sidecar_path(root, locale, page.kind, page.slug))
    approvals = {key for key, record in page.records.items() if record.checked_by}
    return same_words and meta == page.translation and (old == page.records or not approvals)


def _po_files(folder: Path) -> list[tuple[str, str, Path]]:
    found = []
    for kind in KINDS:
        if kind == PATHWAY:
            if (folder / "pathway.po").exists():
                found.append((kind, PATHWAY, folder / "pathway.po"))
            continue
        for path in sorted((folder / kind).glob("*.po")):
            found.append((kind, path.stem, path))
    return found


def _copy_tree(root: Path, locale: str) -> Path:
    """English, the areas and this locale's content in a scratch folder, to load there."""
    staging = Path(tempfile.mkdtemp(prefix="translation-import-"))
    for name in (SOURCE_LOCALE, "areas", locale):
        if (root / name).exists():
            shutil.copytree(root / name, staging / name)
    return staging


def _loads(
    root: Path, staging: Path, locale: str, staged: list[Staged], outcome: Outcome
) -> list[Staged]:
    """The staged pages the app's loader accepts; a page it refuses is named and dropped."""
    for page in staged:
        target = page_path(staging, locale, page.kind, page.slug)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page.text, encoding="utf-8")
    while staged:
        try:
            load_content([SOURCE_LOCALE, locale], root=staging)
            return staged
        except ContentError as error:
            culprit = next(
                (p for p in staged if page_path(staging, locale, p.kind, p.slug) == error.path),
                None,
            )
            if culprit is None:
                raise
            outcome.refused.append(
                f"{culprit.source}: the content loader refused the page it makes: "
                f"field '{error.field}': {error.problem}"
            )
            staged = [page for page in staged if page is not culprit]
            target = page_path(staging, locale, culprit.kind, culprit.slug)
            original = page_path(root, locale, culprit.kind, culprit.slug)
            if original.exists():
                shutil.copyfile(original, target)
            else:
                target.unlink()
    return staged


def import_interface(source: Path, locale: str, outcome: Outcome) -> None:
    """The interface catalog back in place, if it changed and Babel's checks pass."""
    target = LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not target.exists() or source.read_bytes() == target.read_bytes():
        return
    with open(LOCALES_DIR / "messages.pot", "rb") as handle:
        known = {message.id for message in read_po(handle) if message.id}
    with source.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    problems = [
        f"  '{message.id}': {error}" for message, errors in catalog.check() for error in errors
    ]
    problems += [
        f"  '{message.id}': not an interface string any more"
        for message in catalog
        if message.id and message.id not in known
    ]
    if problems:
        outcome.refused.append(f"{source}: interface catalog not copied:\n" + "\n".join(problems))
        return
    shutil.copyfile(source, target)
    outcome.written.append(str(target))


def import_translations(
    export_dir: Path, root: Path, locales: list[str], *, today: dt.date | None = None
) -> Outcome:
    """Read each language's PO files back into the content folder `root`."""
    today = today or dt.date.today()
    outcome = Outcome()
    locales = [code for code in locales if code not in (SOURCE_LOCALE, TEMPLATES)]
    content = load_content([SOURCE_LOCALE, *locales], root=root)
    for locale in locales:
        folder = export_dir / locale
        if not folder.is_dir():
            continue
        staged = []
        for kind, slug, source in _po_files(folder):
            if kind != PATHWAY and slug not in english_slugs(root, kind):
                outcome.refused.append(f"{source}: there is no English page {kind}/{slug}")
                continue
            try:
                page = stage_page(content, root, locale, kind, slug, source, today, outcome)
            except Refused as refusal:
                outcome.refused.append(str(refusal))
                continue
            if page is None:
                continue
            if _unchanged(root, locale, page):
                outcome.unchanged.append(str(page_path(root, locale, kind, slug)))
                continue
            staged.append(page)
        if staged:
            staging = _copy_tree(root, locale)
            try:
                staged = _loads(root, staging, locale, staged, outcome)
            finally:
                shutil.rmtree(staging)
        for page in staged:
            target = page_path(root, locale, page.kind, page.slug)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(page.text, encoding="utf-8")
            review.write_records(
                review.sidecar_path(root, locale, page.kind, page.slug), page.records
            )
            outcome.written.append(str(target))
        if (folder / "interface.po").exists():
            import_interface(folder / "interface.po", locale, outcome)
    return outcome
