"""Reading a letter into the calendar through its pages: the drawn letter set, the letter
before proceedings, pictures that are not letters, the limits, saving what was checked and a
supporter doing it for the parent.

Reading touches no database, so the tests that only read (`reading_only`) run on SQLite
alone; the limits, the pages and saving run on both databases."""

import io
import json

import pytest
from PIL import Image

from app.accounts.models import Role
from app.calendar import service
from app.consent.models import Permission
from app.letters import ocr
from app.letters import service as letters
from tests import factories
from tests.factories import csrf, post, sign_in_as
from tests.letters.letter_set import draw, no_meeting_plo, not_a_letter
from tests.letters.letter_set import letters as letter_set
from tests.pages import check_page

pytestmark = pytest.mark.skipif(
    not letters.available(), reason="scripts/test-deps installs Tesseract"
)
# Reading a letter touches no database: these run on SQLite only (see tests/conftest.py).
reading_only = pytest.mark.parametrize("backend", ["sqlite"], indirect=True, scope="session")


def send(client, data: bytes, content_type="image/jpeg", *, parent=None, token=True):
    value = csrf(client)
    query = f"?csrftoken={value}" if token else ""
    if parent:
        query += ("&" if query else "?") + f"parent={parent}"
    files = {"letter": ("letter", data, content_type)}
    return client.post("/en/calendar/letters" + query, files=files, follow_redirects=False)


def filled(response):
    soup = check_page(response.text)
    form = soup.select_one("form[data-offline-queue]")
    values = {i["name"]: i.get("value", "") for i in form.select("input")}
    chosen = form.select_one("select[name=agency] option[selected]")
    values["agency"] = chosen["value"] if chosen else ""
    return soup, values


def squash(text: str) -> str:
    return "".join(c for c in text.casefold() if c.isalnum())


def test_the_set_is_thirty_letters_or_more_with_photos_and_welsh():
    found = letter_set()
    assert len(found) >= 30
    assert sum(letter.photo for letter in found) >= 10
    assert any(letter.sideways for letter in found)
    assert sum(letter.pdf for letter in found) >= 3
    assert any("Dydd Iau 15 Ebrill 2027" in line for letter in found for line in letter.lines)


@reading_only
@pytest.mark.parametrize("letter", letter_set(), ids=lambda letter: letter.name)
def test_every_letter_in_the_set_is_read_through_the_route(signed_in, letter):
    data, content_type = draw(letter)
    response = send(signed_in, data, content_type)
    assert response.status_code == 200, (letter.name, response.text[:300])
    assert response.headers["cache-control"] == "no-store"
    soup, values = filled(response)
    got = (values["date"], values["start_time"], values["end_time"],
           squash(values["location"]), values["agency"])  # fmt: skip
    want = (letter.date, letter.start, letter.end, squash(letter.location), letter.agency)
    assert got == want, letter.name
    assert "Check these against your letter" in response.text
    assert values["from_letter"]
    if letter.guide:
        assert soup.select_one(f"a[href='/en/explainers/{letter.guide}']"), letter.name


@reading_only
def test_an_unread_field_is_empty_and_flagged(signed_in):
    letter = next(x for x in letter_set() if x.name == "conference-invitation-clean")
    response = send(signed_in, *draw(letter))
    soup, values = filled(response)
    assert values["end_time"] == ""  # the letter gives no end time
    assert "We could not read this on the letter" in soup.select_one("#f-end_time-hint").text
    assert not soup.select_one("#f-date-hint")
    assert values["summary"] == "Child protection conference"
    assert "This looks like an invitation to a child protection conference" in response.text


