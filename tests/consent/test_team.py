"""Consent as a parent and a supporter live it: codes, permissions, revoking, who looked."""

from sqlmodel import select

from app.accounts.models import Role
from app.consent.models import AccessRecord, SupporterLink
from tests import factories
from tests.factories import post


def invite(client, *permissions):
    response = post(client, "/en/team/invite", {"permissions": list(permissions)})
    assert response.status_code == 200
    from tests.pages import check_page

    return check_page(response.text).select_one("[data-link-code]").get_text()


def test_a_parent_links_a_supporter_who_sees_only_what_is_allowed(client, db):
    parent = factories.user(db, Role.parent, display_name="Sam")
    supporter = factories.user(db, Role.supporter, display_name="Alex")
    factories.sign_in_as(client, db, parent)
    code = invite(client, "see_appointments")

    factories.sign_in_as(client, db, supporter)
    linked = post(client, "/en/account/parents/link", {"code": code.upper().replace("-", " ")})
    assert linked.status_code == 303
    _, soup = client.page("/en/account/parents")
    entries = soup.select(".parents .item")
    assert [entry.a.get_text() for entry in entries] == ["Sam"]
    assert "See Sam's appointments" in entries[0].get_text()
    team_url = entries[0].a["href"]
    _, team = client.page(team_url)
    assert team.h1.get_text() == "Sam"
    assert [li.get_text() for li in team.select("[data-permissions] li")] == [
        "See Sam's appointments"
    ]
    assert [a.get_text() for a in team.select(".parent-entries a")] == [
        "Sam's appointments",
        "Packs shared with Sam",
    ]
    assert client.get(team_url.replace("/team/", "/account/who-looked")).status_code == 403

    factories.sign_in_as(client, db, parent)
    _, looks = client.page("/en/account/who-looked")
    rows = looks.select(".looks .item")
    assert len(rows) == 1 and "Alex" in rows[0].get_text()


def test_changes_and_revoking_take_effect_on_the_next_request(client, db):
    parent = factories.user(db, Role.parent)
    supporter = factories.user(db, Role.supporter)
    link = factories.link(db, parent, supporter, {"see_appointments"})
    url = f"/en/team/?parent={link.public_id}"
    factories.sign_in_as(client, db, supporter)
    supporter_cookie = client.cookies.get("ns_session")
    assert client.get(url).status_code == 200

    factories.sign_in_as(client, db, parent)
    changed = post(client, f"/en/team/{link.id}/permissions", {"permissions": ["birth_plan"]})
    assert changed.status_code == 303
    db.refresh(link)
    assert [p.value for p in link.permissions] == ["birth_plan"]
    assert post(client, f"/en/team/{link.id}/revoke").status_code == 303

    client.cookies.set("ns_session", supporter_cookie)
    assert client.get(url).status_code == 403
    _, parents = client.page("/en/account/parents")
    assert parents.select(".parents .item") == []


def test_adding_appointments_implies_seeing_them(client, db):
    factories.sign_in_as(client, db, factories.user(db, Role.parent))
    invite(client, "edit_appointments")
    link = db.exec(select(SupporterLink)).one()
    assert link.see_appointments and link.edit_appointments


def test_a_code_works_once_and_not_after_it_expires(client, db, clock):
    parent = factories.user(db, Role.parent)
    factories.sign_in_as(client, db, parent)
    code = invite(client, "see_pathway")
    late_code = invite(client, "see_pathway")
    first, second = factories.user(db, Role.supporter), factories.user(db, Role.supporter)
    factories.sign_in_as(client, db, first)
    assert post(client, "/en/account/parents/link", {"code": code}).status_code == 303
    factories.sign_in_as(client, db, second)
    reused = post(client, "/en/account/parents/link", {"code": code})
    assert reused.status_code == 400 and "each code works once" in reused.text
    clock.advance(days=8)
    expired = post(client, "/en/account/parents/link", {"code": late_code})
    assert expired.status_code == 400 and "That code has expired" in expired.text
    mine = select(SupporterLink).where(SupporterLink.supporter_id == second.id)
    assert db.exec(mine).all() == []


def test_parents_and_editors_cannot_use_a_code(client, db):
    factories.sign_in_as(client, db, factories.user(db, Role.parent))
    code = invite(client, "see_pathway")
    factories.sign_in_as(client, db, factories.user(db, Role.parent))
    refused = post(client, "/en/account/parents/link", {"code": code})
    assert refused.status_code == 400
    assert "Only supporters and agency staff can be linked" in refused.text


