"""The pathway as a parent sees it: England or Wales words, an area's local rules, the map,
and the one-idea-per-screen walk-through."""

import calendar
import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from app.explainers.content import SOURCE_LOCALE, Content
from app.explainers.schema import Due, DueUnit, Nation, PathwayStep, Stage, StepWords

STAGE_ORDER = [Stage.before_birth, Stage.at_birth, Stage.after_birth, Stage.court]


@dataclass(frozen=True)
class Place:
    """Where the parent lives, which decides the words and the timescales shown."""

    nation: Nation = Nation.england
    area: str | None = None  # an area slug whose local rules are shown

    def query(self) -> str:
        """The query string that keeps this choice on every pathway link."""
        parts = [("nation", self.nation.value)]
        if self.area:
            parts.append(("area", self.area))
        return "?" + urlencode(parts)


@dataclass(frozen=True)
class TimescaleView:
    text: str
    source: str
    local: bool
    area_name: str | None = None  # set when an area's own rule replaced the general one
    locale: str = SOURCE_LOCALE  # the language of `text`; the source's name is always English


@dataclass(frozen=True)
class NextView:
    slug: str
    name: str
    when: str
    what: str
    # The language each of the words is in: a translation may leave some in English.
    name_locale: str = SOURCE_LOCALE
    when_locale: str = SOURCE_LOCALE
    what_locale: str = SOURCE_LOCALE


@dataclass(frozen=True)
class StepView:
    slug: str
    name: str
    what: str
    stage: Stage
    explainer: str
    timescale: TimescaleView | None
    next: list[NextView] = field(default_factory=list)
    name_locale: str = SOURCE_LOCALE
    what_locale: str = SOURCE_LOCALE

    @property
    def is_end(self) -> bool:
        return not self.next


@dataclass(frozen=True)
class Screen:
    """One idea on one screen of the walk-through."""

    kind: str  # "step", "timescale", "next", "rights", "end"
    heading: str
    text: str = ""
    detail: str = ""
    link_step: str | None = None
    # The language of the heading, text and detail; a label's is the page's own.
    heading_locale: str | None = None
    text_locale: str | None = None
    detail_locale: str | None = None


def resolve_place(content: Content, *, nation: str | None, area: str | None) -> Place:
    """A valid place from query values; unknown values fall back to England, no area."""
    chosen = Nation(nation) if nation in {n.value for n in Nation} else Nation.england
    areas = content.areas_for(chosen)
    return Place(chosen, area if area in areas else None)


@dataclass(frozen=True)
class _Said:
    """Words, and the language they are in."""

    text: str
    locale: str


def _pick(*choices: tuple[str | None, str]) -> _Said:
    """The first words given, with their language."""
    for text, locale in choices:
        if text:
            return _Said(text, locale)
    raise ValueError("no words")


def _words(
    step: PathwayStep, nation: Nation, local: StepWords | None, locale: str
) -> tuple[_Said, _Said]:
    """The step's name and one-liner for the nation, in the reader's language where we can."""
    en = SOURCE_LOCALE
    name = _pick((local and local.name, locale), (step.name, en))
    what = _pick((local and local.what, locale), (step.what, en))
    if nation == Nation.wales and step.wales:
        local_wales = local.wales if local and local.wales else None
        name = _pick(
            (local_wales and local_wales.name, locale),
            (step.wales.name, en),
            (name.text, name.locale),
        )
        what = _pick(
            (local_wales and local_wales.what, locale),
            (step.wales.what, en),
            (what.text, what.locale),
        )
    return name, what


def _timescale(
    content: Content, step: PathwayStep, place: Place, local: StepWords | None, locale: str
) -> TimescaleView | None:
    if place.area:
        area = content.areas[place.area]
        rule = area.timescales.get(step.slug)
        if rule:
            return TimescaleView(rule.text, rule.source, True, area.name)
    if not step.timescale:
        return None
    general = getattr(step.timescale, place.nation.value)
    if general is None:
        return None
    text = _pick(
        (local and local.timescale.get(place.nation), locale), (general.text, SOURCE_LOCALE)
    )
    return TimescaleView(text.text, general.source, general.local, locale=text.locale)


