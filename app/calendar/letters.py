"""Reading a letter into the calendar: a photo or PDF of a letter in, the appointment it
names out (date, times, place, agency), and what kind of letter it seems to be.

The picture is read in memory only: never written to disk, logged or sent anywhere, and
dropped when the reading is done. Tesseract (Debian's, with English and Welsh data) reads
through its C API (tesserocr); PDFs are drawn in memory by PDFium. Without Tesseract's data
on the machine, `available()` is false and the page offers typing instead.
"""

import dataclasses
import datetime as dt
import glob
import io
import logging
import os
import queue
import re
import threading
import time
import warnings

import numpy
from PIL import Image, ImageFilter, ImageOps

from app.forms import N_

log = logging.getLogger(__name__)

MAX_BYTES = 15 * 1024 * 1024
MAX_PAGES = 6
MAX_PIXELS = 40_000_000  # a 6,000 × 6,600 photo; a bigger "image" is a decompression bomb
TIME_LIMIT = dt.timedelta(seconds=45)  # the whole letter, every page
READERS = 2  # letters read at once by this process (each uses a core)
LANGUAGES = "eng+cym"

ERRORS = {
    "too_big": N_("That file is too big. Choose one smaller than 15 MB."),
    "too_many_pages": N_("That letter has too many pages. Choose the page with the date on it, "
                         "or up to 6 pages."),  # fmt: skip
    "not_a_picture": N_("Choose a photo (JPEG or PNG) or a PDF of the letter."),
    "too_slow": N_("Reading that letter took too long. Try a clearer photo, or type the "
                   "details instead."),  # fmt: skip
    "busy": N_("We are reading a lot of letters just now. Try again in a minute, or type the "
               "details instead."),  # fmt: skip
    "empty": N_("Choose a photo or a file of the letter."),
}


class LetterError(Exception):
    """A letter we will not read, with the code of the reason (a key of ERRORS)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


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


# Getting the pages ------------------------------------------------------------------------


def tessdata() -> str | None:
    """Where Tesseract's English and Welsh data are, or None when this machine has none."""
    places = [os.environ.get("TESSDATA_PREFIX", "")] + sorted(
        glob.glob("/usr/share/tesseract-ocr/*/tessdata"), reverse=True
    )
    for place in places:
        if place and all(
            os.path.exists(os.path.join(place, f"{lang}.traineddata"))
            for lang in LANGUAGES.split("+")
        ):
            return place.rstrip("/") + "/"
    return None


def available() -> bool:
    """Whether this site can read letters (Tesseract's binding and its data are here)."""
    try:
        import tesserocr  # noqa: F401
    except ImportError:
        return False
    return tessdata() is not None


def _pages(data: bytes) -> list[Image.Image]:
    if not data:
        raise LetterError("empty")
    if len(data) > MAX_BYTES:
        raise LetterError("too_big")
    if data[:5] == b"%PDF-":
        return _pdf_pages(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in {"JPEG", "PNG", "WEBP", "MPO", "HEIF", "TIFF"}:
                raise LetterError("not_a_picture")
            if image.width * image.height > MAX_PIXELS:
                raise LetterError("too_big")
            if getattr(image, "n_frames", 1) > MAX_PAGES:
                raise LetterError("too_many_pages")
            image.load()
            return [ImageOps.exif_transpose(image)]
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise LetterError("too_big") from None
    except LetterError:
        raise
    except Exception:  # noqa: BLE001 - whatever Pillow makes of a broken file, it is not a picture
        raise LetterError("not_a_picture") from None


def _pdf_pages(data: bytes) -> list[Image.Image]:
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(data)
    except Exception:  # noqa: BLE001 - a broken or locked PDF
        raise LetterError("not_a_picture") from None
    try:
        if len(document) > MAX_PAGES:
            raise LetterError("too_many_pages")
        pages = []
        for page in document:
            width, height = page.get_size()  # points
            scale = min(300 / 72, (MAX_PIXELS / max(width * height, 1)) ** 0.5)
            pages.append(page.render(scale=scale, grayscale=True).to_pil())
        return pages
    finally:
        document.close()


# Cleaning the photo -----------------------------------------------------------------------

LONG_SIDE = (2600, 3400)  # an A4 page at about 220 to 290 dpi: small print needs it


def clean(image: Image.Image) -> Image.Image:
    """The page in grey, the light evened out, turned straight, at a size Tesseract likes."""
    grey = image.convert("L")
    if min(grey.size) < 32 or max(grey.size) > 40 * min(grey.size):
        raise LetterError("not_a_picture")  # a sliver: no page of a letter looks like this
    long_side = max(grey.size)
    if not LONG_SIDE[0] <= long_side <= LONG_SIDE[1]:
        factor = min(max(long_side, LONG_SIDE[0]), LONG_SIDE[1]) / long_side
        grey = grey.resize((round(grey.width * factor), round(grey.height * factor)),
                           Image.LANCZOS)  # fmt: skip
    grey = _even_light(grey)
    angle = _skew(grey)
    if abs(angle) >= 0.2:
        grey = grey.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=255)
    return grey


