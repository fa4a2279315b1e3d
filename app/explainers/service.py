"""What the explainer and glossary pages show, built from the loaded content."""

import datetime as dt
from dataclasses import dataclass

from app.explainers.content import SOURCE_LOCALE, Content, Explainer, GlossaryEntry
from app.explainers.pathway import Place, StepView, step_view
from app.explainers.schema import Nation, Stage, TranslationStatus

#: The order a parent meets the stages in; court can begin before or after the birth, and
#: its outcomes come after it, so it follows "after the birth" as the pathway's map does.
STAGE_ORDER = [Stage.before_birth, Stage.at_birth, Stage.after_birth, Stage.court, Stage.any_time]


@dataclass(frozen=True)
class Link:
    slug: str
    title: str
    summary: str = ""
    locale: str = SOURCE_LOCALE  # the language its words are in, marked where it is not the page's


@dataclass(frozen=True)
class ExplainerPage:
    explainer: Explainer
    in_english_instead: bool  # no translation yet: English shown with a notice
    draft: bool  # translated but not checked by a person
    out_of_date: bool  # translated from an older English text
    checked_on: dt.date | None  # every segment approved by a named reviewer, on this date
    related: list[Link]
    steps: list[StepView]
    terms: list[Link]


def explainers_by_stage(*, content: Content, locale: str) -> list[tuple[Stage, list[Link]]]:
    """Every explainer, grouped by stage, in the order a parent meets them, in the reader's
    language where we have it."""
    order = reading_order(content)
    groups = []
    for stage in STAGE_ORDER:
        slugs = [slug for slug in order if content.english.explainers[slug].meta.stage == stage]
        if slugs:
            links = [_link(content.explainer(locale, slug)) for slug in slugs]
            groups.append((stage, reader_first(links, locale=locale)))
    return groups


def reader_first(links: list[Link], *, locale: str) -> list[Link]:
    """The links in the reader's language first, then the English ones, each part keeping
    its order: a parent reads down what they can read before what falls back."""
    return [link for link in links if link.locale == locale] + [
        link for link in links if link.locale != locale
    ]


def reading_order(content: Content) -> list[str]:
    """Explainer slugs in the order a parent meets them.

    A guide that a pathway step uses comes where its first step comes in the pathway. A
    guide no step uses ("Why might social care contact you?", "Your solicitor") follows
    the earliest guide of its own stage that it is related to; one related to none of its
    stage's pathway guides comes after them, A to Z. Stage grouping is left to the caller.
    """
    english = content.english.explainers
    first_step: dict[str, int] = {}
    for index, step in enumerate(content.pathway.steps):
        first_step.setdefault(step.explainer, index)
    unplaced = len(content.pathway.steps)

    def key(slug: str) -> tuple[int, int, str]:
        meta = english[slug].meta
        if slug in first_step:
            return (first_step[slug], 0, "")
        anchors = [
            first_step[other]
            for other in meta.related
            if other in first_step and english[other].meta.stage == meta.stage
        ]
        return (min(anchors, default=unplaced), 1, meta.title.casefold())

    return sorted(english, key=key)


def explainer_page(*, content: Content, locale: str, slug: str) -> ExplainerPage | None:
    """One explainer with its notices, related pages, pathway steps and glossary terms."""
    explainer = content.explainer(locale, slug)
    if explainer is None:
        return None
    translation = explainer.meta.translation
    out_of_date = content.is_out_of_date(explainer)
    return ExplainerPage(
        explainer=explainer,
        in_english_instead=locale != SOURCE_LOCALE and explainer.locale == SOURCE_LOCALE,
        draft=translation is not None and translation.status == TranslationStatus.draft,
        out_of_date=out_of_date,
        checked_on=(
            translation.checked_on
            if translation is not None
            and translation.status == TranslationStatus.checked
            and not out_of_date
            else None
        ),
        related=reader_first(
            [_link(content.explainer(locale, other)) for other in explainer.meta.related],
            locale=locale,
        ),
        steps=[
            step_view(content, step.slug, Place(), locale)
            for step in content.steps_for_explainer(slug)
        ],
        terms=[_term_link(content.glossary_entry(locale, term)) for term in explainer.meta.terms],
    )


LEGAL_ADVICE = "free-legal-advice"
#: Where a parent in Wales finds free advice that serves Wales, best first: a Wales section
#: of the free legal advice guide if it has one, else the Wales advice section of the
#: advocate guide (the Family Rights Group line the main guide names is England only).
WALES_ADVICE_GUIDES = (LEGAL_ADVICE, "finding-an-advocate")


def legal_advice_href(*, content: Content, locale: str, nation: Nation | None = None) -> str:
    """The address of free legal advice for a parent in England, or in Wales."""
    if nation == Nation.wales:
        for slug in WALES_ADVICE_GUIDES:
            english = content.english.explainers.get(slug)
            if english is None:
                continue
            anchor = next(
                (
                    heading_id
                    for heading_id, text in english.headings
                    if "wales" in text.casefold() and "advice" in text.casefold()
                ),
                None,
            )
            if anchor:
                shown = content.explainer(locale, slug)
                # A translation has its own heading ids; its page is still the right one.
                same = anchor in {heading_id for heading_id, _ in shown.headings}
                return f"/{locale}/explainers/{slug}" + (f"#{anchor}" if same else "")
    return f"/{locale}/explainers/{LEGAL_ADVICE}"


def glossary_index(*, content: Content, locale: str) -> list[Link]:
    """Every glossary term in the reader's language where we have it, A to Z."""
    entries = [content.glossary_entry(locale, slug) for slug in content.english.glossary]
    links = sorted((_term_link(entry) for entry in entries), key=lambda link: link.title.casefold())
    return reader_first(links, locale=locale)


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
    return entry, reader_first(sorted(using, key=lambda link: link.title), locale=locale)


def _link(explainer: Explainer) -> Link:
    return Link(explainer.meta.slug, explainer.meta.title, explainer.meta.summary, explainer.locale)


def _term_link(entry: GlossaryEntry) -> Link:
    return Link(entry.meta.slug, entry.meta.term, entry.meta.short, entry.locale)
