"""The shape of content files: explainers, glossary terms, the pathway and area rules.

Validated at start-up; a file that does not fit stops the app with its name and field.
"""

import datetime as dt
import enum
import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, StringConstraints, model_validator

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400)]

TERM_MARK = re.compile(r"\[\[([a-z0-9-]+)(?:\|([^\]\n]+))?\]\]")


class Stage(enum.StrEnum):
    before_birth = "before-birth"
    at_birth = "at-birth"
    after_birth = "after-birth"
    court = "court"
    any_time = "any-time"


class Jurisdiction(enum.StrEnum):
    both = "both"
    england = "england"
    wales = "wales"


class Nation(enum.StrEnum):
    england = "england"
    wales = "wales"


class TranslationStatus(enum.StrEnum):
    draft = "draft"  # machine or unchecked: the page says so to the reader
    # Every segment approved by a named person who reads both languages (through the PO
    # round trip, see app/content/README.md); the page says who checked it when.
    checked = "checked"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Strict):
    title: Line
    publisher: Line | None = None
    url: HttpUrl
    section: Line | None = None


class TranslationMeta(Strict):
    """What a translated file adds: its checking status and the English version it renders."""

    status: TranslationStatus
    source_version: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{12}$")]
    reviewer: Line | None = None  # who approved the last segments; checked pages only
    checked_on: dt.date | None = None  # when the last segment was approved

    @model_validator(mode="after")
    def _checked_names_its_reviewer(self):
        checked = self.status == TranslationStatus.checked
        if checked and not (self.reviewer and self.checked_on):
            raise ValueError("a checked translation needs reviewer and checked_on")
        if not checked and (self.reviewer or self.checked_on):
            raise ValueError("reviewer and checked_on are for a checked translation only")
        return self


class ExplainerMeta(Strict):
    slug: Slug
    title: Line
    summary: Line
    stage: Stage
    jurisdiction: Jurisdiction
    related: list[Slug] = Field(default_factory=list)
    terms: list[Slug] = Field(default_factory=list)
    sources: list[Source] = Field(min_length=1)
    reviewed_on: dt.date
    translation: TranslationMeta | None = None


class GlossaryMeta(Strict):
    slug: Slug
    term: Line
    short: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    also: list[Line] = Field(default_factory=list)
    explainers: list[Slug] = Field(default_factory=list)
    jurisdiction: Jurisdiction = Jurisdiction.both
    translation: TranslationMeta | None = None


class DueUnit(enum.StrEnum):
    working_days = "working_days"
    days = "days"
    weeks = "weeks"
    months = "months"


class Due(Strict):
    """The timescale as a count from the date of a step, so a parent's date can be used:
    `after` is the step whose date it counts from (this step itself for how long it lasts)."""

    count: Annotated[int, Field(gt=0, le=400)]
    unit: DueUnit
    after: Slug


class Timescale(Strict):
    text: Line
    source: Line
    local: bool = False
    due: Due | None = None


class NationTimescales(Strict):
    england: Timescale | None = None
    wales: Timescale | None = None


class WalesWords(Strict):
    name: Line | None = None
    what: Line | None = None


class NextStep(Strict):
    step: Slug
    when: Line


class PathwayStep(Strict):
    slug: Slug
    name: Line
    stage: Stage
    explainer: Slug
    what: Line
    wales: WalesWords | None = None
    timescale: NationTimescales | None = None
    next: list[NextStep] = Field(default_factory=list)


class Pathway(Strict):
    steps: list[PathwayStep] = Field(min_length=1)


class AreaTimescale(Strict):
    text: Line
    source: Line


class Area(Strict):
    name: Line
    jurisdiction: Nation
    source: Source
    timescales: dict[Slug, AreaTimescale]


class StepWords(Strict):
    """A step's words in another language; anything left out is shown in English."""

    name: Line | None = None
    what: Line | None = None
    wales: WalesWords | None = None
    next: dict[Slug, Line] = Field(default_factory=dict)  # next step -> when it is taken
    timescale: dict[Nation, Line] = Field(default_factory=dict)  # the text; sources stay


class PathwayTranslation(Strict):
    translation: TranslationMeta
    steps: dict[Slug, StepWords]
