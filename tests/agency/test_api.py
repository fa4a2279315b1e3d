"""The agency JSON API on both databases: tokens, the gate, idempotent bookings, history."""

import datetime as dt

import pytest
from sqlmodel import select

from app.accounts.models import Role
from app.agency import service
from app.calendar.models import Appointment, AppointmentChange, ChangeKind
from app.consent.models import AccessRecord, Permission
from app.forms import FormError
from tests import factories
from tests.factories import START, post, sign_in_as

BOOKING = {
    "agency": "midwifery",
    "start": "2026-12-01T10:00:00Z",
    "end": "2026-12-01T10:30:00Z",
    "summary": "Antenatal check",
    "location": "Riverside Health Centre",
    "what_to_bring": "Maternity notes",
}


@pytest.fixture
def world(db):
    parent = factories.user(db)
    staff = factories.user(db, Role.agency_staff)
    link = factories.link(db, parent, staff, {Permission.edit_appointments.value})
    token = service.create_token(db, user=staff, name="Booking system", now=START)
    return parent, staff, link, {"Authorization": f"Bearer {token}"}


def history(db, parent):
    appointment = db.exec(select(Appointment).where(Appointment.parent_id == parent.id)).one()
    changes = db.exec(
        select(AppointmentChange).where(AppointmentChange.appointment_id == appointment.id)
    ).all()
    return appointment, [c.kind for c in changes]


def test_put_creates_then_is_idempotent_then_moves_then_cancels(client, db, world):
    parent, staff, link, auth = world
    url = f"/api/v1/parents/{link.public_id}/bookings/MW-0042"
    created = client.put(url, json=BOOKING, headers=auth)
    assert created.status_code == 201
    assert created.json()["appointment_id"] and created.json()["cancelled"] is False
    again = client.put(url, json=BOOKING, headers=auth)
    assert again.status_code == 200
    assert history(db, parent)[1] == [ChangeKind.new]

    moved = client.put(url, json={**BOOKING, "start": "2026-12-02T14:00:00+00:00",
                                   "end": "2026-12-02T14:30:00+00:00"}, headers=auth)  # fmt: skip
    assert moved.status_code == 200
    appointment, kinds = history(db, parent)
    assert kinds == [ChangeKind.new, ChangeKind.moved]
    assert appointment.what_to_bring == "Maternity notes"

    cancelled = client.delete(url, headers=auth)
    assert cancelled.status_code == 200 and cancelled.json()["cancelled"] is True
    assert history(db, parent)[1] == [ChangeKind.new, ChangeKind.moved, ChangeKind.cancelled]
    listed = client.get(f"/api/v1/parents/{link.public_id}/bookings", headers=auth).json()
    assert [(b["booking_id"], b["cancelled"]) for b in listed] == [("MW-0042", True)]
    assert (
        client.delete(f"/api/v1/parents/{link.public_id}/bookings/nope", headers=auth).status_code
        == 404
    )


def test_every_call_is_recorded_for_the_parent(client, db, world):
    parent, staff, link, auth = world
    before = len(db.exec(select(AccessRecord)).all())
    client.put(f"/api/v1/parents/{link.public_id}/bookings/A1", json=BOOKING, headers=auth)
    assert len(db.exec(select(AccessRecord)).all()) == before + 1


def test_parents_list(client, world):
    parent, staff, link, auth = world
    assert client.get("/api/v1/parents", headers=auth).json() == [
        {"link_id": link.public_id, "name": parent.display_name, "can_add_bookings": True}
    ]


