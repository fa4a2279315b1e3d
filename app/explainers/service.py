"""What the explainer and glossary pages show, built from the loaded content."""

from dataclasses import dataclass

from app.explainers.content import SOURCE_LOCALE, Content, Explainer, GlossaryEntry
from app.explainers.pathway import Place, StepView, step_view
from app.explainers.schema import Stage, TranslationStatus

STAGE_ORDER = [Stage.before_birth, Stage.at_birth, Stage.court, Stage.after_birth, Stage.any_time]


@dataclass(frozen=True)
class Link:
    slug: str
    title: str
    summary: str = ""


@dataclass(frozen=True)
class ExplainerPage:
    explainer: Explainer
    in_english_instead: bool  # no translation yet: English shown with a notice
    draft: bool  # translated but not checked by a person
    out_of_date: bool  # translated from an older English text
    related: list[Link]
    steps: list[StepView]
    terms: list[Link]


def explainers_by_stage(*, content: Content, locale: str) -> list[tuple[Stage, list[Link]]]:
    """Every explainer, grouped by stage, in the reader's language where we have it."""
    groups = []
    for stage in STAGE_ORDER:
        links = [
            _link(content.explainer(locale, slug))
            for slug, english in content.english.explainers.items()
            if english.meta.stage == stage
        ]
        if links:
            groups.append((stage, sorted(links, key=lambda link: link.title)))
    return groups


def explainer_page(*, content: Content, locale: str, slug: str) -> ExplainerPage | None:
    """One explainer with its notices, related pages, pathway steps and glossary terms."""
    explainer = content.explainer(locale, slug)
    if explainer is None:
        return None
    translation = explainer.meta.translation
    return ExplainerPage(
        explainer=explainer,
        in_english_instead=locale != SOURCE_LOCALE and explainer.locale == SOURCE_LOCALE,
        draft=translation is not None and translation.status == TranslationStatus.draft,
        out_of_date=content.is_out_of_date(explainer),
        related=[_link(content.explainer(locale, other)) for other in explainer.meta.related],
        steps=[
            step_view(content, step.slug, Place(), locale)
            for step in content.steps_for_explainer(slug)
        ],
        terms=[_term_link(content.glossary_entry(locale, term)) for term in explainer.meta.terms],
    )


def glossary_index(*, content: Content, locale: str) -> list[Link]:
    """Every glossary term in the reader's language where we have it, A to Z."""
    entries = [content.glossary_entry(locale, slug) for slug in content.english.glossary]
    return sorted((_term_link(entry) for entry in entries), key=lambda link: link.title.casefold())


def glossary_page(
    *, content: Content, locale: str, slug: str
) -> tuple[GlossaryEntry, list[Link]] | None:
    """A glossary term and the explainers that use it."""
    entry = content.glossary_entry(locale, slug)
    if entry is None:
        return None
    using = [
        _link(content.explainer(locale, other))
        for other, english in content.english.explainers.items()
        if slug in english.meta.terms or other in entry.meta.explainers
    ]
    return entry, sorted(using, key=lambda link: link.title)


def _link(explainer: Explainer) -> Link:
    return Link(explainer.meta.slug, explainer.meta.title, explainer.meta.summary)


def _term_link(entry: GlossaryEntry) -> Link:
    return Link(entry.meta.slug, entry.meta.term, entry.meta.short)