def step_view(content: Content, slug: str, place: Place, locale: str = "en") -> StepView | None:
    """A step in the words and rules of the parent's place, with its possible next steps."""
    step = content.step(slug)
    if step is None:
        return None
    local = content.step_words(locale, slug)
    name, what = _words(step, place.nation, local, locale)
    next_views = []
    for option in step.next:
        target = content.step(option.step)
        target_name, target_what = _words(
            target, place.nation, content.step_words(locale, target.slug), locale
        )
        when = _pick((local and local.next.get(option.step), locale), (option.when, SOURCE_LOCALE))
        next_views.append(
            NextView(
                target.slug,
                target_name.text,
                when.text,
                target_what.text,
                name_locale=target_name.locale,
                when_locale=when.locale,
                what_locale=target_what.locale,
            )
        )
    return StepView(
        slug=step.slug,
        name=name.text,
        what=what.text,
        stage=step.stage,
        explainer=step.explainer,
        timescale=_timescale(content, step, place, local, locale),
        next=next_views,
        name_locale=name.locale,
        what_locale=what.locale,
    )


def map_by_stage(
    content: Content, place: Place, locale: str = "en"
) -> list[tuple[Stage, list[StepView]]]:
    """Every step, grouped by stage in the order a pregnancy goes, in the pathway's order."""
    views = [step_view(content, step.slug, place, locale) for step in content.pathway.steps]
    return [(stage, [v for v in views if v.stage == stage]) for stage in STAGE_ORDER] + [
        (stage, [v for v in views if v.stage == stage])
        for stage in Stage
        if stage not in STAGE_ORDER and any(v.stage == stage for v in views)
    ]


def walk_screens(view: StepView, *, labels: dict[str, str]) -> list[Screen]:
    """The walk-through of one step: what it is, how long, each way it can go, your rights."""
    screens = [
        Screen(
            "step",
            view.name,
            view.what,
            heading_locale=view.name_locale,
            text_locale=view.what_locale,
        )
    ]
    if view.timescale:
        screens.append(
            Screen(
                "timescale",
                labels["how_long"],
                view.timescale.text,
                view.timescale.source,
                text_locale=view.timescale.locale,
                detail_locale=SOURCE_LOCALE,
            )
        )
    for option in view.next:
        screens.append(
            Screen(
                "next",
                option.name,
                option.when,
                option.what,
                link_step=option.slug,
                heading_locale=option.name_locale,
                text_locale=option.when_locale,
                detail_locale=option.what_locale,
            )
        )
    screens.append(Screen("rights", labels["rights_heading"], labels["rights_text"]))
    return screens


def add_due(start: dt.date, due: Due) -> dt.date:
    """The date a timescale points to, counted from `start` (working days skip weekends;
    bank holidays are not known here, so pages say "about")."""
    if due.unit == DueUnit.days:
        return start + dt.timedelta(days=due.count)
    if due.unit == DueUnit.weeks:
        return start + dt.timedelta(weeks=due.count)
    if due.unit == DueUnit.months:
        month = start.month - 1 + due.count
        year, month = start.year + month // 12, month % 12 + 1
        return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
    day, left = start, due.count
    while left:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


def _due(content: Content, slug: str, place: Place) -> Due | None:
    """The national timescale of a step as a count, unless the parent's area has its own rule."""
    step = content.step(slug)
    if step is None or not step.timescale:
        return None
    if place.area and slug in content.areas[place.area].timescales:
        return None  # the area's own words say when; we do not guess a date from them
    timescale = getattr(step.timescale, place.nation.value)
    return timescale.due if timescale else None


@dataclass(frozen=True)
class AheadItem:
    next: NextView
    due_on: dt.date | None
    local: bool  # local rules can change the date


@dataclass(frozen=True)
class Ahead:
    """What usually comes after the parent's step, with dates where guidance counts them."""

    step: StepView
    ends_on: dt.date | None  # how long this step lasts, where guidance says
    next: list[AheadItem]


def ahead(
    content: Content, slug: str, place: Place, happened_on: dt.date | None, locale: str = "en"
) -> Ahead | None:
    """The parent's step and its next steps, each timescale counted from `happened_on`."""
    view = step_view(content, slug, place, locale)
    if view is None:
        return None

    def counted(target: str) -> tuple[dt.date | None, bool]:
        due = _due(content, target, place)
        if due is None or happened_on is None or due.after != slug:
            return None, False
        timescale = getattr(content.step(target).timescale, place.nation.value)
        return add_due(happened_on, due), timescale.local

    ends_on, _ = counted(slug)
    items = [AheadItem(option, *counted(option.slug)) for option in view.next]
    return Ahead(step=view, ends_on=ends_on, next=items)
