"""Understanding a letter's words: the appointment it names (the date that is the
appointment's, not the letter's own; its start and end; the place), the agency and what kind
of letter it seems to be. Plain text in, no pictures and no HTTP."""

import dataclasses
import datetime as dt
import re

from app.forms import N_


@dataclasses.dataclass(frozen=True)
class Kind:
    """A kind of letter: the words that give it away, who sends it and its guide."""

    key: str
    words: tuple[str, ...]
    agency: str
    guide: str
    title: str  # what the appointment is, for its "What is it?" field
    looks_like: str  # "This looks like …"


# In order: the first kind whose words are in the letter wins.
KINDS = (
    Kind("pre_proceedings", ("letter before proceedings", "pre-proceedings", "pre proceedings",
                             "public law outline", "llythyr cyn achos", "cyn-achos"),
         "childrens_social_care", "letter-before-proceedings", N_("Pre-proceedings meeting"),
         N_("This looks like a letter before proceedings.")),  # fmt: skip
    Kind("family_group_conference", ("family group conference", "cynhadledd grŵp teulu",
                                     "cynhadledd grwp teulu"),
         "childrens_social_care", "family-group-conference", N_("Family group conference"),
         N_("This looks like an invitation to a family group conference.")),  # fmt: skip
    Kind("conference", ("child protection conference", "review conference",
                        "cynhadledd amddiffyn plant", "initial conference"),
         "child_protection_conference", "child-protection-conference",
         N_("Child protection conference"),
         N_("This looks like an invitation to a child protection conference.")),  # fmt: skip
    Kind("core_group", ("core group", "grŵp craidd", "grwp craidd"),
         "childrens_social_care", "child-protection-plan", N_("Core group meeting"),
         N_("This looks like an invitation to a core group meeting.")),  # fmt: skip
    Kind("cafcass", ("cafcass", "children's guardian", "childrens guardian"),
         "cafcass", "childrens-guardian", N_("Meeting with the children’s guardian"),
         N_("This looks like a letter from Cafcass, the children’s guardian’s service."),
         ),  # fmt: skip
    Kind("hearing", ("notice of hearing", "family court", "court hearing", "hearing",
                     "gwrandawiad", "llys teulu"),
         "family_court", "care-proceedings", N_("Court hearing"),
         N_("This looks like a notice of a court hearing.")),  # fmt: skip
    Kind("probation", ("probation", "prawf"),
         "probation", "probation-and-criminal-justice", N_("Probation appointment"),
         N_("This looks like a probation appointment.")),  # fmt: skip
    Kind("antenatal", ("antenatal", "ante-natal", "midwife", "maternity", "cyn-geni",
                       "bydwraig", "fydwraig", "mamolaeth"),
         "midwifery", "", N_("Antenatal appointment"),
         N_("This looks like an antenatal appointment.")),  # fmt: skip
    Kind("health_visitor", ("health visitor", "ymwelydd iechyd"),
         "health_visiting", "", N_("Health visitor appointment"),
         N_("This looks like a health visitor appointment.")),  # fmt: skip
    Kind("social_care", ("social worker", "children's services", "social care",
                         "gofal cymdeithasol", "gwasanaethau plant"),
         "childrens_social_care", "whos-who", N_("Meeting with children’s services"),
         N_("This looks like a letter from children’s services.")),  # fmt: skip
)
KINDS_BY_KEY = {kind.key: kind for kind in KINDS}


@dataclasses.dataclass(frozen=True)
class Reading:
    """What a letter says, as far as we could read it: "" where we could not."""

    date: str = ""  # YYYY-MM-DD
    start_time: str = ""  # HH:MM
    end_time: str = ""
    location: str = ""
    agency: str = ""
    kind: str = ""  # a key of KINDS_BY_KEY
    what_to_bring: str = ""
    has_text: bool = False

    @property
    def pre_proceedings(self) -> bool:
        return self.kind == "pre_proceedings"


# Understanding the words ------------------------------------------------------------------

MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec|"
    "ionawr|chwefror|mawrth|ebrill|mai|mehefin|gorffennaf|awst|medi|hydref|tachwedd|rhagfyr"
)
WEEKDAYS = (
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues|tue|wed|thurs|thu|"
    r"fri|sat|sun|d?dydd\s+(?:llun|mawrth|mercher|iau|gwener|sadwrn|sul)"
)
WEEKDAY = rf"(?:\b(?P<weekday>{WEEKDAYS})\b\.?,?\s+)?"
DAY_MONTH = (
    rf"(?:the\s+)?\b(?P<day>[0-3]?\d)(?:st|nd|rd|th)?[\s-]+(?:of\s+)?(?P<month>{MONTHS})\b\.?"
)
DATE_IN_WORDS = re.compile(rf"{WEEKDAY}{DAY_MONTH},?[\s-]+(?P<year>20\d\d)\b", re.IGNORECASE)
# "January 19, 2027": rarer in British letters, but never ambiguous.
MONTH_FIRST = re.compile(
    rf"{WEEKDAY}\b(?P<month>{MONTHS})\b\.?\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)?,?\s+"
    r"(?P<year>20\d\d)\b",
    re.IGNORECASE,
)
# "Tuesday 19 January" with no year: the next such day from when the letter is read.
NO_YEAR = re.compile(rf"{WEEKDAY}{DAY_MONTH}(?!,?[\s-]+(?:20)?\d\d\b(?![.:]))", re.IGNORECASE)
DATE_IN_NUMBERS = re.compile(
    rf"(?:\b(?P<weekday>{WEEKDAYS})\b\.?,?\s+)?(?<![\d/.-])(?P<day>[0-3]?\d)\s?[/.-]\s?"
    r"(?P<month>[01]?\d)\s?[/.-]\s?(?P<year>20\d\d|\d\d)(?![\d])",
    re.IGNORECASE,
)
TIME = re.compile(
    r"(?P<noon>(?:\b12\s?)?(?:\bnoon\b|\bmidday\b)|\bhanner\s+dydd\b)"
    r"|\b(?P<hhmm>[01]\d|2[0-3])(?P<mm>[0-5]\d)\s?(?:hrs|hours|h)\b"
    r"|(?<![\d/£.:])(?P<hour>[0-2]?\d)(?:\s?[.:]\s?(?P<minute>[0-5]\d))?\s?"
    r"(?P<half>a\.?\s?m\b\.?|p\.?\s?m\b\.?|y\.?b\b\.?|y\.?p\b\.?|o'?clock|o'r gloch)?(?![\d/])",
    re.IGNORECASE,
)
BETWEEN_TIMES = re.compile(
    r"^\s*(?:-|–|—|to|until|till|tan|i|hyd at|and|,?\s*(?:end|finish)(?:s|ing)?(?:\s+time)?"
    r"\s*(?:at|:)?|,?\s*(?:amser\s+)?gorffen\s*:?)\s*$",
    re.IGNORECASE,
)
# Words that mark a date as not the appointment's: the letter's own date, a birth date …
NOT_THE_APPOINTMENT = re.compile(
    r"printed|dated|date of issue|issued|issue date|letter date|date of letter|our ref|your ref|"
    r"date of birth|\bdob\b|d\.o\.b|born|due date|\bedd\b|sent on|argraffwyd|dyddiad geni|"
    r"posted|generated|date sent|dyddiad y llythyr|\bdue\b",
    re.IGNORECASE,
)
APPOINTMENT_WORDS = re.compile(
    r"\b(?:held|meeting|meet|appointment|conference|hearing|heard|attend|take place|"
    r"will be|arranged|invited|visit|clinic|on|cynhelir|cyfarfod|apwyntiad|cynhadledd|"
    r"gwrandawiad|ar|gyda)\b",
    re.IGNORECASE,
)
LABEL = re.compile(r"(?:[\w ]{0,12}(?:/[\w ]{0,12})?:\s*)?")
GREETING = re.compile(r"^\s*(?:dear|annwyl|to whom)\b", re.IGNORECASE)
POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9O][A-Z0-9]?)\s?([0-9O][A-Z]{2})\b")
PLACE_LABEL = re.compile(
    r"^(?:[^:]{0,20}/\s*)?(?:venue|location|lleoliad|clinic|clinig|place|where|address of "
    r"(?:the\s+)?(?:meeting|hearing|appointment)|meeting place|held at|court|llys|man "
    r"cyfarfod|ble)\s*(?:/[^:]{0,20})?\s*[:;]\s*(?P<place>.+)$"
    # A table with no colons: "Location   Room 3, Civic Centre"
    r"|^(?:venue|location|lleoliad|address|cyfeiriad)\s+(?P<cell>(?-i:[A-Z0-9]).+)$",
    re.IGNORECASE,
)
AT_PLACE = re.compile(
    r"\b(?:at|in|yn)\s+(?!\d{1,2}(?:[.:]\d\d)?\s*(?:am|pm|a\.m|p\.m|yb|yp)?\b)(?!the\s+(?:"
    r"antenatal|clinic|meeting)\b)(?P<place>(?:the\s+)?[A-Z0-9][^.;]*?(?:,|\s)[^.;]*)",
)
EMPTY_PLACE_LABEL = re.compile(
    r"(?:\b(?:take place|be held|held|meet|venue|address|location|lleoliad|cynhelir)"
    r"(?:\s+at)?|\bat)\s*:\s*$",
    re.IGNORECASE,
)
BRING = re.compile(r"^(?:please\s+)?(?:bring|dewch\s+â|dewch\s+a)\b(?P<what>.+)$", re.IGNORECASE)