def test_a_supporter_sees_only_the_parents_who_linked_them(client, db):
    supporter = factories.user(db, Role.supporter)
    mine = factories.user(db, Role.parent, display_name="Mine")
    factories.link(db, mine, supporter, set())
    factories.link(
        db,
        factories.user(db, Role.parent, display_name="Theirs"),
        factories.user(db, Role.supporter),
        {"see_appointments"},
    )
    factories.sign_in_as(client, db, supporter)
    _, soup = client.page("/en/account/parents")
    assert [a.get_text() for a in soup.select(".parents a")] == ["Mine"]


def test_html_in_a_name_is_always_escaped(client, db):
    parent = factories.user(db, Role.parent)
    supporter = factories.user(db, Role.supporter, display_name="<script>alert(1)</script>")
    link = factories.link(db, parent, supporter, {"see_appointments"})
    factories.sign_in_as(client, db, supporter)
    client.get(f"/en/team/?parent={link.public_id}")
    factories.sign_in_as(client, db, parent)
    for url in ("/en/team/", "/en/account/who-looked"):
        response, _ = client.page(url)
        assert "<script>alert(1)</script>" not in response.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


def test_the_gate_writes_who_looked_with_their_organisation(client, db):
    charity = factories.organisation(db, "Helping Hands")
    parent = factories.user(db, Role.parent)
    worker = factories.user(db, Role.agency_staff, display_name="Mo", organisation=charity)
    link = factories.link(db, parent, worker, {"see_appointments"})
    factories.sign_in_as(client, db, worker)
    client.get(f"/en/team/?parent={link.public_id}")
    record = db.exec(select(AccessRecord)).one()
    assert (record.actor_name, record.organisation_name, record.path) == (
        "Mo",
        "Helping Hands",
        "/en/team/",
    )
    assert record.parent_id == parent.id and record.method == "GET"


def test_who_looked_counts_a_visit_once_per_person_page_and_hour(client, db, clock):
    parent = factories.user(db, Role.parent, display_name="Sam")
    alex = factories.user(db, Role.supporter, display_name="Alex")
    jo = factories.user(db, Role.supporter, display_name="Jo")
    alex_link = factories.link(db, parent, alex, {"see_appointments", "see_pathway"})
    jo_link = factories.link(db, parent, jo, {"see_appointments"})
    factories.sign_in_as(client, db, alex)
    clock.now = clock.now.replace(hour=14, minute=5)
    for minutes in (0, 10, 20):  # 14:05, 14:15, 14:35: one visit of three loads
        clock.advance(minutes=minutes)
        assert client.get(f"/en/calendar/?parent={alex_link.public_id}").status_code == 200
    assert client.get(f"/en/questions/?parent={alex_link.public_id}").status_code == 200
    clock.advance(minutes=30)  # 15:05: a new hour is a new visit
    assert client.get(f"/en/calendar/?parent={alex_link.public_id}").status_code == 200
    factories.sign_in_as(client, db, jo)
    assert client.get(f"/en/calendar/?parent={jo_link.public_id}").status_code == 200

    rows = db.exec(select(AccessRecord).order_by(AccessRecord.id)).all()
    assert [(r.actor_name, r.path, r.times) for r in rows] == [
        ("Alex", "/en/calendar/", 3),
        ("Alex", "/en/questions/", 1),
        ("Alex", "/en/calendar/", 1),
        ("Jo", "/en/calendar/", 1),
    ]
    first = rows[0]
    assert (first.at.hour, first.at.minute, first.last_at.hour, first.last_at.minute) == (
        14,
        5,
        14,
        35,
    )

    factories.sign_in_as(client, db, parent)
    _, page = client.page("/en/account/who-looked")
    looks = [" ".join(li.get_text(" ").split()) for li in page.select("[data-look]")]
    assert len(looks) == 4
    assert looks[0].startswith("Jo") and "My appointments" in looks[0]
    counted = [look for look in looks if "3 times" in look]
    assert len(counted) == 1 and "Alex" in counted[0] and "My appointments" in counted[0]
    assert "last at 14:35" in counted[0]
    assert any("My questions" in look for look in looks)


