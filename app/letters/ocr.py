"""Getting a letter's words: its pages out of a photo or a PDF (in memory), each page
cleaned (grey, the light evened out, turned straight, at a size Tesseract likes) and read by
Tesseract through its C API (tesserocr), within the limits.

The picture is read in memory only: never written to disk, logged or sent anywhere, and
dropped when the reading is done. PDFs are drawn in memory by PDFium. Without Tesseract's
data on the machine, `available()` is false.
"""

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

log = logging.getLogger(__name__)

# Tesseract's OpenMP threads spin while they wait: with READERS letters read at once on a
# few cores, each engine's extra threads only take turns from the others (Tesseract's own
# advice for parallel use). Read by libgomp when tesserocr first loads, so set here.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

MAX_BYTES = 15 * 1024 * 1024
MAX_PAGES = 6
MAX_PIXELS = 40_000_000  # a 6,000 × 6,600 photo; a bigger "image" is a decompression bomb
TIME_LIMIT = dt.timedelta(seconds=45)  # the whole letter, every page
READERS = 2  # letters read at once by this process (each uses a core)
LANGUAGES = "eng+cym"


class LetterError(Exception):
    """A letter we will not read, with the code of the reason (a key of ERRORS)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


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


def read_text(data: bytes) -> str:
    """The words of a letter (a photo or a PDF, in memory), page after page.

    Call from a worker thread, never the event loop; at most READERS letters are read at
    once and a letter gets TIME_LIMIT in all."""
    if not _slots.acquire(timeout=20):
        raise LetterError("busy")
    try:
        deadline = time.monotonic() + TIME_LIMIT.total_seconds()
        pages = _pages(data)
        return "\n".join(read_page(page, deadline=deadline) for page in pages)
    except LetterError:
        raise
    except Exception:  # noqa: BLE001 - an odd picture (a sliver, a strange mode) is no letter
        log.warning("a letter could not be read")  # nothing of the picture or its words
        raise LetterError("not_a_picture") from None
    finally:
        _slots.release()
