"""My data: the export holds everything about the parent; deletion leaves nothing behind."""

import io
import json
import zipfile

from icalendar import Calendar
from sqlalchemy import Enum, String, func, select, text
from sqlmodel import select as sm_select

from app.accounts import export
from app.accounts.models import Passkey, Role, User, WebAuthnChallenge
from app.accounts.secrets import keyed_hash
from app.birth_plan import service as birth_plan
from app.calendar import service as calendar
from app.consent.models import AccessRecord
from app.models import metadata
from app.notify.models import PushSubscription
from app.questions import service as questions
from app.team import service as team_service
from tests import factories
from tests.factories import GOOD_PASSPHRASE, post

NAME = "Zephyrine"


def parent_with_everything(client, db):
    """A parent with sessions, codes, a passkey, links, looks and wrong attempts against them."""
    assert (
        post(
            client,
            "/en/sign-up",
            {"name": NAME, "passphrase": GOOD_PASSPHRASE, "email": "z@example.com"},
        ).status_code
        == 200
    )
    parent = db.exec(sm_select(User).where(User.username == NAME.casefold())).one()
    db.add(Passkey(user_id=parent.id, credential_id=b"cred-1", public_key=b"key", name="Phone"))
    db.add(
        WebAuthnChallenge(
            challenge=b"c" * 32, purpose="register", user_id=parent.id, expires_at=factories.START
        )
    )
    db.commit()
    supporter = factories.user(db, Role.supporter, display_name="Alex")
    link = factories.link(db, parent, supporter, {"see_appointments"})
    staff = factories.user(db, Role.agency_staff, display_name="Midwife Mo")
    factories.link(db, parent, staff, {"see_pathway"}, revoked=True)
    # A birth plan written with the supporter, shared once, and a professional in the team.
    birth_plan.save_section(db, parent=parent, author=parent, key="about_me",
                            values={"text": f"I am {NAME}"}, now=factories.START)  # fmt: skip
    birth_plan.save_section(db, parent=parent, author=supporter, key="feeding",
                            values={"text": "z@example.com"}, now=factories.START)  # fmt: skip
    birth_plan.set_ready(db, parent=parent, ready=True, now=factories.START)
    _, token = birth_plan.create_share(db, parent=parent, label="Midwife", now=factories.START)
    birth_plan.open_shared(db, token=token, now=factories.START)
    team_service.save_member(db, parent=parent, author=supporter, values={"name": "Priya",
                     "agency": "midwifery", "email": "z@example.com"}, key_worker=True,
                     now=factories.START)  # fmt: skip
    # A calendar with a typed-in appointment that was moved, a question for it, a device.
    made = calendar.add_manual(db, parent_id=parent.id, agency="gp", summary="GP check",
                               date="2026-11-30", start_time="10:00", end_time="10:30",
                               now=factories.START)  # fmt: skip
    calendar.edit_manual(db, parent_id=parent.id, appointment_id=made.id, agency="gp",
                         summary="GP check", date="2026-12-01", start_time="11:00",
                         end_time="11:30", now=factories.START)  # fmt: skip
    questions.add_question(db, parent=parent, author=parent, text="Who reads my notes?",
                           appointment_id=made.id)  # fmt: skip
    db.add(PushSubscription(user_id=parent.id, endpoint="https://push.example/z",
                            p256dh="secret-p256dh", auth="secret-auth",
                            device="Phone"))  # fmt: skip
    db.commit()
    session_cookie = client.cookies.get("ns_session")
    factories.sign_in_as(client, db, supporter)
    assert client.get(f"/en/team/?parent={link.public_id}").status_code == 200
    client.cookies.delete("ns_session")
    post(client, "/en/sign-in", {"name": NAME, "passphrase": "a wrong guess here"})
    client.cookies.set("ns_session", session_cookie)
    return parent, supporter


def test_the_export_is_a_zip_of_json_ics_and_a_readable_page(client, db):
    parent, _ = parent_with_everything(client, db)
    response = client.get("/en/account/data/export")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["cache-control"] == "no-store"
    assert "attachment" in response.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == ["calendar.ics", "my-data.html", "my-data.json"]

    data = json.loads(archive.read("my-data.json"))
    assert data["account"]["name"] == NAME and data["account"]["email"] == "z@example.com"
    assert data["account"]["recovery_codes_left"] == 10
    assert [key["name"] for key in data["passkeys"]] == ["Phone"]
    team = {member["name"]: member for member in data["team"]}
    assert team["Alex"]["may"] == ["see_appointments"] and team["Alex"]["ended_at"] is None
    assert team["Midwife Mo"]["ended_at"] is not None
    assert [look["who"] for look in data["looks_at_my_things"]] == ["Alex"]
    assert data["looks_at_my_things"][0]["times"] >= 1
    assert len(data["sessions"]) == 1
    assert data["birth_plan"]["sections"]["about_me"]["text"] == f"I am {NAME}"
    assert [c["status"] for c in data["birth_plan"]["changes"]] == ["pending", "saved"]
    assert len(data["birth_plan"]["shared_links"][0]["opened_at"]) == 1
    assert [p["name"] for p in data["professionals"]] == ["Priya"]
    assert "passphrase_hash" not in json.dumps(data) and "$argon2" not in json.dumps(data)

    (appointment,) = data["calendar"]["appointments"]
    assert appointment["title"] == "GP check" and appointment["typed_in_by_me"]
    assert [c["what"] for c in appointment["history"]] == ["new", "moved"]
    assert appointment["history"][1]["by"] == "me"
    assert [c["kind"] for c in data["calendar"]["calendars"]] == ["manual"]
    (question,) = data["questions"]
    assert question["question"] == "Who reads my notes?"
    assert question["appointment_id"] == appointment["id"]
    assert data["notifications"]["reminders"] == ["evening", "120"]
    assert [d["device"] for d in data["notifications"]["devices"]] == ["Phone"]
    assert "secret-p256dh" not in json.dumps(data) and "push.example" not in json.dumps(data)

    ics = Calendar.from_ical(archive.read("calendar.ics"))
    assert ics.name == "VCALENDAR"
    assert str(ics["VERSION"]) == "2.0" and "Next Steps" in str(ics["PRODID"])
    assert ics.subcomponents[0].name == "VTIMEZONE"
    assert [str(event["SUMMARY"]) for event in ics.events] == ["GP check"]

    page = archive.read("my-data.html").decode()
    assert page.startswith("<!doctype html>") and NAME in page and "Midwife Mo" in page
    assert "<script" not in page and "http" not in page, "readable offline, loads nothing"
    assert "Who reads my notes?" in page and "To ask at: GP check, Tuesday 1 December 2026" in page
    assert "from Monday 30 November, 10:00 to Tuesday 1 December, 11:00" in page
    assert "See my appointments" in page and "About me, and how I like to be spoken to" in page
    for key in ("see_appointments", "about_me", "if_baby_not_home", "2026-11-23T", "+00:00",
                "Code not used yet", "nothing</"):  # fmt: skip
        assert key not in page, f"{key!r}: a key, not words"


