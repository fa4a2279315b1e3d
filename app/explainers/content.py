"""Loads every content file once at start-up, validates it, and keeps it rendered in memory.

A file that does not fit stops start-up with a ContentError naming the file and the field.
"""

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import frontmatter
import yaml
from pydantic import BaseModel, ValidationError

from app.explainers.render import RenderEnv, render_markdown
from app.explainers.schema import (
    TERM_MARK,
    Area,
    ExplainerMeta,
    GlossaryMeta,
    Nation,
    Pathway,
    PathwayStep,
    PathwayTranslation,
    StepWords,
)
from app.explainers.text import plain_text

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
SOURCE_LOCALE = "en"


class ContentError(Exception):
    """A content file that does not fit: which file, which field, what is wrong."""

    def __init__(self, path: Path, field_name: str, problem: str) -> None:
        self.path, self.field, self.problem = path, field_name, problem
        super().__init__(f"{path}: field '{field_name}': {problem}")


@dataclass(frozen=True)
class Explainer:
    meta: ExplainerMeta
    locale: str  # the language the text is in
    html: str
    text: str  # plain text, for search and reading age
    body: str  # the Markdown source
    version: str  # English: a hash of the text; a translation: the English version it renders
    headings: tuple[tuple[str, str], ...] = ()  # (id, text) of each section heading


@dataclass(frozen=True)
class GlossaryEntry:
    meta: GlossaryMeta
    locale: str
    html: str
    text: str
    version: str  # as for explainers


#: The front matter a translation must keep exactly as the English has it.
SHARED_FIELDS = ("stage", "jurisdiction", "related", "terms", "sources", "reviewed_on")


@dataclass
class LocaleContent:
    explainers: dict[str, Explainer] = field(default_factory=dict)
    glossary: dict[str, GlossaryEntry] = field(default_factory=dict)
    pathway: PathwayTranslation | None = None


@dataclass
class Content:
    """Everything a parent can read, per locale, with English as the source and fallback."""

    locales: dict[str, LocaleContent]
    pathway: Pathway
    areas: dict[str, Area]
    pathway_version: str

    @property
    def english(self) -> LocaleContent:
        return self.locales[SOURCE_LOCALE]

    def explainer(self, locale: str, slug: str) -> Explainer | None:
        """The explainer in this locale, else in English (check `.locale`), else None."""
        local = self.locales.get(locale)
        if local and slug in local.explainers:
            return local.explainers[slug]
        return self.english.explainers.get(slug)

    def glossary_entry(self, locale: str, slug: str) -> GlossaryEntry | None:
        local = self.locales.get(locale)
        if local and slug in local.glossary:
            return local.glossary[slug]
        return self.english.glossary.get(slug)

    def step(self, slug: str) -> PathwayStep | None:
        return self._steps.get(slug)

    def __post_init__(self) -> None:
        self._steps = {step.slug: step for step in self.pathway.steps}

    def is_out_of_date(self, item: Explainer | GlossaryEntry) -> bool:
        """A translation made from an older English text than the one we have now."""
        source = self.english.explainers if isinstance(item, Explainer) else self.english.glossary
        english = source.get(item.meta.slug)
        return (
            item.locale != SOURCE_LOCALE and english is not None and item.version != english.version
        )

    def step_words(self, locale: str, slug: str) -> StepWords | None:
        """A step's words in this locale, where a translation gives them."""
        local = self.locales.get(locale)
        if local and local.pathway:
            return local.pathway.steps.get(slug)
        return None

    def steps_for_explainer(self, slug: str) -> list[PathwayStep]:
        return [step for step in self.pathway.steps if step.explainer == slug]

    def areas_for(self, nation: Nation) -> dict[str, Area]:
        return {slug: area for slug, area in self.areas.items() if area.jurisdiction == nation}


def text_version(*parts: str) -> str:
    """A short hash of what a reader sees in English; translations record the one they used."""
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


def _validate(model: type[BaseModel], data: dict, path: Path):
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = ".".join(str(part) for part in error["loc"]) or "(file)"
        raise ContentError(path, name, error["msg"]) from None


def _read_front_matter(path: Path) -> tuple[dict, str]:
    try:
        post = frontmatter.load(path)
    except (yaml.YAMLError, ValueError) as exc:
        raise ContentError(path, "front matter", f"not valid YAML: {exc}") from None
    return dict(post.metadata), post.content


