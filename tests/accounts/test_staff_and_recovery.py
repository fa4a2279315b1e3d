"""Staff join only by invitation and can be paused at once; recovery codes reset passphrases."""

from sqlmodel import select

from app.accounts.models import Organisation, Role, User, UserSession
from app.demo import DEMO_PASSPHRASES, ProductionRefused, load_demo_data
from tests import factories
from tests.factories import GOOD_PASSPHRASE, post
from tests.pages import check_page


def make_invitation(client, db, role="supporter"):
    admin = factories.user(db, Role.supporter, organisation_admin=True)
    factories.sign_in_as(client, db, admin)
    response = post(client, "/en/account/organisation/invite", {"role": role})
    assert response.status_code == 200
    return admin, check_page(response.text).select_one("[data-invitation-code]").get_text()


def join(client, code, name="jo-smith", display_name="Jo Smith (midwife)"):
    client.cookies.delete("ns_session")
    return post(
        client,
        "/en/sign-up/staff",
        {
            "code": code,
            "name": name,
            "display_name": display_name,
            "passphrase": GOOD_PASSPHRASE,
        },
    )


def test_an_organisation_admin_invites_staff_into_their_organisation(client, db):
    admin, code = make_invitation(client, db, role="agency_staff")
    _, form = client.page(f"/en/sign-up/staff?code={code}")
    assert form.select_one("#f-code")["value"] == code
    assert join(client, code).status_code == 303
    staff = db.exec(select(User).where(User.username == "jo-smith")).one()
    assert staff.role == Role.agency_staff and staff.organisation_id == admin.organisation_id
    assert client.get("/en/account/").status_code == 200, "signed straight in"


def test_an_invitation_works_once_and_expires(client, db, clock):
    _, code = make_invitation(client, db)
    assert join(client, code).status_code == 303
    reused = join(client, code, name="another")
    assert reused.status_code == 400 and "has been used already" in reused.text
    _, late = make_invitation(client, db)
    clock.advance(days=8)
    expired = join(client, late, name="late-one")
    assert expired.status_code == 400 and "That invitation has expired" in expired.text
    unknown = join(client, "zzzz-zzzz-zzzz-zzzz", name="guess")
    assert unknown.status_code == 400 and "We do not know that invitation code" in unknown.text
    names = ["another", "late-one", "guess"]
    assert db.exec(select(User).where(User.username.in_(names))).all() == []


def test_staff_cannot_invite_unless_they_are_the_organisations_admin(client, db):
    factories.sign_in_as(client, db, factories.user(db, Role.supporter))
    assert client.get("/en/account/organisation").status_code == 403
    invited = post(client, "/en/account/organisation/invite", {"role": "supporter"})
    assert invited.status_code == 403
    factories.sign_in_as(client, db, factories.user(db, Role.parent))
    assert client.get("/en/account/organisation").status_code == 403


def test_suspending_staff_ends_their_sessions_at_once_and_stops_sign_in(client, db):
    admin = factories.user(db, Role.supporter, organisation_admin=True)
    worker = factories.user(
        db,
        Role.supporter,
        name="worker",
        passphrase=GOOD_PASSPHRASE,
        organisation=db.get(Organisation, admin.organisation_id),
    )
    token = factories.session_token(db, worker, client.http.app.state.settings)
    factories.sign_in_as(client, db, admin)
    _, page = client.page("/en/account/organisation")
    assert "Worker" in page.select_one(".item-list").get_text()
    paused = post(client, f"/en/account/organisation/staff/{worker.id}/suspend")
    assert paused.status_code == 303
    assert db.exec(select(UserSession).where(UserSession.user_id == worker.id)).all() == []
    client.cookies.set("ns_session", token)
    assert client.get("/en/account/", follow_redirects=False).status_code == 303
    refused = post(client, "/en/sign-in", {"name": "worker", "passphrase": GOOD_PASSPHRASE})
    assert refused.status_code == 400 and "This account is paused" in refused.text
    factories.sign_in_as(client, db, admin)
    post(client, f"/en/account/organisation/staff/{worker.id}/restore")
    back = post(client, "/en/sign-in", {"name": "worker", "passphrase": GOOD_PASSPHRASE})
    assert back.status_code == 303


