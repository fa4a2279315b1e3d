"""Questions live in one place (issue 16), on SQLite and PostgreSQL: a signed-in parent's
questions are kept with the account wherever they are added, device questions can join
the account with their appointment, and signing out says what happens to them."""

import datetime as dt

import pytest

from app.calendar import service as calendar
from app.questions import service as questions
from tests import factories
from tests.factories import post, sign_in_as


@pytest.fixture
def parent(db):
    return factories.user(db)


@pytest.fixture
def appointment(db, parent):
    return calendar.add_manual(
        db, parent_id=parent.id, agency="childrens_social_care", summary="Core group",
        date=(factories.START + dt.timedelta(days=3)).date().isoformat(), start_time="10:00",
        end_time="11:00", now=factories.START,
    )  # fmt: skip


def test_without_javascript_a_question_is_added_on_an_appointment_page(
    client, db, parent, appointment
):
    sign_in_as(client, db, parent)
    _, soup = client.page(f"/en/calendar/appointments/{appointment.id}")
    form = soup.find("input", attrs={"name": "appointment_id"}).find_parent("form")
    assert form["method"] == "post" and form["action"] == "/en/questions/"
    assert soup.select("[data-appointment-question-list]") == [], "no device-only list"
    added = post(client, "/en/questions/", {"text": "Who takes the minutes?",
                 "appointment_id": appointment.id, "next": "appointment"})  # fmt: skip
    assert added.status_code == 303
    assert added.headers["location"] == (
        f"/en/calendar/appointments/{appointment.id}?done=question"
    )
    _, soup = client.page(added.headers["location"])
    assert "Who takes the minutes?" in soup.select_one(".question-list").get_text()
    (kept,) = questions.list_questions(db, parent=parent)
    assert kept.appointment_id == appointment.id


def test_questions_from_a_page_script_go_to_the_account_with_their_appointment(
    client, db, parent, appointment
):
    sign_in_as(client, db, parent)
    form = {"text": "Can my mum come?", "about": "/en/pathway/x/walk",
            "appointment_id": str(appointment.id), "client_key": "device-key-1"}  # fmt: skip
    first = post(client, "/en/questions/keep", form)
    assert first.status_code == 200 and first.json()["kept"] is True
    assert post(client, "/en/questions/keep", form).json()["id"] == first.json()["id"]
    other = factories.user(db)
    theirs = calendar.add_manual(db, parent_id=other.id, agency="gp", summary="Theirs",
                                 date="2026-11-30", start_time="10:00", end_time="10:30",
                                 now=factories.START)  # fmt: skip
    stray = post(client, "/en/questions/keep", {"text": "Kept, not attached",
                 "appointment_id": str(theirs.id), "client_key": "device-key-2"})  # fmt: skip
    assert stray.status_code == 200
    found = {q.text: q.appointment_id for q in questions.list_questions(db, parent=parent)}
    assert found == {"Can my mum come?": appointment.id, "Kept, not attached": None}

    client.cookies.delete("ns_session")
    refused = post(client, "/en/questions/keep", {"text": "Not signed in"})
    assert refused.status_code != 200, "the script keeps it on the device instead"


def test_asked_reads_as_a_status(client, db, parent):
    sign_in_as(client, db, parent)
    question = questions.add_question(db, parent=parent, author=parent, text="Who decides?")
    _, soup = client.page("/en/questions/")
    assert soup.find("button", string="Mark as asked")
    post(client, f"/en/questions/{question.id}", {"action": "done"})
    _, soup = client.page("/en/questions/")
    assert "Asked ✓" in soup.select_one(".question").get_text()
    assert soup.find("button", string="Not asked yet")


def test_signing_in_and_out_say_what_happens_to_questions(client, db, parent):
    _, soup = client.page("/en/explainers/")
    assert soup.select_one(".site-header").find("a", string="Sign in")["href"] == "/en/sign-in"
    sign_in_as(client, db, parent)
    _, soup = client.page("/en/account/")
    links = {a.get_text(strip=True): a["href"] for a in soup.select("main a")}
    assert links["My appointments"] == "/en/calendar/"
    assert links["My questions"] == "/en/questions/"
    assert soup.select_one("[data-device-questions-offer]") is not None
    assert soup.select_one("[data-sign-out-questions]") is not None
    assert soup.select_one("form[data-sign-out-form]") is not None
    assert client.get("/en/sign-in", follow_redirects=False).headers["location"] == (
        "/en/account/"
    )
    out = post(client, "/en/account/sign-out")
    _, soup = client.page(out.headers["location"])
    assert "Your questions are kept with your account" in soup.select_one(
        "[data-signed-out]").get_text()  # fmt: skip