def test_only_the_parent_can_export(client, db):
    parent = factories.user(db, Role.parent)
    supporter = factories.user(db, Role.supporter)
    link = factories.link(db, parent, supporter, {p for p in ("see_appointments", "see_pathway")})
    factories.sign_in_as(client, db, supporter)
    assert client.get(f"/en/account/data/export?parent={link.public_id}").status_code == 403


def rows_referring_to(db, parent_id: int, strings: list[str], hashes: list[str]) -> list[str]:
    """Every row, in every table, that points at the user or holds their name or key."""
    found = []
    connection = db.connection()
    for table in metadata.sorted_tables:
        for column in table.columns:
            pointing = any(fk.column.table.name == "user" for fk in column.foreign_keys)
            if pointing or (table.name == "user" and column.name == "id"):
                count = connection.execute(
                    select(func.count()).select_from(table).where(column == parent_id)
                ).scalar()
                if count:
                    found.append(f"{table.name}.{column.name} = {parent_id} ({count})")
            if isinstance(column.type, String) and not isinstance(column.type, Enum):
                for value in strings + hashes:
                    count = connection.execute(
                        select(func.count())
                        .select_from(table)
                        .where(func.lower(column).contains(value.lower()))
                    ).scalar()
                    if count:
                        found.append(f"{table.name}.{column.name} holds {value!r} ({count})")
    return found


def test_deleting_the_account_leaves_nothing_of_theirs_in_any_table(client, db, settings):
    parent, supporter = parent_with_everything(client, db)
    name_key = keyed_hash(settings.signing_key(), "account:" + NAME.casefold())
    strings, hashes = [NAME, "z@example.com"], [name_key]
    assert rows_referring_to(db, parent.id, strings, hashes), "the check can see their rows"

    kept = post(client, "/en/account/delete", {"confirm": "no"})
    assert kept.status_code == 400 and "Type the word delete" in kept.text
    assert db.get(User, parent.id) is not None

    gone = post(client, "/en/account/delete", {"confirm": "Delete"})
    assert gone.status_code == 303
    assert gone.headers["clear-site-data"] == '"cache", "cookies"'
    db.expire_all()
    assert rows_referring_to(db, parent.id, strings, hashes) == []
    assert db.get(User, supporter.id) is not None, "the supporter's own account stays"
    assert db.exec(sm_select(AccessRecord)).all() == []
    assert client.get("/en/account/", follow_redirects=False).status_code == 303
    # Every table was looked at, including those later features add.
    tables = {
        row[0]
        for row in db.connection().execute(
            text(
                "SELECT name FROM sqlite_master WHERE type='table'"
                if db.get_bind().dialect.name == "sqlite"
                else "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            )
        )
    }
    assert {table.name for table in metadata.sorted_tables} <= tables


def person_tables() -> set[str]:
    """Every table that refers to a person: it points at the user table, or at a table
    that does (an appointment's history, a birth plan's sections...)."""
    found = {"user"}
    grown = True
    while grown:
        grown = False
        for table in metadata.sorted_tables:
            points = {fk.column.table.name for c in table.columns for fk in c.foreign_keys}
            if table.name not in found and points & found:
                found.add(table.name)
                grown = True
    return found


def test_every_table_about_a_person_is_exported_or_left_out_for_a_stated_reason(db):
    covered = [table for section in export.SECTIONS for table in section.tables]
    assert len(covered) == len(set(covered)), "each table belongs to one section"
    assert not set(covered) & set(export.EXCLUDED), "exported or excluded, not both"
    assert all(len(reason) > 20 for reason in export.EXCLUDED.values()), "say why"
    known = {table.name for table in metadata.sorted_tables}
    assert set(covered) | set(export.EXCLUDED) <= known, "no stale names in the registry"
    missing = person_tables() - set(covered) - set(export.EXCLUDED)
    assert missing == set(), f"tables about a person neither exported nor excluded: {missing}"
    # The same sweep the deletion test uses: every table it looks at is named here.
    everything = {t.name for t in metadata.sorted_tables}
    assert everything - set(covered) - set(export.EXCLUDED) == set()
