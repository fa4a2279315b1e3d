"""`make translation-export`: every guide, glossary term and the pathway as gettext PO files,
one per page and language, for Weblate, Poedit or a translation agency.

Each segment is a PO unit: the English as msgid, the page and place as msgctxt, a note
(`#.`) saying where it is and what must stay as in the English, and the translation we
have as msgstr. A segment nobody has approved is fuzzy; an approved one is not. The
interface catalogs go beside them as they are.
"""

import shutil
from pathlib import Path

from translate.storage import po

from app.explainers.content import SOURCE_LOCALE, Content, load_content
from app.explainers.facts import facts
from app.i18n import LOCALES_DIR
from app.translation import review
from app.translation.pages import (
    KINDS,
    PATHWAY,
    Segment,
    english_slugs,
    page_path,
    segments,
)

TEMPLATES = "templates"


def po_path(out: Path, locale: str, kind: str, slug: str) -> Path:
    if kind == PATHWAY:
        return out / locale / "pathway.po"
    return out / locale / kind / f"{slug}.po"


def context(kind: str, slug: str, key: str) -> str:
    """A segment's msgctxt: the page and its place, unique in every file."""
    return key if kind == PATHWAY else f"{slug}/{key}"


def key_of(kind: str, slug: str, msgctxt: str) -> str | None:
    if kind == PATHWAY:
        return msgctxt
    prefix = f"{slug}/"
    return msgctxt[len(prefix) :] if msgctxt.startswith(prefix) else None


def english_version(content: Content, kind: str, slug: str) -> str:
    if kind == PATHWAY:
        return content.pathway_version
    return getattr(content.english, kind)[slug].version


def _where(kind: str, slug: str, segment: Segment, english: list[Segment], content: Content):
    """Where a segment is, in words a translator can find it by."""
    if kind == PATHWAY:
        step, field = segment.key.split("/", 1)
        name = content.step(step).name
        if field.startswith("next."):
            target = content.step(field[5:]).name
            return f"Pathway step “{name}”: when the next step is “{target}”."
        if field.startswith("timescale."):
            return f"Pathway step “{name}”: how long it takes in {field[10:].title()}."
        words = {
            "name": "its name",
            "what": "what it is, in one line",
            "wales.name": "its name in Wales",
            "wales.what": "what it is in Wales, in one line",
        }
        return f"Pathway step “{name}”: {words[field]}."
    page = getattr(content.english, kind)[slug]
    title = page.meta.title if kind == "explainers" else page.meta.term
    label = "Guide" if kind == "explainers" else "Glossary term"
    fields = {
        "title": "its title",
        "summary": "its one-sentence summary",
        "term": "the term",
        "short": "its meaning in one plain line (at most 200 characters)",
        "also": "other names people search for, one a line (add or drop lines freely)",
    }
    if segment.key in fields:
        return f"{label} “{title}” ({kind}/{slug}): {fields[segment.key]}."
    place = segment.key.removeprefix("body/")
    part = place.rsplit("/", 1)[-1]
    heading = next(
        (
            other.text
            for other in english
            if other.key.startswith("body/h") and place.startswith(other.key[5:] + "/")
        ),
        None,
    )
    kind_of_part = (
        "a heading"
        if part.startswith("h")
        else "a list item"
        if "/li[" in place
        else "a table cell"
        if "/c[" in place
        else "a paragraph"
    )
    under = f" under “{heading}”" if heading else ""
    return f"{label} “{title}” ({kind}/{slug}): {kind_of_part}{under} [{place}]."


def _keep(text: str) -> str | None:
    """What must stay as in the English, in words."""
    found: dict[str, set[str]] = {}
    for fact in facts(text):
        kind, value = fact.split(":", 1)
        found.setdefault(kind, set()).add(value)
    if not found:
        return None
    parts = []
    if "link" in found:
        shown = ", ".join(f"{{{v}}}" if v.isdigit() else v for v in sorted(found["link"]))
        parts.append(f"the links {shown} (keep each, around the words that link)")
    if "term" in found:
        marks = ", ".join(f"[[{term}|…]]" for term in sorted(found["term"]))
        parts.append(f"the glossary marks {marks} (keep the part before |, translate after it)")
    for kind, label in (("phone", "phone numbers"), ("number", "numbers")):
        if kind in found:
            parts.append(f"the {label} {', '.join(sorted(found[kind], key=len))}")
    return "Keep as in the English: " + "; ".join(parts) + "."