def _normalise(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = text.replace("—", "-").replace("–", "-").replace("|", "I").replace("ﬁ", "fi")
    text = re.sub(r"[ \t]+", " ", text)
    # A time's digits read as letters ("1lam", "l0.30am"): before am/pm they are digits.
    text = re.sub(
        r"\b[0-9lIO]{1,2}(?:[.:][0-9lIO]{2})?(?=\s?(?:am|pm|a\.m|p\.m)\b)",
        lambda m: m.group(0).translate(str.maketrans("lIO", "110")), text,
    )
    # A postcode's last letter read as a bracket ("PR1 8X]"): inward codes end in letters.
    text = re.sub(r"(\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z])[\]\)]", r"\1J", text)
    # … or with a stray small letter inside ("PR1 8XjJ").
    text = re.sub(r"(\b[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z])[a-z]([A-Z])\b", r"\1\2", text)
    # … and its digit read as a letter O ("E5 OPD", "E5 O0PD"): inward codes start with one.
    return re.sub(r"(\b[A-Z]{1,2}[0-9][A-Z0-9]? )(?:O0|0O|O)([A-Z]{2})\b", r"\g<1>0\2", text)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in _normalise(text).splitlines() if line.strip()]


def _date(match: re.Match, today: dt.date) -> dt.date | None:
    import dateparser

    if match.re is NO_YEAR:
        return _without_year(match, today)
    # The weekday is left out: dateparser knows "Dydd Iau" but not its mutation "ddydd Iau".
    separator = "/" if match.re is DATE_IN_NUMBERS else " "
    found = dateparser.parse(
        separator.join(match.group("day", "month", "year")),
        languages=["en", "cy"],
        settings={"DATE_ORDER": "DMY", "PREFER_DAY_OF_MONTH": "first",
                  "REQUIRE_PARTS": ["day", "month", "year"], "STRICT_PARSING": True},
    )  # fmt: skip
    if found is None:
        return None
    day = found.date()
    return day if 2000 <= day.year <= 2100 else None


def _without_year(match: re.Match, today: dt.date) -> dt.date | None:
    """A day and month with no year: the next one from a week before `today`, or the one
    whose weekday is the weekday the letter gives."""
    import dateparser

    for year in (today.year, today.year + 1):
        found = dateparser.parse(
            f"{match.group('day')} {match.group('month')} {year}", languages=["en", "cy"],
            settings={"DATE_ORDER": "DMY", "STRICT_PARSING": True},
        )  # fmt: skip
        if found is None:
            return None
        day = found.date()
        weekday = match.group("weekday")
        if day >= today - dt.timedelta(days=7) and (
            not weekday or _weekday_number(weekday) in (None, day.weekday())
        ):
            return day
    return None