def _read_yaml(path: Path) -> dict:
    try:
        # libyaml (CSafeLoader) reads the same safe subset about ten times faster.
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    except yaml.YAMLError as exc:
        raise ContentError(path, "(file)", f"not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ContentError(path, "(file)", "expected a mapping at the top")
    return data


def _read_entry(path: Path, model: type[BaseModel], locale: str):
    """A content file's checked front matter and its Markdown body."""
    data, body = _read_front_matter(path)
    meta = _validate(model, data, path)
    if meta.slug != path.stem:
        raise ContentError(path, "slug", f"'{meta.slug}' differs from the file name")
    _check_translation_meta(path, meta, locale)
    return meta, body


def _load_glossary(folder: Path, locale: str, more_label: str) -> dict[str, GlossaryEntry]:
    entries: dict[str, GlossaryEntry] = {}
    for path in sorted(folder.glob("*.md")):
        meta, body = _read_entry(path, GlossaryMeta, locale)
        env = RenderEnv(locale=locale, definitions={}, more_label=more_label)
        html = render_markdown(body, env)
        version = (
            meta.translation.source_version
            if meta.translation
            else text_version(meta.term, meta.short, body)
        )
        entries[meta.slug] = GlossaryEntry(meta, locale, html, plain_text(body), version)
    return entries


def _check_translation_meta(path: Path, meta, locale: str) -> None:
    if locale == SOURCE_LOCALE and meta.translation is not None:
        raise ContentError(path, "translation", "English is the source, not a translation")
    if locale != SOURCE_LOCALE and meta.translation is None:
        raise ContentError(path, "translation", "a translation needs status and source_version")


def _check_agrees_with_english(folder: Path, local: LocaleContent, english: LocaleContent) -> None:
    """A translation has an English original and keeps its facts: sources, stage, links."""
    for slug, explainer in local.explainers.items():
        path = folder / "explainers" / f"{slug}.md"
        original = english.explainers.get(slug)
        if original is None:
            raise ContentError(path, "slug", f"no English explainer '{slug}' to translate")
        for name in SHARED_FIELDS:
            if getattr(explainer.meta, name) != getattr(original.meta, name):
                raise ContentError(path, name, "differs from the English explainer")
    for slug, entry in local.glossary.items():
        path = folder / "glossary" / f"{slug}.md"
        original = english.glossary.get(slug)
        if original is None:
            raise ContentError(path, "slug", f"no English glossary term '{slug}' to translate")
        for name in ("explainers", "jurisdiction"):
            if getattr(entry.meta, name) != getattr(original.meta, name):
                raise ContentError(path, name, "differs from the English glossary term")


def _load_pathway_translation(path: Path, pathway: Pathway) -> PathwayTranslation | None:
    if not path.exists():
        return None
    translation = _validate(PathwayTranslation, _read_yaml(path), path)
    by_slug = {step.slug: step for step in pathway.steps}
    for slug, words in translation.steps.items():
        if slug not in by_slug:
            raise ContentError(path, f"steps.{slug}", "no such step in the English pathway")
        unknown = set(words.next) - {option.step for option in by_slug[slug].next}
        if unknown:
            raise ContentError(path, f"steps.{slug}.next", f"not a next step: {sorted(unknown)}")
    return translation


def pathway_version(path: Path) -> str:
    """The English pathway's version, which a pathway translation records."""
    return text_version(path.read_text(encoding="utf-8"))


def _load_explainers(
    folder: Path,
    locale: str,
    definitions: dict[str, tuple[str, str]],
    more_label: str,
    english_terms: frozenset[str] = frozenset(),
) -> tuple[dict[str, Explainer], dict[str, RenderEnv]]:
    explainers: dict[str, Explainer] = {}
    envs: dict[str, RenderEnv] = {}
    for path in sorted(folder.glob("*.md")):
        meta, body = _read_entry(path, ExplainerMeta, locale)
        marked = {match.group(1) for match in TERM_MARK.finditer(body)}
        undeclared = sorted(marked - set(meta.terms))
        if undeclared:
            raise ContentError(path, "terms", f"used in the text but not listed: {undeclared}")
        env = RenderEnv(
            locale=locale,
            definitions=definitions,
            more_label=more_label,
            english_terms=english_terms,
        )
        html = render_markdown(body, env)
        if env.bad_links:
            raise ContentError(path, "body", f"links must be https:// or a slug: {env.bad_links}")
        version = (
            meta.translation.source_version
            if meta.translation
            else text_version(meta.title, meta.summary, body)
        )
        explainers[meta.slug] = Explainer(
            meta, locale, html, plain_text(body), body, version, tuple(env.headings)
        )
        envs[meta.slug] = env
    return explainers, envs


def _check_references(
    folder: Path,
    explainers: dict[str, Explainer],
    envs: dict[str, RenderEnv],
    english: LocaleContent,
    glossary: dict[str, GlossaryEntry],
    steps: set[str],
) -> None:
    known_explainers = set(english.explainers) | set(explainers)
    known_terms = set(english.glossary) | set(glossary)
    known = {"explainer": known_explainers, "glossary": known_terms, "pathway": steps}
    for slug, explainer in explainers.items():
        path = folder / "explainers" / f"{slug}.md"
        missing_terms = sorted(set(explainer.meta.terms) - known_terms)
        if missing_terms:
            raise ContentError(path, "terms", f"no glossary entry for {missing_terms}")
        missing_related = sorted(set(explainer.meta.related) - known_explainers)
        if missing_related:
            raise ContentError(path, "related", f"no explainer called {missing_related}")
        broken = [
            f"{kind}:{target}" for kind, target in envs[slug].links if target not in known[kind]
        ]
        if broken:
            raise ContentError(path, "body", f"links to missing pages: {broken}")
    for slug, entry in glossary.items():
        missing = sorted(set(entry.meta.explainers) - known_explainers)
        if missing:
            raise ContentError(
                folder / "glossary" / f"{slug}.md", "explainers", f"no explainer {missing}"
            )


def _check_pathway(path: Path, pathway: Pathway, explainers: set[str]) -> None:
    slugs = [step.slug for step in pathway.steps]
    if len(slugs) != len(set(slugs)):
        raise ContentError(path, "steps", "two steps share a slug")
    for index, step in enumerate(pathway.steps):
        if step.explainer not in explainers:
            raise ContentError(path, f"steps.{index}.explainer", f"no explainer '{step.explainer}'")
        for next_index, next_step in enumerate(step.next):
            if next_step.step not in slugs:
                raise ContentError(
                    path, f"steps.{index}.next.{next_index}.step", f"no step '{next_step.step}'"
                )
    reachable, frontier = {slugs[0]}, [slugs[0]]
    by_slug = {step.slug: step for step in pathway.steps}
    while frontier:
        for next_step in by_slug[frontier.pop()].next:
            if next_step.step not in reachable:
                reachable.add(next_step.step)
                frontier.append(next_step.step)
    unreachable = [slug for slug in slugs if slug not in reachable]
    if unreachable:
        raise ContentError(path, "steps", f"not reachable from '{slugs[0]}': {unreachable}")


def load_content(
    locales: list[str],
    *,
    root: Path = CONTENT_DIR,
    more_labels: dict[str, str] | None = None,
) -> Content:
    """Read, validate and render every locale's content; English must be there."""
    more_labels = more_labels or {}
    english_dir = root / SOURCE_LOCALE
    pathway_path = english_dir / "pathway.yaml"
    pathway = _validate(Pathway, _read_yaml(pathway_path), pathway_path)
    steps = {step.slug for step in pathway.steps}

    loaded: dict[str, LocaleContent] = {}
    for locale in [SOURCE_LOCALE, *[code for code in locales if code != SOURCE_LOCALE]]:
        folder = root / locale
        label = more_labels.get(locale, "More about this word")
        glossary = _load_glossary(folder / "glossary", locale, label)
        definitions = {
            slug: (entry.meta.term, entry.meta.short)
            for slug, entry in {
                **loaded.get(SOURCE_LOCALE, LocaleContent()).glossary,
                **glossary,
            }.items()
        }
        english_glossary = loaded.get(SOURCE_LOCALE, LocaleContent()).glossary
        explainers, envs = _load_explainers(
            folder / "explainers",
            locale,
            definitions,
            label,
            frozenset(english_glossary) - frozenset(glossary),
        )
        english = loaded.get(SOURCE_LOCALE, LocaleContent(explainers, glossary))
        _check_references(folder, explainers, envs, english, glossary, steps)
        local = LocaleContent(explainers, glossary)
        if locale != SOURCE_LOCALE:
            _check_agrees_with_english(folder, local, english)
            local.pathway = _load_pathway_translation(folder / "pathway.yaml", pathway)
        loaded[locale] = local

    _check_pathway(pathway_path, pathway, set(loaded[SOURCE_LOCALE].explainers))

    areas: dict[str, Area] = {}
    for path in sorted((root / "areas").glob("*.yaml")):
        area = _validate(Area, _read_yaml(path), path)
        unknown = sorted(set(area.timescales) - steps)
        if unknown:
            raise ContentError(path, "timescales", f"no pathway step {unknown}")
        areas[path.stem] = area
    return Content(
        locales=loaded, pathway=pathway, areas=areas, pathway_version=pathway_version(pathway_path)
    )
