"""What the letter pages call: the posted letter read into the add-appointment form's
values, what kind of letter it is and its guides, and the reasons we will not read one.
Saving what the parent checked is the calendar's (an appointment "from a letter")."""

import datetime as dt

from app.forms import N_
from app.letters import extract, ocr
from app.letters.extract import KINDS_BY_KEY, Kind, Reading
from app.letters.ocr import LetterError, available

BODY_LIMIT = ocr.MAX_BYTES + 64 * 1024  # the letter and the rest of its form

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


def letter_in(body: bytes | None, content_type: str) -> bytes:
    """The letter out of a posted form's body (None: the body passed BODY_LIMIT)."""
    if body is None:
        raise LetterError("too_big")
    data = letter_from_form(body, content_type)
    if not available():
        raise LetterError("unavailable")
    return data


def read_letter(data: bytes, *, today: dt.date | None = None) -> Reading:
    """The appointment a letter (a photo or a PDF, in memory) names; from a worker thread."""
    return extract.understand(ocr.read_text(data), today=today)


def kind_for(key: str) -> Kind | None:
    """The kind of letter with this key, or None."""
    return KINDS_BY_KEY.get(key)


def guides(kind: Kind | None) -> list[str]:
    """The explainers a letter of this kind links to (a PLO letter: legal advice too)."""
    slugs = [kind.guide] if kind and kind.guide else []
    if kind and kind.key == "pre_proceedings":
        slugs += ["free-legal-advice", "your-solicitor"]
    return slugs


READ_FIELDS = ("agency", "summary", "date", "start_time", "end_time", "location")


def form_values(reading: Reading, gettext) -> tuple[dict[str, str], list[str]]:
    """The add form filled from a reading (in the reader's words), and the fields to flag."""
    kind = KINDS_BY_KEY.get(reading.kind)
    form = {
        "agency": reading.agency, "summary": gettext(kind.title) if kind else "",
        "date": reading.date, "start_time": reading.start_time, "end_time": reading.end_time,
        "location": reading.location, "who": "", "what_to_bring": reading.what_to_bring,
        "notes": "",
    }  # fmt: skip
    return form, [name for name in READ_FIELDS if not form[name]]


def letter_from_form(body: bytes, content_type: str) -> bytes:
    """The `letter` file out of a multipart form body, parsed in memory."""
    # Not Starlette's form: it spools a file over 1 MB to disk, and a letter is never stored.
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