@pytest.mark.parametrize("header", [None, "Bearer nonsense", "Bearer ns_wrong", "Basic abc"])
def test_no_valid_token_is_401(client, world, header):
    _, _, link, _ = world
    headers = {"Authorization": header} if header else {}
    response = client.get(f"/api/v1/parents/{link.public_id}/bookings", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_revoked_tokens_suspended_staff_and_revoked_links_are_refused(client, db, world):
    parent, staff, link, auth = world
    url = f"/api/v1/parents/{link.public_id}/bookings/X"
    from app.consent import service as consent

    consent.revoke(db, parent=parent, link_id=link.id, now=START)
    assert client.put(url, json=BOOKING, headers=auth).status_code == 403

    (token,) = service.tokens_for(db, user=staff)
    service.revoke_token(db, user=staff, token_id=token.id, now=START)
    assert client.get("/api/v1/parents", headers=auth).status_code == 401


def test_a_link_without_changing_appointments_is_403(client, db):
    parent = factories.user(db)
    staff = factories.user(db, Role.agency_staff)
    link = factories.link(db, parent, staff, {Permission.see_appointments.value})
    token = service.create_token(db, user=staff, name="x", now=START)
    response = client.put(f"/api/v1/parents/{link.public_id}/bookings/B", json=BOOKING,
                          headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert response.status_code == 403


@pytest.mark.parametrize(
    "change",
    [
        {"start": "2026-12-01T10:00:00"},  # no offset
        {"end": "2026-12-01T09:00:00Z"},  # before the start
        {"agency": "mi5"},
        {"summary": ""},
        {"summary": "x" * 301},
    ],
)
def test_bad_bookings_are_422_and_change_nothing(client, db, world, change):
    parent, _, link, auth = world
    response = client.put(f"/api/v1/parents/{link.public_id}/bookings/C",
                          json={**BOOKING, **change}, headers=auth)  # fmt: skip
    assert response.status_code == 422
    assert db.exec(select(Appointment).where(Appointment.parent_id == parent.id)).all() == []


def test_only_agency_staff_make_tokens_and_see_the_page(client, db):
    parent = factories.user(db)
    with pytest.raises(FormError):
        service.create_token(db, user=parent, name="x", now=START)
    sign_in_as(client, db, parent)
    assert client.get("/en/account/api-tokens").status_code == 403


def test_staff_make_a_token_on_the_page_and_it_works(client, db):
    parent = factories.user(db)
    staff = factories.user(db, Role.agency_staff)
    link = factories.link(db, parent, staff, {Permission.edit_appointments.value})
    sign_in_as(client, db, staff)
    client.page("/en/account/api-tokens")
    response = post(client, "/en/account/api-tokens", {"name": ""})
    assert response.status_code == 400
    response = post(client, "/en/account/api-tokens", {"name": "Maternity system"})
    from tests.pages import check_page

    token = check_page(response.text).select_one(".code-display code").get_text()
    client.cookies.clear()
    api = client.put(f"/api/v1/parents/{link.public_id}/bookings/D", json=BOOKING,
                     headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert api.status_code == 201


def test_openapi_document_lists_the_api_and_nothing_else(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert set(spec["paths"]) == {
        "/api/v1/parents",
        "/api/v1/parents/{link_id}/bookings",
        "/api/v1/parents/{link_id}/bookings/{booking_id}",
    }
    assert "put" in spec["paths"]["/api/v1/parents/{link_id}/bookings/{booking_id}"]


def test_a_booking_shows_in_the_parents_calendar_with_the_staff_name(client, db, world):
    parent, staff, link, auth = world
    client.put(f"/api/v1/parents/{link.public_id}/bookings/E", json=BOOKING, headers=auth)
    sign_in_as(client, db, parent)
    factories_clock = factories.Clock()
    client.http.app.state.clock = factories_clock
    _, soup = client.page("/en/calendar/")
    assert "Antenatal check" in soup.get_text()
    assert dt.datetime.fromisoformat(BOOKING["start"].replace("Z", "+00:00")) > START


@pytest.mark.parametrize("path", ["/api/v1/parents", "/api/v1/parents/{link}/bookings"])
def test_a_token_is_noted_as_used_even_when_another_writer_got_in_after_the_read(tmp_path, path):
    """A GET with a token notes when it was last used: on SQLite the token was read in a
    plain transaction, and had the in-process worker written since, the note failed at
    once ("database is locked" on a stale snapshot), a 503 for the agency's system."""
    from fastapi.testclient import TestClient
    from sqlmodel import Session

    from app.agency.models import ApiToken
    from app.main import create_app
    from tests.stale_snapshot import another_writer_after_reading, file_database

    settings, engine = file_database(tmp_path)
    with Session(engine) as db:
        staff = factories.user(db, Role.agency_staff)
        edit = {Permission.edit_appointments.value}
        public_id = factories.link(db, factories.user(db), staff, edit).public_id
        token = service.create_token(db, user=staff, name="Booking system", now=START)
    with TestClient(create_app(settings, engine=engine)) as client:
        # The worker, marking a message sent: any real change to the database will do.
        change = "UPDATE user SET display_name = display_name || '.'"
        with another_writer_after_reading(engine, "api_token", change) as read:
            response = client.get(
                path.format(link=public_id), headers={"Authorization": f"Bearer {token}"}
            )
    assert read, "the other writer got in after the token was read"
    assert response.status_code == 200
    with Session(engine) as db:
        assert db.exec(select(ApiToken)).one().last_used_at is not None
    engine.dispose()