def test_the_invitation_link_comes_with_the_share_buttons(client, db):
    parent = factories.user(db, Role.parent)
    factories.sign_in_as(client, db, parent)
    response = post(client, "/en/team/invite", {"permissions": ["see_pathway"]})
    from tests.pages import check_page

    soup = check_page(response.text)
    box = soup.select_one("[data-share-box]")
    link = box.select_one("input#invitation-link[readonly]")["value"]
    code = soup.select_one("[data-link-code]").get_text()
    assert link == box["data-url"] == f"http://testserver/en/account/parents/link?code={code}"
    assert box.select_one("[data-share-native][hidden]") and box.select_one("[data-copy][hidden]")
    assert any("share" in script["src"] for script in soup.select("script[src]"))
    # Without a new code there is nothing to share, and no script for it.
    _, team = client.page("/en/team/")
    assert not team.select("[data-share-box]")
    assert not any("share" in script["src"] for script in team.select("script[src]"))


PARENT_VOICE = (
    "My appointments", "My questions", "My birth plan", "Where I am in the process",
    "Where your appointments come from", "Where do you live?", "Local rules for your area",
    "Your list", "You have no questions yet", "This is my key worker", "Your plan now",
    "Add your midwife", "When a worker you have linked", "You are here", "working with me",
    "Who do I ask",
)  # fmt: skip


def test_every_page_a_supporter_opens_for_a_parent_speaks_of_them_by_name(client, db):
    parent = factories.user(db, Role.parent, display_name="Sam")
    alex = factories.user(db, Role.supporter, display_name="Alex")
    every = {"see_appointments", "edit_appointments", "see_pathway", "birth_plan"}
    link = factories.link(db, parent, alex, every)
    factories.sign_in_as(client, db, alex)
    query = f"?parent={link.public_id}"
    expected = {
        "/en/team/": "Sam",
        "/en/calendar/": "Sam's appointments",
        "/en/calendar/sources": "Where Sam's appointments come from",
        "/en/where-i-am/": "Where does Sam live?",
        "/en/questions/": "Sam's list",
        "/en/birth-plan/": "Sam's birth plan",
        "/en/birth-plan/history": "Sam's birth plan",
        "/en/resources/shared": "Nothing has been shared with Sam yet.",
        "/en/pathway/?nation=england&": "Where does Sam live?",
        "/en/team/people/new": "This is Sam's key worker",
    }
    for path, words in expected.items():
        address = path + (query.replace("?", "") if path.endswith("&") else query)
        _, soup = client.page(address)
        main = " ".join(soup.select_one("main").get_text(" ").split())
        assert words in main, address
        for phrase in PARENT_VOICE:
            assert phrase not in main, f"{address}: {phrase!r}"
    # The pathway's place chooser keeps the supporter on Sam's map.
    _, soup = client.page(f"/en/pathway/?nation=wales&parent={link.public_id}")
    assert soup.select_one(".place-chooser input[name=parent]")["value"] == link.public_id


def test_a_visit_is_counted_even_when_another_writer_got_in_after_the_gate_read(
    tmp_path, monkeypatch
):
    """CI met a 503 on Alex's walk with Sam: the gate read in a plain SQLite transaction,
    the in-process worker wrote, and the gate's count of the visit then failed at once
    ("database is locked" on a stale snapshot), which no busy_timeout can wait out. See
    tests/stale_snapshot.py for why on a database file of its own."""
    from fastapi.testclient import TestClient
    from sqlmodel import Session

    from app.consent import service as consent
    from app.consent.models import Permission
    from app.main import create_app
    from tests.pages import PageClient
    from tests.stale_snapshot import file_database

    settings, engine = file_database(tmp_path)
    with Session(engine) as db:
        parent = factories.user(db, Role.parent, display_name="Sam")
        alex = factories.user(db, Role.supporter, display_name="Alex")
        public_id = factories.link(db, parent, alex, {"see_appointments"}).public_id
        alex_id = alex.id
    resolve = consent.resolve_access

    def another_writer_commits_meanwhile(*args, **kwargs):
        found = resolve(*args, **kwargs)
        with engine.begin() as other:  # the worker, marking a message sent
            other.exec_driver_sql("UPDATE user_session SET device = device || '.'")
        return found

    with TestClient(create_app(settings, engine=engine)) as test_client:
        client = PageClient(test_client)
        with Session(engine) as db:
            factories.sign_in_as(client, db, db.get(type(alex), alex_id))
        monkeypatch.setattr(consent, "resolve_access", another_writer_commits_meanwhile)
        for _ in range(2):  # the first load adds the visit, the second adds to it
            assert client.get(f"/en/calendar/?parent={public_id}").status_code == 200
    with Session(engine) as db:
        record = db.exec(select(AccessRecord)).one()
    assert (record.times, record.permission) == (2, Permission.see_appointments.value)
    engine.dispose()
