"""Who checked which segment of a translation, against which English.

`make translation-import` keeps, beside each translated page, a record of every segment:
a hash of the English it translates, a hash of its translation, and the reviewer and date
if a person approved it. The record is a sidecar (`<locale>/segments/<kind>/<slug>.yaml`),
so the page file keeps the format every translation has. When the English changes, only
the segments whose English hash no longer matches are out of date; the others keep their
approval.
"""

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from app.translation.pages import PATHWAY, Segment

SIDECAR_DIR = "segments"


def segment_hash(text: str) -> str:
    """A short hash of a segment's words; white space does not count (PO reflows it)."""
    return hashlib.sha256(re.sub(r"\s+", " ", text).strip().encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Record:
    """A translated segment as last imported."""

    source: str  # hash of the English it translates
    text: str  # hash of its translation
    checked_by: str | None = None
    checked_on: dt.date | None = None


def sidecar_path(root: Path, locale: str, kind: str, slug: str) -> Path:
    if kind == PATHWAY:
        return root / locale / SIDECAR_DIR / "pathway.yaml"
    return root / locale / SIDECAR_DIR / kind / f"{slug}.yaml"


def read_records(path: Path) -> dict[str, Record]:
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {key: Record(**value) for key, value in (data.get("segments") or {}).items()}


def write_records(path: Path, records: dict[str, Record]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    segments = {}
    for key, record in records.items():
        entry = {"source": record.source, "text": record.text}
        if record.checked_by:
            entry.update(checked_by=record.checked_by, checked_on=record.checked_on)
        segments[key] = entry
    head = (
        "# Written by `make translation-import`: for each segment of the translation, a hash\n"
        "# of the English it translates and of its words, and who checked it. Do not edit.\n"
    )
    path.write_text(
        head + yaml.safe_dump({"segments": segments}, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )


@dataclass(frozen=True)
class SegmentState:
    """A segment of the English page and what the translation has for it now."""

    key: str
    english: str
    text: str | None  # the translation, if there is one
    checked_by: str | None = None
    checked_on: dt.date | None = None
    english_changed: bool = False  # translated from other English than there is now
    edited: bool = False  # the translation was changed outside the PO round trip

    @property
    def approved(self) -> bool:
        return bool(self.text and self.checked_by and not self.english_changed)


def states(
    english: list[Segment], translated: dict[str, str], records: dict[str, Record]
) -> list[SegmentState]:
    """Each English segment with its translation and how far that can be trusted.

    A segment's translation is found by the English it was made from (so a paragraph that
    moved keeps its translation), else by its place in the page (a draft made by hand, or
    one whose English has changed since).
    """
    by_source: dict[str, str] = {}
    for key, record in records.items():
        by_source.setdefault(record.source, key)
    found = []
    for segment in english:
        source = segment_hash(segment.text)
        record_key = segment.key if records.get(segment.key, _NONE).source == source else None
        record_key = record_key or by_source.get(source)
        if record_key is not None and record_key in translated:
            record = records[record_key]
            text = translated[record_key]
            edited = segment_hash(text) != record.text
            found.append(
                SegmentState(
                    segment.key,
                    segment.text,
                    text,
                    None if edited else record.checked_by,
                    None if edited else record.checked_on,
                    edited=edited,
                )
            )
            continue
        text = translated.get(segment.key)
        changed = bool(text) and segment.key in records
        found.append(SegmentState(segment.key, segment.text, text, english_changed=changed))
    return found


_NONE = Record(source="", text="")