def test_an_admin_cannot_suspend_someone_elses_staff(client, db):
    admin = factories.user(db, Role.supporter, organisation_admin=True)
    stranger = factories.user(db, Role.supporter)
    factories.sign_in_as(client, db, admin)
    assert post(client, f"/en/account/organisation/staff/{stranger.id}/suspend").status_code == 403
    db.refresh(stranger)
    assert stranger.suspended_at is None


def recovery_codes(client) -> list[str]:
    response = post(client, "/en/sign-up", {"name": "robin", "passphrase": GOOD_PASSPHRASE})
    return [c.get_text() for c in check_page(response.text).select("[data-recovery-codes] code")]


def test_a_recovery_code_sets_a_new_passphrase_once_and_signs_out_elsewhere(client, db):
    codes = recovery_codes(client)
    robin = db.exec(select(User).where(User.username == "robin")).one()
    old_session = client.cookies.get("ns_session")
    client.cookies.delete("ns_session")
    new_passphrase = "lantern orchard velvet tide"
    response = post(
        client,
        "/en/sign-in/recover",
        {"name": "Robin", "code": codes[0].upper(), "passphrase": new_passphrase},
    )
    assert response.status_code == 303
    sessions = db.exec(select(UserSession).where(UserSession.user_id == robin.id)).all()
    assert len(sessions) == 1, "the old session ended; only the new one is left"
    assert old_session != client.cookies.get("ns_session")
    again = post(
        client,
        "/en/sign-in/recover",
        {"name": "robin", "code": codes[0], "passphrase": "another fine passphrase"},
    )
    assert again.status_code == 400 and "the code was used already" in again.text
    old = post(client, "/en/sign-in", {"name": "robin", "passphrase": GOOD_PASSPHRASE})
    assert old.status_code == 400
    new = post(client, "/en/sign-in", {"name": "robin", "passphrase": new_passphrase})
    assert new.status_code == 303
    _, account = client.page("/en/account/")
    assert "You have 9 recovery codes left." in account.get_text()


def test_recovery_works_while_the_name_is_being_hammered(client, db):
    codes = recovery_codes(client)
    client.cookies.delete("ns_session")
    client.http.app.state.settings.sign_in_address_limit = 100
    try:
        for attempt in range(6):
            post(client, "/en/sign-in", {"name": "robin", "passphrase": f"guess {attempt}"})
        right = post(client, "/en/sign-in", {"name": "robin", "passphrase": GOOD_PASSPHRASE})
        assert right.status_code == 429
        response = post(
            client,
            "/en/sign-in/recover",
            {"name": "robin", "code": codes[1], "passphrase": "lantern orchard velvet tide"},
        )
        assert response.status_code == 303
    finally:
        client.http.app.state.settings.sign_in_address_limit = 20


def test_new_recovery_codes_replace_the_old_ones(client, db):
    old = recovery_codes(client)
    response = post(client, "/en/account/recovery-codes")
    new = [c.get_text() for c in check_page(response.text).select("[data-recovery-codes] code")]
    assert len(new) == 10 and not set(new) & set(old)
    client.cookies.delete("ns_session")
    stale = post(
        client,
        "/en/sign-in/recover",
        {"name": "robin", "code": old[0], "passphrase": "lantern orchard velvet tide"},
    )
    assert stale.status_code == 400


def test_demo_accounts_sign_in_with_the_readme_passphrases(client, db, settings):
    load_demo_data(db, settings=settings)
    load_demo_data(db, settings=settings)  # safe to run again
    for name, passphrase in DEMO_PASSPHRASES.items():
        response = post(client, "/en/sign-in", {"name": name, "passphrase": passphrase})
        assert response.status_code == 303, name


def test_demo_advocate_is_linked_with_every_permission(client, db, settings):
    load_demo_data(db, settings=settings)
    post(
        client,
        "/en/sign-in",
        {"name": "demo-advocate", "passphrase": DEMO_PASSPHRASES["demo-advocate"]},
    )
    _, soup = client.page("/en/account/parents")
    entry = soup.select_one(".parents .item")
    assert entry.a.get_text() == "Sam"
    for label in (
        "See Sam's appointments",
        "Add or change Sam's appointments",
        "See where Sam is in the process",
        "See and suggest changes to Sam's birth plan",
    ):
        assert label in entry.get_text()


def test_demo_data_is_refused_in_production(db, settings):
    import pytest

    production = settings.model_copy(update={"production": True})
    with pytest.raises(ProductionRefused):
        load_demo_data(db, settings=production)
    assert db.exec(select(User)).all() == []