@reading_only
def test_a_letter_before_proceedings_with_no_meeting_says_what_it_is_and_what_to_do(signed_in):
    for photo in (False, True):
        response = send(signed_in, *draw(no_meeting_plo(photo)))
        soup, values = filled(response)
        assert values["date"] == ""
        text = soup.get_text(" ", strip=True)
        assert "This looks like a letter before proceedings." in text
        assert "Legal advice is free because of this letter." in text
        assert "Find a solicitor today" in text
        for slug in ("letter-before-proceedings", "free-legal-advice", "your-solicitor"):
            assert soup.select_one(f"a[href='/en/explainers/{slug}']"), slug
        assert "We couldn't find a date in this picture. You can type the details instead." in text


@reading_only
def test_a_picture_that_is_not_a_letter(signed_in):
    response = send(signed_in, not_a_letter())
    assert response.status_code == 200
    soup, values = filled(response)
    assert "We couldn't find a date in this picture. You can type the details instead." in (
        soup.get_text(" ", strip=True)
    )
    assert values["date"] == values["start_time"] == values["location"] == ""


def _png(width, height) -> bytes:
    out = io.BytesIO()
    Image.new("1", (width, height), 1).save(out, "PNG", optimize=True)
    return out.getvalue()


def _cmyk_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("CMYK", (1200, 1700), (0, 0, 0, 0)).save(out, "JPEG")
    return out.getvalue()


def _pdf(pages: int) -> bytes:
    out = io.BytesIO()
    sheets = [Image.new("L", (200, 280), 255) for _ in range(pages)]
    sheets[0].save(out, "PDF", save_all=True, append_images=sheets[1:])
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "content_type", "message"),
    [
        (b"x" * (ocr.MAX_BYTES + 1), "image/jpeg", "That file is too big"),
        (_png(20_000, 20_000), "image/png", "That file is too big"),  # a decompression bomb
        (_pdf(7), "application/pdf", "too many pages"),
        (b"%PDF-1.7 not really", "application/pdf", "Choose a photo (JPEG or PNG) or a PDF"),
        (b"GIF89a" + b"\0" * 100, "image/gif", "Choose a photo (JPEG or PNG) or a PDF"),
        (b"", "image/jpeg", "Choose a photo or a file of the letter"),
        (_png(3000, 2), "image/png", "Choose a photo (JPEG or PNG) or a PDF"),  # a sliver
    ],
)
def test_what_we_will_not_read_is_refused_kindly(signed_in, data, content_type, message):
    response = send(signed_in, data, content_type)
    assert response.status_code == 400
    soup = check_page(response.text)
    assert message in soup.select_one("#f-letter-error").text
    assert soup.select_one(".error-summary a[href='#f-letter']")


@reading_only
def test_odd_pictures_are_no_letter_never_an_error(signed_in):
    response = send(signed_in, _cmyk_jpeg())
    assert response.status_code == 200
    assert "We couldn't find a date in this picture." in response.text


def test_a_letter_without_its_token_is_refused(signed_in):
    letter = letter_set()[0]
    response = send(signed_in, draw(letter)[0], token=False)
    assert response.status_code == 403


def test_without_tesseract_the_page_says_so_and_offers_typing(signed_in, monkeypatch):
    monkeypatch.setattr(letters, "available", lambda: False)
    _, soup = signed_in.page("/en/calendar/letters/new")
    assert "This site cannot read letters at the moment." in soup.text
    assert soup.select_one("a[href='/en/calendar/sources#add-one']")
    assert not soup.select_one("input[name=letter]")
    response = send(signed_in, draw(letter_set()[0])[0])
    assert response.status_code == 503
    assert "This site cannot read letters at the moment." in response.text


def test_the_choose_page_offers_the_camera_and_a_file(signed_in):
    response, soup = signed_in.page("/en/calendar/letters/new")
    assert response.headers["cache-control"] == "no-store"
    camera, chooser = soup.select("input[name=letter]")
    assert camera["accept"] == "image/*" and camera.has_attr("capture")
    assert "application/pdf" in chooser["accept"] and not chooser.has_attr("capture")
    for form in soup.select("form[enctype='multipart/form-data']"):
        assert "csrftoken=" in form["action"] and form.has_attr("novalidate")
    assert "needs an internet connection" in soup.text
    _, sources = signed_in.page("/en/calendar/sources")
    assert sources.select_one(
        "#add-one ~ p a[href='/en/calendar/letters/new']"
    ) or sources.select_one("a[href='/en/calendar/letters/new']")


