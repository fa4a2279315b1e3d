"""The directory: national services from content, local services from the database, one
shape for both, and finding them by topic, area, language and words.

National services are facts looked up and dated (`checked_on`, `source`); the file is
validated at start-up like the rest of the content, and a bad entry stops start-up with
its slug and field.
"""

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import yaml
from babel import Locale, UnknownLocaleError
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    HttpUrl,
    StringConstraints,
    ValidationError,
    model_validator,
)

from app.explainers.search import words
from app.forms import N_

NATIONAL_FILE = "resources/national.yaml"

#: Topic keys and their names (translated where shown), in the order filters list them.
TOPICS = {
    "legal_advice": N_("Legal advice"),
    "family_rights": N_("Family rights and advocacy"),
    "mental_health": N_("Mental health"),
    "domestic_abuse": N_("Domestic abuse and sexual violence"),
    "substance_use": N_("Drugs and alcohol"),
    "housing": N_("Housing"),
    "money": N_("Money, benefits and work"),
    "loss": N_("Loss, grief and separation"),
    "language": N_("Interpreters and language rights"),
    "criminal_justice": N_("Prison and probation"),
    "pregnancy": N_("Pregnancy and your baby"),
}
NATIONS = {"england": N_("England"), "wales": N_("Wales")}

PHONE = re.compile(r"^\+?[0-9][0-9 ]{1,20}$")
EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")
LANGUAGE = re.compile(r"^[a-z]{2,3}$")
POSTCODE = re.compile(r"^(?P<area>[A-Z]{1,2})(?P<district>[0-9][0-9A-Z]?)?(?: ?[0-9][A-Z]{2})?$")
SPACES = re.compile(r"\s+")


def phone_digits(number: str) -> int:
    return sum(ch.isdigit() for ch in number)


def tel_href(number: str) -> str:
    """The `tel:` address of a phone number as written: digits, and a leading +."""
    return "tel:" + ("+" if number.startswith("+") else "") + "".join(filter(str.isdigit, number))


def valid_phone(value: str) -> bool:
    """Digits and spaces (a leading + allowed), 3 to 15 digits: 999, 116 123, 0808 …"""
    return bool(PHONE.match(value)) and 3 <= phone_digits(value) <= 15


def _phone(value: str) -> str:
    if not valid_phone(value):
        raise ValueError("a phone number is digits and spaces, 3 to 15 digits")
    return value


def _https(value: HttpUrl) -> HttpUrl:
    if value.scheme != "https":
        raise ValueError("a national service's address is https")
    return value


def _language(value: str) -> str:
    if not LANGUAGE.match(value):
        raise ValueError("a language is an ISO 639-1 code such as 'cy'")
    return value


Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Phone = Annotated[str, AfterValidator(_phone)]
Topic = Literal[tuple(TOPICS)]  # type: ignore[valid-type]
Nation = Literal["england", "wales"]


