"""My team's professionals: added by the parent, a supporter, or from a linked staff member;
one key worker; tap to call or email; the calendar's agencies link to their people."""

from sqlmodel import select

from app.accounts.models import OrganisationKind, Role
from app.calendar.models import Agency
from app.team import service
from app.team.models import TeamMember
from tests import factories
from tests.factories import START, post

MIDWIFE = {
    "name": "Priya Shah",
    "job": "Safeguarding midwife",
    "agency": "midwifery",
    "phone": "01632 960 001",
    "email": "priya@example.org",
    "working_hours": "Monday to Thursday, 9 to 5",
    "ask_about": "the hospital and the birth",
    "key_worker": "yes",
}


def test_one_key_worker_and_the_key_worker_first(db):
    parent = factories.user(db, Role.parent)
    first = service.save_member(
        db, parent=parent, author=parent, values={"name": "Zoe", "agency": "midwifery"},
        key_worker=True, now=START,
    )  # fmt: skip
    second = service.save_member(
        db, parent=parent, author=parent,
        values={"name": "Adam", "agency": "childrens_social_care"}, key_worker=True, now=START,
    )  # fmt: skip
    db.refresh(first)
    assert not first.key_worker and second.key_worker
    assert [m.name for m in service.members(db, parent=parent)] == ["Adam", "Zoe"]
    assert [m.name for m in service.members(db, parent=parent, agency="midwifery")] == ["Zoe"]


def test_filled_from_a_linked_staff_members_account(db):
    parent = factories.user(db, Role.parent)
    council = factories.organisation(db)
    council.kind = OrganisationKind.local_authority
    staff = factories.user(db, Role.agency_staff, display_name="Jo Bloggs", organisation=council)
    staff.email = "jo@council.example"
    link = factories.link(db, parent, staff, {"see_appointments"})
    form = service.from_link(db, parent=parent, link_id=link.id)
    assert form == {
        "name": "Jo Bloggs",
        "agency": Agency.childrens_social_care.value,
        "phone": "",
        "email": "jo@council.example",
    }


def test_parent_adds_a_professional_and_the_page_has_tap_to_call(client, db):
    parent = factories.user(db, Role.parent, display_name="Sam")
    factories.sign_in_as(client, db, parent)
    bad = post(client, "/en/team/people", {**MIDWIFE, "phone": "call me", "agency": ""})
    assert bad.status_code == 400
    assert 'href="#f-phone"' in bad.text and 'href="#f-agency"' in bad.text
    assert "Priya Shah" in bad.text, "nothing typed is lost"
    made = post(client, "/en/team/people", MIDWIFE)
    assert made.status_code == 303
    _, team = client.page("/en/team/")
    member = team.select_one("[data-member]")
    assert member.select_one("a[href^='tel:']")["href"] == "tel:01632960001"
    assert member.select_one("a[href^='mailto:']")["href"] == "mailto:priya@example.org"
    assert member.select_one("[data-key-worker]")
    ask = team.select_one("[data-who-to-ask]").get_text(" ", strip=True)
    assert "your key worker" in ask and "Ask Priya Shah about: the hospital and the birth" in ask
    # The team page still shows the people the parent has linked.
    assert team.select_one("form[action='/en/team/invite']")


def test_a_supporter_adds_and_changes_but_only_with_a_live_link(client, db):
    parent = factories.user(db, Role.parent)
    supporter = factories.user(db, Role.supporter, display_name="Alex")
    link = factories.link(db, parent, supporter, {"see_appointments"})
    factories.sign_in_as(client, db, supporter)
    query = f"?parent={link.public_id}"
    _, form = client.page(f"/en/team/people/new{query}&from_link={link.id}")
    assert form.select_one("#f-name")["value"] == "Alex"
    assert post(client, f"/en/team/people{query}", MIDWIFE).status_code == 303
    member = db.exec(select(TeamMember)).one()
    assert member.parent_id == parent.id and member.added_by_name == "Alex"
    changed = post(client, f"/en/team/people/{member.id}{query}", {**MIDWIFE, "job": "Midwife"})
    assert changed.status_code == 303
    factories.sign_in_as(client, db, parent)
    post(client, f"/en/team/{link.id}/revoke")
    factories.sign_in_as(client, db, supporter)
    assert client.get(f"/en/team/people/{member.id}{query}").status_code == 403
    assert post(client, f"/en/team/people/{member.id}/remove{query}").status_code == 403
    db.refresh(member)
    assert member.job == "Midwife"


def test_someone_elses_professional_is_not_found(client, db):
    parent, other = factories.user(db, Role.parent), factories.user(db, Role.parent)
    theirs = service.save_member(
        db, parent=other, author=other, values={"name": "Kim", "agency": "gp"},
        key_worker=False, now=START,
    )  # fmt: skip
    factories.sign_in_as(client, db, parent)
    assert client.get(f"/en/team/people/{theirs.id}").status_code == 404
    assert post(client, f"/en/team/people/{theirs.id}/remove").status_code == 404
    assert db.get(TeamMember, theirs.id) is not None


def test_an_appointment_links_to_the_people_of_its_agency(client, db, app):
    import datetime as dt

    from app.calendar import service as calendar

    app.state.clock = factories.Clock()
    parent = factories.user(db, Role.parent)
    appointment = calendar.add_manual(
        db, parent_id=parent.id, agency="midwifery", summary="Scan",
        date=(START.date() + dt.timedelta(days=2)).isoformat(), start_time="10:00",
        end_time="11:00", location="", now=START,
    )  # fmt: skip
    for name, agency in (("Priya", "midwifery"), ("Jo", "childrens_social_care")):
        service.save_member(
            db, parent=parent, author=parent, values={"name": name, "agency": agency},
            key_worker=False, now=START,
        )  # fmt: skip
    factories.sign_in_as(client, db, parent)
    _, page = client.page(f"/en/calendar/appointments/{appointment.id}")
    href = page.select_one("a[href*='agency=midwifery']")["href"]
    assert href == "/en/team/?agency=midwifery#professionals"
    _, team = client.page(href)
    assert [m.h3.get_text(strip=True) for m in team.select("[data-member]")] == ["Priya"]