def _weekday_number(name: str) -> int | None:
    name = re.sub(r"^d?dydd\s+", "", name.casefold())
    for number, words in enumerate((("mon", "llun"), ("tue", "mawrth"), ("wed", "mercher"),
                                    ("thu", "iau"), ("fri", "gwener"), ("sat", "sadwrn"),
                                    ("sun", "sul"))):  # fmt: skip
        if name.startswith(words):
            return number
    return None


@dataclasses.dataclass
class _Candidate:
    day: dt.date
    line: int
    end: int  # where the date ends in its line
    score: float


def _times(text: str) -> list[tuple[dt.time, int, int, bool]]:
    """Clock times in a piece of text: (time, start, end, whether it said am or pm)."""
    found = []
    for match in TIME.finditer(text):
        if match.group("noon"):
            found.append((dt.time(12, 0), match.start(), match.end(), True))
            continue
        if match.group("hhmm"):  # "1030hrs"
            clock = dt.time(int(match.group("hhmm")), int(match.group("mm")))
            found.append((clock, match.start(), match.end(), False))
            continue
        hour, minute, half = int(match.group("hour")), match.group("minute"), match.group("half")
        if minute is None and not half:
            continue
        half = (half or "").lower().replace(".", "").replace(" ", "")
        if half in {"pm", "yp"} and hour < 12:
            hour += 12
        elif half in {"am", "yb"} and hour == 12:
            hour = 0
        if hour > 23 or (half in {"am", "pm", "yb", "yp"} and int(match.group("hour")) > 12):
            continue
        said_half = half in {"am", "pm", "yb", "yp"}
        found.append((dt.time(hour, int(minute or 0)), match.start(), match.end(), said_half))
    return found


def _start_and_end(text: str) -> tuple[str, str]:
    """The first time in the text, and the end time if a range follows it ("to", "-")."""
    times = _times(text)
    if not times:
        return "", ""
    start = times[0]
    end = ""
    if len(times) > 1 and BETWEEN_TIMES.match(text[start[2]:times[1][1]]):
        first, second = start[0], times[1][0]
        # "1.30 to 3pm": a start without am/pm takes the end's afternoon.
        later = first.replace(hour=first.hour + 12) if first.hour < 12 else first
        if not start[3] and times[1][3] and first.hour < 12 <= second.hour and later < second:
            first = later
        if second > first:
            start = (first,) + start[1:]
            end = second.strftime("%H:%M")
    return start[0].strftime("%H:%M"), end


def _dates(lines: list[str], today: dt.date) -> list[_Candidate]:
    greeting = next((i for i, line in enumerate(lines) if GREETING.match(line)), None)
    found = []
    for i, line in enumerate(lines):
        for pattern in (DATE_IN_WORDS, DATE_IN_NUMBERS, MONTH_FIRST, NO_YEAR):
            for match in pattern.finditer(line):
                day = _date(match, today)
                if day is None:
                    continue
                score = 0.0
                nearby = " ".join(lines[i:i + 2])
                if match.group("weekday"):
                    score += 3
                if _times(line[match.end():]) or _times(" ".join(lines[i + 1:i + 2])):
                    score += 3
                if APPOINTMENT_WORDS.search(" ".join(lines[max(0, i - 1):i + 1])):
                    score += 2
                if NOT_THE_APPOINTMENT.search(line):
                    score -= 8
                if greeting is not None and i < greeting:
                    score -= 2
                label_only = re.fullmatch(LABEL, line[: match.start()])
                alone = match.end() >= len(line.rstrip(". "))
                if label_only and alone and not _times(nearby[match.end():]):
                    score -= 1  # a date alone on its line, with no time: the letter's own
                found.append(_Candidate(day, i, match.end(), score))
    return found