class NationalEntry(BaseModel):
    """One national service as the content file gives it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    slug: Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=60)]
    name: Line
    summary: Annotated[str, StringConstraints(strip_whitespace=True, min_length=20, max_length=600)]
    topics: Annotated[list[Topic], AfterValidator(lambda v: v or _none("topics"))]
    phone: Phone | None = None
    text: Annotated[str, StringConstraints(pattern=r"^[0-9]{3,15}$")] | None = None
    website: Annotated[HttpUrl, AfterValidator(_https)]
    email: Annotated[str, StringConstraints(pattern=EMAIL.pattern)] | None = None
    hours: Line | None = None
    languages: list[Annotated[str, AfterValidator(_language)]] = ["en"]
    interpreter: bool = False
    free: bool | None = None
    cost_note: Line | None = None
    nations: Annotated[list[Nation], AfterValidator(lambda v: v or _none("nations"))]
    checked_on: dt.date
    source: HttpUrl | None = None
    sources: list[HttpUrl] = []

    @model_validator(mode="after")
    def _sourced(self):
        if self.source is None and not self.sources:
            raise ValueError("every fact needs a source: give `source` or `sources`")
        return self


def _none(name: str):
    raise ValueError(f"{name} must list at least one")


class DirectoryError(Exception):
    """The national services file does not fit: which entry, which field, what is wrong."""


@dataclass(frozen=True)
class Resource:
    """A national or local service, as pages, packs and saved lists show it."""

    ref: str
    name: str
    summary: str
    topics: tuple[str, ...]
    languages: tuple[str, ...]
    checked_on: dt.date
    phone: str = ""
    text: str = ""
    website: str = ""
    email: str = ""
    hours: str = ""
    interpreter: bool = False
    free: bool | None = None
    cost_note: str = ""
    nations: tuple[str, ...] = ("england", "wales")
    areas: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    organisation_name: str = ""  # who added a local service
    withdrawn: bool = False

    @property
    def local(self) -> bool:
        return self.ref.startswith(LOCAL_PREFIX)

    @property
    def phone_href(self) -> str:
        return tel_href(self.phone) if self.phone else ""

    @property
    def text_href(self) -> str:
        return f"sms:{self.text}" if self.text else ""

    def speaks(self, language: str) -> bool:
        return language in self.languages

    def helps_in(self, language: str) -> bool:
        """Can help someone in this language: speaks it, or arranges an interpreter."""
        return self.speaks(language) or self.interpreter


LOCAL_PREFIX = "local-"
LOCAL_REF = re.compile(r"local-([1-9][0-9]{0,8})", re.ASCII)  # fits any database's integer


def local_ref(resource_id: int) -> str:
    return f"{LOCAL_PREFIX}{resource_id}"


def local_id(ref: str) -> int | None:
    """The row id a `local-<id>` ref names, or None for any other ref."""
    match = LOCAL_REF.fullmatch(ref)
    return int(match.group(1)) if match else None


def _from_entry(entry: NationalEntry) -> Resource:
    return Resource(
        ref=entry.slug,
        name=entry.name,
        summary=entry.summary,
        topics=tuple(entry.topics),
        languages=tuple(dict.fromkeys(entry.languages)),
        checked_on=entry.checked_on,
        phone=entry.phone or "",
        text=entry.text or "",
        website=str(entry.website),
        email=entry.email or "",
        hours=entry.hours or "",
        interpreter=entry.interpreter,
        free=entry.free,
        cost_note=entry.cost_note or "",
        nations=tuple(entry.nations),
        sources=tuple(str(s) for s in ([entry.source] if entry.source else []) + entry.sources),
    )


def load_national(content_dir: Path) -> dict[str, Resource]:
    """Every national service from the content folder, checked, by slug, in file order."""
    path = content_dir / NATIONAL_FILE
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) or []
    except (OSError, yaml.YAMLError) as error:
        raise DirectoryError(f"{path}: {error}") from error
    if not isinstance(raw, list):
        raise DirectoryError(f"{path}: expected a list of services")
    found: dict[str, Resource] = {}
    for number, item in enumerate(raw, start=1):
        label = item.get("slug", f"entry {number}") if isinstance(item, dict) else number
        try:
            entry = NationalEntry.model_validate(item)
        except ValidationError as error:
            problem = error.errors()[0]
            where = ".".join(str(part) for part in problem["loc"]) or "entry"
            raise DirectoryError(f"{path}: {label}: field '{where}': {problem['msg']}") from None
        if entry.slug in found:
            raise DirectoryError(f"{path}: {entry.slug}: the slug is used twice")
        found[entry.slug] = _from_entry(entry)
    return found


# Areas ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """Where a parent lives, as they typed it: a postcode (or part) or a council's name."""

    area: str = ""  # postcode area, "CF"
    district: str = ""  # postcode district, "CF10"
    council: str = ""  # casefolded name, "cardiff"


def parse_place(text: str) -> Place | None:
    """A postcode, its district or area, or else a council name; None when empty."""
    cleaned = SPACES.sub(" ", (text or "").strip())
    if not cleaned:
        return None
    postcode = POSTCODE.match(cleaned.upper())
    if postcode:
        area = postcode.group("area")
        district = area + postcode.group("district") if postcode.group("district") else ""
        return Place(area=area, district=district)
    return Place(council=council_key(cleaned))


def council_key(name: str) -> str:
    return SPACES.sub(" ", name.strip()).casefold()


def split_areas(text: str) -> list[str]:
    return [part for part in (SPACES.sub(" ", p.strip()) for p in text.split(",")) if part]


def serves(areas: tuple[str, ...], place: Place) -> bool:
    """Whether a local service tagged with `areas` covers `place`."""
    for tag in areas:
        tagged = parse_place(tag)
        if tagged is None:
            continue
        if tagged.council:
            if place.council and tagged.council == place.council:
                return True
        elif tagged.district:
            if tagged.district == place.district or (
                not place.district and place.area == tagged.area
            ):
                return True
        elif tagged.area and tagged.area == place.area:
            return True
    return False


# Which nation a place is in ------------------------------------------------------------

#: Postcode areas wholly in Wales, and districts of Welsh places whose area is English.
WALES_AREAS = frozenset({"CF", "LL", "LD", "NP", "SA"})
WALES_DISTRICTS = frozenset(
    {"CH5", "CH6", "CH7", "CH8"}
    | {f"SY{n}" for n in (15, 16, 17, 18, 19, 20, 21, 23, 24, 25)}
)
#: Districts that straddle the border: the postcode alone cannot say which nation.
BORDER_DISTRICTS = frozenset(
    {"CH4", "HR3", "HR5", "LD7", "LD8", "NP16", "NP25", "SY5", "SY10", "SY22"}
)
#: Postcode areas outside England and Wales (Scotland, Northern Ireland, the islands).
ELSEWHERE_AREAS = frozenset(
    {"AB", "DD", "DG", "EH", "FK", "G", "HS", "IV", "KA", "KW", "KY", "ML", "PA", "PH",
     "TD", "ZE", "BT", "GY", "JE", "IM"}
)  # fmt: skip
#: The 22 Welsh councils, in English and in Welsh, as council_key() leaves them.
WALES_COUNCILS = frozenset(
    {
        "blaenau gwent", "bridgend", "pen-y-bont ar ogwr", "caerphilly", "caerffili",
        "cardiff", "caerdydd", "carmarthenshire", "sir gaerfyrddin", "ceredigion", "conwy",
        "denbighshire", "sir ddinbych", "flintshire", "sir y fflint", "gwynedd",
        "isle of anglesey", "anglesey", "ynys môn", "ynys mon", "merthyr tydfil",
        "merthyr tudful", "monmouthshire", "sir fynwy", "neath port talbot",
        "castell-nedd port talbot", "newport", "casnewydd", "pembrokeshire", "sir benfro",
        "powys", "rhondda cynon taf", "rhondda cynon taff", "swansea", "abertawe", "torfaen",
        "vale of glamorgan", "bro morgannwg", "wrexham", "wrecsam",
    }
)  # fmt: skip
COUNCIL_WORDS = re.compile(
    r"^(?:(?:the|city|and|county|of|cyngor|dinas|bwrdeistref|sirol|a)\s+)*|"
    r"(?:\s+(?:county|borough|city|metropolitan|district|council|cyngor|bwrdeistref|sirol))+$"
)