def _state_note(state: review.SegmentState, page_out_of_date: bool) -> str | None:
    if state.checked_by and not state.english_changed and not state.edited:
        return f"Checked by {state.checked_by} on {state.checked_on.isoformat()}."
    if state.english_changed:
        return "The English of this segment changed since it was translated: check it."
    if state.edited:
        return "Changed in the content file since it was imported: check it."
    if state.text and page_out_of_date:
        return "Draft made from an older English page: check it against this English."
    if state.text:
        return "Draft, not yet checked by a person: check it, then clear the fuzzy mark."
    return None


def _new_store(locale: str, kind: str, slug: str, version: str) -> po.pofile:
    store = po.pofile()
    store.updateheader(
        add=True,
        Project_Id_Version=f"Next Steps {kind}/{slug}" if kind != PATHWAY else "Next Steps pathway",
        Report_Msgid_Bugs_To="",
        POT_Creation_Date="",
        PO_Revision_Date="YEAR-MO-DA HO:MI+ZONE",
        Last_Translator="",
        Language_Team="",
        Language=locale if locale != TEMPLATES else "",
        MIME_Version="1.0",
        Content_Type="text/plain; charset=UTF-8",
        Content_Transfer_Encoding="8bit",
        X_Next_Steps_Page=f"{kind}/{slug}" if kind != PATHWAY else PATHWAY,
        X_Source_Version=version,
    )
    header = store.header()
    header.markfuzzy(False)
    return store


def export_page(content: Content, root: Path, locale: str, kind: str, slug: str) -> po.pofile:
    """One page in one language as a PO store."""
    english = segments(kind, page_path(root, SOURCE_LOCALE, kind, slug), english=True)
    version = english_version(content, kind, slug)
    store = _new_store(locale, kind, slug, version)
    translated, page_out_of_date, records = {}, False, {}
    if locale != TEMPLATES:
        path = page_path(root, locale, kind, slug)
        if path.exists():
            translated = {s.key: s.text for s in segments(kind, path, english=False)}
            local = content.locales[locale]
            meta = (
                local.pathway.translation
                if kind == PATHWAY
                else getattr(local, kind)[slug].meta.translation
            )
            page_out_of_date = meta.source_version != version
        records = review.read_records(review.sidecar_path(root, locale, kind, slug))
    for state in review.states(english, translated, records):
        segment = Segment(state.key, state.english)
        unit = store.addsourceunit(state.english)
        unit.setcontext(context(kind, slug, state.key))
        location = "pathway.yaml" if kind == PATHWAY else f"{kind}/{slug}.md"
        unit.addlocation(f"app/content/en/{location}")
        unit.addnote(_where(kind, slug, segment, english, content), origin="developer")
        for note in (_keep(state.english), _state_note(state, page_out_of_date)):
            if note:
                unit.addnote(note, origin="developer")
        if state.text:
            unit.target = state.text
            unit.markfuzzy(not state.approved)
    return store


def export(
    root: Path, out: Path, locales: list[str], *, only: set[tuple[str, str]] | None = None
) -> list[Path]:
    """Write every page (or `only` these (kind, slug)) of every language, and English
    templates (.pot, for msgmerge and for starting a new language), under `out`."""
    locales = [code for code in locales if code != SOURCE_LOCALE]
    content = load_content([SOURCE_LOCALE, *locales], root=root)
    written = []
    for locale in [TEMPLATES, *locales]:
        for kind in KINDS:
            for slug in english_slugs(root, kind):
                if only is not None and (kind, slug) not in only:
                    continue
                store = export_page(content, root, locale, kind, slug)
                path = po_path(out, locale, kind, slug)
                if locale == TEMPLATES:
                    path = path.with_suffix(".pot")
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(bytes(store))
                written.append(path)
        catalog = LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po"
        if catalog.exists():
            shutil.copyfile(catalog, out / locale / "interface.po")
            written.append(out / locale / "interface.po")
    return written