def _place(lines: list[str], at: int) -> str:
    """Where: after a "Venue:"-like label, else "at …" near the date, else a line in the
    body holding a postcode."""
    for i, line in enumerate(lines):
        label = PLACE_LABEL.match(line)
        if label:
            place = label.group("place") or label.group("cell")
            return _address(place, lines[i + 1:i + 3])
        if EMPTY_PLACE_LABEL.search(line) and i + 1 < len(lines):  # "… will take place at:"
            return _address(lines[i + 1], lines[i + 2:i + 5])
    window = lines[max(0, at - 1):at + 3]
    for n, line in enumerate(window):
        for match in AT_PLACE.finditer(line):
            place = match.group("place")
            if _times(place[:8]) or DATE_IN_WORDS.match(place):
                continue
            return _address(place, window[n + 1:n + 3])
    for i in range(at, len(lines)):
        if POSTCODE.search(lines[i]) and not NOT_THE_APPOINTMENT.search(lines[i]):
            return _address_ending(lines, i, stop=at)
    return ""


def _address_ending(lines: list[str], i: int, *, stop: int) -> str:
    """The address block whose last line (with the postcode) is lines[i]: the short lines
    just above it that read like parts of an address."""
    first = i
    while first - 1 > stop and i - first < 3 and _address_like(lines[first - 1]):
        first -= 1
    return _address(", ".join(lines[first:i + 1]), [])


def _address_like(line: str) -> bool:
    """Short, no label, not a sentence, no date or time: could be a line of an address."""
    return (len(line) <= 60 and ":" not in line and not line.endswith((".", ",", "?"))
            and not _times(line) and not DATE_IN_WORDS.search(line))  # fmt: skip


def _address(first: str, following: list[str]) -> str:
    """A place that may run on to the next lines, up to and including its postcode."""
    parts = [first.strip()]
    for line in following:
        if POSTCODE.search(parts[-1]) or not _address_like(line):
            break
        # An address line has a postcode, a number or a comma, or is a name in capitals.
        words = line.split()
        if not (re.search(r"[\d,]", line) or all(w[:1].isupper() for w in words)):
            break
        parts.append(line.strip())
    place = ", ".join(parts)
    postcode = POSTCODE.search(place)
    if postcode:
        place = place[: postcode.end()]
    return place.strip(" .,;")[:500]


def kind_of(text: str) -> Kind | None:
    """What kind of letter this seems to be, from its words."""
    words = re.sub(r"\s+", " ", _normalise(text)).casefold()
    for kind in KINDS:
        if any(word in words for word in kind.words):
            return kind
    return None


def understand(text: str, *, today: dt.date | None = None) -> Reading:
    """The appointment in a letter's words: the date that is the appointment's (not the
    letter's own), its start and end, the place, the agency and the kind of letter.
    `today` (when the letter is read) places a date given without its year."""
    today = today or dt.date.today()
    lines = _lines(text)
    kind = kind_of(text)
    has_text = sum(len(re.findall(r"[A-Za-z]{3,}", line)) for line in lines) >= 8
    bring = next((m.group("what").strip(" :.") for m in map(BRING.match, lines) if m), "")
    base = dict(agency=kind.agency if kind else "", kind=kind.key if kind else "",
                what_to_bring=bring[:300], has_text=has_text)  # fmt: skip
    candidates = [c for c in _dates(lines, today) if c.score >= 1]
    if not candidates:
        return Reading(**base)
    best = max(candidates, key=lambda c: (c.score, c.line))
    line = lines[best.line]
    after = line[best.end:]
    start, end = _start_and_end(" ".join([after, *lines[best.line + 1:best.line + 3]]))
    if not start:  # "at 2pm on 22 April", or the time on the line above
        before = " ".join([*lines[max(0, best.line - 1):best.line], line[: best.end]])
        start, end = _start_and_end(before)
    if not start:  # a "Time:" line elsewhere
        for line in lines:
            if re.match(r"^(?:[^:]{0,12}/\s*)?(?:time|amser)\b", line, re.IGNORECASE):
                start, end = _start_and_end(line.split(":", 1)[-1])
                if start:
                    break
    return Reading(date=best.day.isoformat(), start_time=start, end_time=end,
                   location=_place(lines, best.line), **base)  # fmt: skip