@reading_only
def test_the_pages_speak_welsh(signed_in):
    _, soup = signed_in.page("/cy/calendar/letters/new")
    assert soup.select_one("label[for=f-letter]").get_text(strip=True) == "Tynnu llun o lythyr"
    letter = next(x for x in letter_set() if x.name == "conference-bilingual-clean")
    value = csrf(signed_in)
    response = signed_in.post(f"/cy/calendar/letters?csrftoken={value}",
                              files={"letter": ("l.png", *draw(letter))})  # fmt: skip
    soup, values = filled(response)
    assert "gwahoddiad i gynhadledd amddiffyn plant" in soup.get_text(" ", strip=True)
    assert values["summary"] == "Cynhadledd amddiffyn plant"
    assert values["date"] == "2027-04-15"


def test_nothing_is_saved_until_the_checked_form_is_sent(signed_in, db, parent, now):
    letter = next(x for x in letter_set() if x.name == "probation-photo")
    response = send(signed_in, *draw(letter))
    _, values = filled(response)
    assert service.all_appointments(db, parent_id=parent.id) == []
    values.pop("csrftoken", None)
    values["location"] = "Probation Office, Victoria Road"  # the parent corrects one field
    saved = post(signed_in, "/en/calendar/appointments", values)
    assert saved.status_code == 303
    (appointment,) = service.all_appointments(db, parent_id=parent.id)
    assert appointment.location == "Probation Office, Victoria Road"
    assert appointment.agency == "probation"
    _, soup = signed_in.page(saved.headers["location"])
    assert "from a letter" in soup.select_one("main").text
    _, agenda = signed_in.page("/en/calendar/week?start=2027-03-10")
    assert "From a letter" in agenda.select_one(".appointment").text
    exported = service.export(db, parent_id=parent.id)
    assert exported["appointments"][0]["from_a_letter"] is True


def test_a_checked_form_with_a_mistake_comes_back_as_the_letter_form(signed_in, db, parent):
    form = {"agency": "probation", "summary": "Probation appointment", "date": "",
            "start_time": "10:00", "from_letter": "probation"}  # fmt: skip
    response = post(signed_in, "/en/calendar/appointments", form)
    assert response.status_code == 400
    soup = check_page(response.text)
    assert soup.select_one("input[name=from_letter]")["value"] == "probation"
    assert soup.select_one(".error-summary a[href='#f-date']")
    assert service.all_appointments(db, parent_id=parent.id) == []


def test_a_supporter_allowed_to_edit_appointments_reads_a_letter_for_the_parent(
    client, db, parent, now
):
    helper = factories.user(db, Role.supporter)
    link = factories.link(db, parent, helper, {Permission.see_appointments.value,
                                                Permission.edit_appointments.value})  # fmt: skip
    sign_in_as(client, db, helper)
    letter = next(x for x in letter_set() if x.name == "core-group-photo")
    response = send(client, *draw(letter), parent=link.public_id)
    assert response.status_code == 200
    soup, values = filled(response)
    assert "Check these against the letter" in response.text  # not "your letter"
    assert f"parent={link.public_id}" in soup.select_one("form[data-offline-queue]")["action"]
    values.pop("csrftoken", None)
    saved = post(client, f"/en/calendar/appointments?parent={link.public_id}", values)
    assert saved.status_code == 303
    (appointment,) = service.all_appointments(db, parent_id=parent.id)
    assert appointment.start.date().isoformat() == "2027-02-04"
    assert service.letter_keys(db, parent_id=parent.id) == {appointment.match_key}
    assert json.dumps(service.export(db, parent_id=parent.id))  # exportable