def _even_light(grey: Image.Image) -> Image.Image:
    """Divide by the page's own background (the text taken out by a wide max filter), so
    shade and a lamp on one side become plain white paper."""
    small = grey.reduce(8).filter(ImageFilter.MaxFilter(5)).filter(ImageFilter.GaussianBlur(4))
    background = numpy.asarray(small.resize(grey.size, Image.BILINEAR), dtype=numpy.float32)
    page = numpy.asarray(grey, dtype=numpy.float32)
    even = numpy.clip(page / numpy.maximum(background, 1) * 255, 0, 255)
    # Stretch so the darkest text is black: a blurred photo's text is often mid-grey.
    ink = even[even < 200]
    low = float(numpy.percentile(ink, 5)) if ink.size > 100 else 0.0
    if low > 10:
        even = numpy.clip((even - low) / max(250 - low, 1) * 255, 0, 255)
    return Image.fromarray(even.astype(numpy.uint8))


def _skew(grey: Image.Image) -> float:
    """The angle that makes the lines of text level: the one whose rows of ink are most
    sharply divided into lines and gaps (a projection profile), within ±6 degrees."""
    small = grey.reduce(max(1, max(grey.size) // 900))
    ink = small.point(lambda v: 255 if v < 140 else 0)

    def sharpness(angle: float) -> float:
        rows = numpy.asarray(ink.rotate(angle, resample=Image.NEAREST), dtype=numpy.float32)
        profile = rows.sum(axis=1)
        return float(numpy.square(numpy.diff(profile)).sum())

    best = max(numpy.arange(-6, 6.01, 0.5), key=sharpness)
    return max(numpy.arange(best - 0.5, best + 0.51, 0.1), key=sharpness)


# Reading ----------------------------------------------------------------------------------

_readers: dict[str, queue.Queue] = {"eng": queue.Queue(), LANGUAGES: queue.Queue()}
_slots = threading.BoundedSemaphore(READERS)
# Welsh's data has no Q and reads "Queen" as "Oueen": English alone first, and both
# languages again only for a page with Welsh on it.
WELSH = re.compile(
    r"\b(?:annwyl|dydd|cyngor|gyda|dyddiad|amser|lleoliad|apwyntiad|cyfarfod|eich|ydych|"
    r"gennych|yng|cynhadledd|chi|mae|bydd)\b",
    re.IGNORECASE,
)


def _reader(lang: str):
    """A Tesseract engine, reused: starting one (loading its data) takes a while."""
    try:
        return _readers[lang].get_nowait()
    except queue.Empty:
        import tesserocr

        return tesserocr.PyTessBaseAPI(path=tessdata(), lang=lang, psm=tesserocr.PSM.AUTO)


def _recognise(image: Image.Image, lang: str, deadline: float) -> str:
    left_ms = int((deadline - time.monotonic()) * 1000)
    if left_ms <= 0:
        raise LetterError("too_slow")
    api = _reader(lang)
    try:
        api.SetImage(image)
        if not api.Recognize(timeout=left_ms):
            raise LetterError("too_slow")
        return api.GetUTF8Text()
    finally:
        api.Clear()
        _readers[lang].put(api)


def ocr(image: Image.Image, *, deadline: float) -> str:
    """The words on one cleaned page, by Tesseract: English, and Welsh when there is some."""
    text = _recognise(image, "eng", deadline)
    if len(WELSH.findall(text)) >= 3:
        text = _recognise(image, LANGUAGES, deadline)
    return text


COMMON_WORDS = frozenset((
    "the", "and", "you", "your", "to", "of", "a", "in", "on", "at", "is", "are", "for", "with",
    "will", "be", "we", "this", "our", "date", "time", "dear", "please", "meeting",
    "appointment", "from", "if", "can", "not", "have", "yours", "by", "an", "it", "or", "as",
    "annwyl", "eich", "chi", "yn", "a", "ar", "i", "gyda", "mae", "y", "yr", "dyddiad",
    "amser",
))


def _words(text: str) -> int:
    """How many everyday words a reading has: a page read upside down or sideways has
    letters but almost none of these."""
    return sum(word in COMMON_WORDS for word in re.findall(r"[a-z]+", text.casefold()))


def read_page(page: Image.Image, *, deadline: float) -> str:
    """One page's words. A page with almost none may be a photo taken with the phone
    turned and no EXIF to say so: then it is read turned each way, and the most words win."""
    text = ocr(clean(page), deadline=deadline)
    if _words(text) >= 8:
        return text
    for turn in (Image.Transpose.ROTATE_270, Image.Transpose.ROTATE_90,
                 Image.Transpose.ROTATE_180):  # fmt: skip
        turned = ocr(clean(page.transpose(turn)), deadline=deadline)
        if _words(turned) > max(2 * _words(text), 8):
            return turned
    return text


def read_letter(data: bytes, *, today: dt.date | None = None) -> Reading:
    """Read a letter (a photo or a PDF, in memory) and find the appointment it names.

    Call from a worker thread, never the event loop; at most READERS letters are read at
    once and a letter gets TIME_LIMIT in all."""
    if not _slots.acquire(timeout=20):
        raise LetterError("busy")
    try:
        deadline = time.monotonic() + TIME_LIMIT.total_seconds()
        pages = _pages(data)
        text = "\n".join(read_page(page, deadline=deadline) for page in pages)
    except LetterError:
        raise
    except Exception:  # noqa: BLE001 - an odd picture (a sliver, a strange mode) is no letter
        log.warning("a letter could not be read")  # nothing of the picture or its words
        raise LetterError("not_a_picture") from None
    finally:
        _slots.release()
    return understand(text, today=today)


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


READ_FIELDS = ("agency", "summary", "date", "start_time", "end_time", "location")


def form_values(reading: Reading, gettext) -> tuple[dict[str, str], list[str]]:
    """The add-appointment form filled from a reading (in the reader's language), and the
    fields we could not read, to flag."""
    kind = KINDS_BY_KEY.get(reading.kind)
    form = {
        "agency": reading.agency, "summary": gettext(kind.title) if kind else "",
        "date": reading.date, "start_time": reading.start_time, "end_time": reading.end_time,
        "location": reading.location, "who": "", "what_to_bring": reading.what_to_bring,
        "notes": "",
    }  # fmt: skip
    return form, [name for name in READ_FIELDS if not form[name]]


def letter_from_form(body: bytes, content_type: str) -> bytes:
    """The `letter` file out of a multipart form body, parsed in memory (Starlette would
    spool a file over 1 MB to disk, and a letter's picture is never stored)."""
    from python_multipart.multipart import MultipartParser, parse_options_header

    kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        return b""
    parts: list[tuple[bytes, bytearray]] = []
    header = {"field": b"", "value": b""}

    def on_part_begin():
        parts.append((b"", bytearray()))

    def on_header_field(data, start, end):
        header["field"] += data[start:end]

    def on_header_value(data, start, end):
        header["value"] += data[start:end]

    def on_header_end():
        if header["field"].lower() == b"content-disposition":
            _, params = parse_options_header(header["value"])
            parts[-1] = (params.get(b"name", b""), parts[-1][1])
        header["field"] = header["value"] = b""

    def on_part_data(data, start, end):
        if parts[-1][0] == b"letter":
            parts[-1][1].extend(data[start:end])

    parser = MultipartParser(boundary, {
        "on_part_begin": on_part_begin, "on_header_field": on_header_field,
        "on_header_value": on_header_value, "on_header_end": on_header_end,
        "on_part_data": on_part_data,
    }, max_header_count=8)  # fmt: skip
    try:
        parser.write(body)
        parser.finalize()
    except Exception:  # noqa: BLE001 - a broken form is a form with no letter in it
        return b""
    return next((bytes(data) for name, data in parts if name == b"letter"), b"")
