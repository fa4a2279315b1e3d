"""Questions kept with the account, on both databases: the parent's list, a supporter with
the permission, attaching to an appointment, and device questions joining without duplicates."""

import datetime as dt

import pytest

from app.accounts.models import Role
from app.calendar import service as calendar
from app.consent.models import Permission
from app.questions import service
from tests import factories
from tests.factories import START, post, sign_in_as


@pytest.fixture
def parent(db):
    return factories.user(db)


@pytest.fixture
def clock(app):
    app.state.clock = factories.Clock()
    return app.state.clock


def texts(client, url="/en/questions/"):
    _, soup = client.page(url)
    return [p.get_text(" ", strip=True) for p in soup.select(".question__text")]


def test_a_parent_adds_ticks_edits_and_deletes(client, db, parent, clock):
    sign_in_as(client, db, parent)
    assert texts(client) == []
    assert post(client, "/en/questions/", {"text": "Who will be there?"}).status_code == 303
    assert post(client, "/en/questions/", {"text": "<b>Can my mum come?</b>"}).status_code == 303
    assert texts(client) == ["Who will be there?", "<b>Can my mum come?</b>"]
    (first, second) = service.list_questions(db, parent=parent)
    post(client, f"/en/questions/{first.id}", {"action": "done"})
    post(client, f"/en/questions/{second.id}", {"action": "edit", "text": "Can my mum come?"})
    assert texts(client) == ["Can my mum come?", "Who will be there? Asked ✓"]
    post(client, f"/en/questions/{first.id}", {"action": "delete"})
    assert texts(client) == ["Can my mum come?"]


def test_an_empty_question_is_refused_in_the_readers_language(client, db, parent, clock):
    sign_in_as(client, db, parent)
    response = post(client, "/cy/questions/", {"text": "   "})
    assert response.status_code == 400
    assert "Ysgrifennwch eich cwestiwn yn gyntaf." in response.text


def test_the_same_device_question_twice_is_added_once(db, parent):
    for _ in range(2):
        service.add_question(
            db, parent=parent, author=parent, text="Who?", client_key="abc12345xyz"
        )
    assert len(service.list_questions(db, parent=parent)) == 1


def test_attach_to_an_appointment_shows_on_its_page(client, db, parent, clock):
    made = calendar.add_manual(db, parent_id=parent.id, agency="gp", summary="GP",
                               date=(START + dt.timedelta(days=2)).date().isoformat(),
                               start_time="10:00", end_time="", now=START)  # fmt: skip
    question = service.add_question(db, parent=parent, author=parent, text="Ask about sleep")
    sign_in_as(client, db, parent)
    post(client, f"/en/questions/{question.id}", {"action": "attach", "appointment_id": made.id})
    _, soup = client.page(f"/en/calendar/appointments/{made.id}")
    assert (
        "Ask about sleep" in soup.select_one("#account-questions").find_parent("section").get_text()
    )


def test_someone_elses_appointment_cannot_be_attached(db, parent):
    other = factories.user(db)
    theirs = calendar.add_manual(
        db, parent_id=other.id, agency="gp", summary="x", date="2026-12-01",
        start_time="10:00", end_time="", now=START,
    )  # fmt: skip
    question = service.add_question(db, parent=parent, author=parent, text="Mine")
    from app.forms import FormError

    with pytest.raises(FormError):
        service.change_question(db, parent=parent, question_id=question.id,
                                appointment_id=theirs.id, attach=True)  # fmt: skip


def test_a_supporter_with_the_permission_sees_and_adds_and_is_recorded(client, db, parent, clock):
    supporter = factories.user(db, Role.supporter)
    link = factories.link(db, parent, supporter, {Permission.see_pathway.value})
    service.add_question(db, parent=parent, author=parent, text="From the parent")
    sign_in_as(client, db, supporter)
    assert texts(client, f"/en/questions/?parent={link.public_id}") == ["From the parent"]
    post(client, f"/en/questions/?parent={link.public_id}", {"text": "From the advocate"})
    assert [q.text for q in service.list_questions(db, parent=parent)] == [
        "From the parent",
        "From the advocate",
    ]


def test_a_supporter_without_it_or_revoked_gets_nothing(client, db, parent, clock):
    without = factories.user(db, Role.supporter)
    link = factories.link(db, parent, without, {Permission.see_appointments.value})
    sign_in_as(client, db, without)
    assert client.get(f"/en/questions/?parent={link.public_id}").status_code == 403
    revoked = factories.user(db, Role.supporter)
    gone = factories.link(db, parent, revoked, {Permission.see_pathway.value}, revoked=True)
    sign_in_as(client, db, revoked)
    assert client.get(f"/en/questions/?parent={gone.public_id}").status_code == 403


def test_without_an_account_the_page_keeps_questions_on_the_device(client):
    _, soup = client.page("/en/questions/")
    assert soup.select_one("[data-questions]")


def test_a_supporter_may_add_but_never_change_or_delete(client, db, parent, clock):
    supporter = factories.user(db, Role.supporter)
    link = factories.link(db, parent, supporter, {Permission.see_pathway.value})
    question = service.add_question(db, parent=parent, author=parent, text="Mine")
    sign_in_as(client, db, supporter)
    for action in ("delete", "done", "edit"):
        response = post(client, f"/en/questions/{question.id}?parent={link.public_id}",
                        {"action": action, "text": "changed"})  # fmt: skip
        assert response.status_code == 403
    assert [q.text for q in service.list_questions(db, parent=parent)] == ["Mine"]


def test_appointment_questions_need_the_pathway_permission(client, db, parent, clock):
    made = calendar.add_manual(
        db, parent_id=parent.id, agency="gp", summary="GP", date="2026-12-01",
        start_time="10:00", end_time="", now=START,
    )  # fmt: skip
    service.add_question(
        db, parent=parent, author=parent, text="Private worry", appointment_id=made.id
    )
    staff = factories.user(db, Role.agency_staff)
    link = factories.link(db, parent, staff, {Permission.see_appointments.value})
    sign_in_as(client, db, staff)
    _, soup = client.page(f"/en/calendar/appointments/{made.id}?parent={link.public_id}")
    assert "Private worry" not in soup.get_text()