def nation_of(place: Place | None) -> str | None:
    """"wales" or "england" for a postcode or council, None when it cannot be told.

    A council that is not one of the 22 in Wales is taken to be in England: the app
    serves only these two nations. A border postcode district is not guessed."""
    if place is None:
        return None
    if place.council:
        name = COUNCIL_WORDS.sub("", place.council).strip()
        names = {place.council, name, name.removeprefix("sir ")}
        # A letter wrong or missing ("Cardif") still finds the council.
        welsh = any(difflib.get_close_matches(n, WALES_COUNCILS, n=1, cutoff=0.85) for n in names)
        return "wales" if welsh else "england"
    if place.area in ELSEWHERE_AREAS or place.district in BORDER_DISTRICTS:
        return None
    if place.area in WALES_AREAS or place.district in WALES_DISTRICTS:
        return "wales"
    if not place.district and place.area in {"CH", "SY", "HR"}:
        return None  # these areas reach into Wales: only the district can say
    return "england"


# Finding -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    topic: str = ""
    language: str = ""
    area: str = ""
    q: str = ""

    @property
    def place(self) -> Place | None:
        return parse_place(self.area)

    @property
    def nation(self) -> str | None:
        """The nation of the area given, when it can be told."""
        return nation_of(self.place)

    @property
    def active(self) -> bool:
        return bool(self.topic or self.language or self.area or self.q)


def clean_filters(*, topic: str = "", language: str = "", area: str = "", q: str = "") -> Filters:
    """Filters from a query string; unknown topics and languages are dropped, not errors."""
    return Filters(
        topic=topic if topic in TOPICS else "",
        language=language if LANGUAGE.match(language or "") else "",
        area=SPACES.sub(" ", (area or "").strip())[:80],
        q=SPACES.sub(" ", (q or "").strip())[:100],
    )


def _matches_words(resource: Resource, query: list[str], topic_names: dict[str, str]) -> bool:
    text = " ".join(
        [resource.name, resource.summary, *(topic_names.get(t, t) for t in resource.topics)]
    )
    have = words(text)
    return all(any(word.startswith(wanted) for word in have) for wanted in query)


def find(
    resources: list[Resource], filters: Filters, *, topic_names: dict[str, str]
) -> list[Resource]:
    """National services and the local ones for the parent's area that fit the filters.

    Without an area, local services are left out: a parent sees their own area's, and a
    worker names the area they are working in. `topic_names` are the topics' names in the
    reader's language, so words in either language find a topic.
    """
    place = filters.place
    query = words(filters.q)
    found = []
    for resource in resources:
        if resource.withdrawn:
            continue
        if resource.local and (place is None or not serves(resource.areas, place)):
            continue
        if filters.topic and filters.topic not in resource.topics:
            continue
        if filters.language and not resource.helps_in(filters.language):
            continue
        if query and not _matches_words(resource, query, topic_names):
            continue
        found.append(resource)
    # Local services first: they are nearer, and fewer. Then the national services for the
    # area's nation, and last those only for the other nation (the page marks them).
    nation = nation_of(place)
    return sorted(found, key=lambda r: (not r.local, elsewhere(r, nation)))


def elsewhere(resource: Resource, nation: str | None) -> bool:
    """Whether a service is only for the other nation than the area's."""
    return nation is not None and nation not in resource.nations


# Languages -----------------------------------------------------------------------------


def language_name(code: str, reader: str) -> str:
    """A language's name in the reader's language, by Babel (CLDR); the code if unknown."""
    try:
        name = Locale.parse(reader).languages.get(code)
    except (UnknownLocaleError, ValueError):
        name = None
    return name or code


def language_options(resources: list[Resource], reader: str) -> list[tuple[str, str]]:
    """(code, name) of every language the directory's services speak, by name."""
    codes = {code for resource in resources for code in resource.languages}
    return sorted(((c, language_name(c, reader)) for c in codes), key=lambda pair: pair[1])
