"""A content page as translation segments, and a translated page written back from them.

A guide or glossary term is its translatable front-matter fields (`title`, `summary`;
`term`, `short`, `also`) and its Markdown body cut into paragraphs, headings and list items
by translate-toolkit's Markdown reader (the one `md2po` uses), each known by its place in
the document (`body/h2[3]/li[2]/p[1]`). The pathway is each step's words. A translation is
written by rendering the English page with each segment's translation (as `po2md` does),
so its headings, lists and links are the English ones.
"""

from collections import Counter
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import frontmatter
import yaml
from translate.storage.markdown import MarkdownFile

#: The kinds of page a translator gets, each a folder of the locale (the pathway one file).
KINDS = ("explainers", "glossary", "pathway")
PATHWAY = "pathway"

#: Front-matter fields a translator translates, per kind; the rest stay as in English.
FIELDS = {"explainers": ("title", "summary"), "glossary": ("term", "short", "also")}
#: Where each field of a pathway step is, in the English pathway.yaml and in a translation.
STEP_FIELDS = ("name", "what", "wales.name", "wales.what")


@dataclass(frozen=True)
class Segment:
    """One piece a translator translates: its key in the page, and its words."""

    key: str
    text: str


class _Body(MarkdownFile):
    """translate-toolkit's Markdown reader that names each segment by its place in the
    document, and fills in translations by that name (not by the English words, which may
    repeat in one page with different translations)."""

    def __init__(self, body: str, translations: dict[str, str] | None = None) -> None:
        self.translations = translations or {}
        self.segments: list[Segment] = []
        self._seen: Counter[str] = Counter()
        super().__init__(
            inputfile=BytesIO(body.encode("utf-8")),
            extract_frontmatter=False,
            lookup_callback=lambda _text: None,
        )

    def _translate_callback(self, text: str, path: list[str], docpath: str = "") -> str:
        text = text.strip()
        if not text:
            return ""
        self._seen[docpath] += 1
        count = self._seen[docpath]
        key = "body/" + (docpath or "p") + (f"#{count}" if count > 1 else "")
        self.segments.append(Segment(key, text))
        return self.translations.get(key) or text


def body_segments(body: str) -> list[Segment]:
    return _Body(body).segments


def render_body(english_body: str, translations: dict[str, str]) -> str:
    """The English body with each segment replaced by its translation (po2md's way)."""
    return _Body(english_body, translations).filesrc.strip() + "\n"


def page_path(root: Path, locale: str, kind: str, slug: str) -> Path:
    if kind == PATHWAY:
        return root / locale / "pathway.yaml"
    return root / locale / kind / f"{slug}.md"


def english_slugs(root: Path, kind: str) -> list[str]:
    if kind == PATHWAY:
        return [PATHWAY]
    return sorted(path.stem for path in (root / "en" / kind).glob("*.md"))


def read_page(path: Path) -> tuple[dict, str]:
    post = frontmatter.load(path)
    return dict(post.metadata), post.content


def segments(kind: str, path: Path, *, english: bool) -> list[Segment]:
    """The segments of a page file, English or translated, in reading order."""
    if kind == PATHWAY:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return _english_steps(data) if english else _translated_steps(data)
    meta, body = read_page(path)
    found = []
    for name in FIELDS[kind]:
        value = meta.get(name)
        if name == "also":
            value = "\n".join(value or [])
        if value:
            found.append(Segment(name, str(value).strip()))
    return found + body_segments(body)


def _english_steps(data: dict) -> list[Segment]:
    found = []
    for step in data["steps"]:
        slug = step["slug"]
        for name in ("name", "what"):
            found.append(Segment(f"{slug}/{name}", step[name]))
        for name in ("name", "what"):
            if (step.get("wales") or {}).get(name):
                found.append(Segment(f"{slug}/wales.{name}", step["wales"][name]))
        for option in step.get("next", []):
            found.append(Segment(f"{slug}/next.{option['step']}", option["when"]))
        for nation, rule in (step.get("timescale") or {}).items():
            if rule:
                found.append(Segment(f"{slug}/timescale.{nation}", rule["text"]))
    return found


def _translated_steps(data: dict) -> list[Segment]:
    found = []
    for slug, words in (data.get("steps") or {}).items():
        for name in ("name", "what"):
            if words.get(name):
                found.append(Segment(f"{slug}/{name}", words[name]))
        for name in ("name", "what"):
            if (words.get("wales") or {}).get(name):
                found.append(Segment(f"{slug}/wales.{name}", words["wales"][name]))
        for target, when in (words.get("next") or {}).items():
            found.append(Segment(f"{slug}/next.{target}", when))
        for nation, text in (words.get("timescale") or {}).items():
            found.append(Segment(f"{slug}/timescale.{nation}", text))
    return found


def step_of(key: str) -> str:
    """The pathway step a pathway segment belongs to."""
    return key.split("/", 1)[0]


def _yaml_value(value) -> str:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10**6)
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False, width=10**6)


def _front_matter(meta: dict) -> str:
    lines = []
    for name, value in meta.items():
        text = _yaml_value(value).rstrip("\n")
        if text.endswith("\n..."):
            text = text[: -len("\n...")]
        if isinstance(value, dict | list) and not text.startswith("["):
            lines.append(f"{name}:\n" + "\n".join("  " + line for line in text.splitlines()))
        else:
            lines.append(f"{name}: {text}")
    return "---\n" + "\n".join(lines) + "\n---\n"


def render_page(
    kind: str, english_path: Path, translations: dict[str, str], translation: dict
) -> str:
    """A translated page's file: the English page with its segments translated, the
    English facts kept, and `translation` (status, source_version, …) in its front matter."""
    if kind == PATHWAY:
        return _render_pathway(english_path, translations, translation)
    meta, body = read_page(english_path)
    for name in FIELDS[kind]:
        if name == "also":
            lines = [line.strip() for line in translations.get(name, "").splitlines()]
            meta[name] = [line for line in lines if line]
            if not meta[name]:
                del meta[name]
        elif name in translations:
            meta[name] = translations[name]
    meta["translation"] = translation
    return _front_matter(meta) + render_body(body, translations)


def _render_pathway(english_path: Path, translations: dict[str, str], translation: dict) -> str:
    data = yaml.safe_load(english_path.read_text(encoding="utf-8"))
    steps: dict[str, dict] = {}
    for step in data["steps"]:
        slug, words = step["slug"], {}
        for name in ("name", "what"):
            if translations.get(f"{slug}/{name}"):
                words[name] = translations[f"{slug}/{name}"]
        wales = {
            name: translations[f"{slug}/wales.{name}"]
            for name in ("name", "what")
            if translations.get(f"{slug}/wales.{name}")
        }
        if wales:
            words["wales"] = wales
        after = {
            option["step"]: translations[f"{slug}/next.{option['step']}"]
            for option in step.get("next", [])
            if translations.get(f"{slug}/next.{option['step']}")
        }
        if after:
            words["next"] = after
        timescale = {
            nation: translations[f"{slug}/timescale.{nation}"]
            for nation in (step.get("timescale") or {})
            if translations.get(f"{slug}/timescale.{nation}")
        }
        if timescale:
            words["timescale"] = timescale
        if words:
            steps[slug] = words
    head = (
        "# A translation of en/pathway.yaml, written by `make translation-import`.\n"
        "# Edit it through the PO files (see app/content/README.md), not by hand.\n"
    )
    return head + yaml.safe_dump(
        {"translation": translation, "steps": steps},
        allow_unicode=True,
        sort_keys=False,
        width=10**6,
    )
