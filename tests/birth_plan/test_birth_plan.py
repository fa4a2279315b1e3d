"""The birth plan, together: the parent writes, a supporter suggests, every version is kept,
the parent shares read-only links and can stop them. On SQLite and PostgreSQL."""

import re

import pytest
import textstat
from sqlmodel import select

from app.accounts.models import Role
from app.birth_plan import service
from app.birth_plan.models import BirthPlanChange, BirthPlanShareOpen, ChangeStatus
from app.birth_plan.sections import SECTIONS
from app.birth_plan.service import ShareRevoked
from app.clock import as_utc
from app.explainers.readability import GRADE_LIMIT
from app.forms import FormError
from tests import factories
from tests.factories import START, post


def people(db):
    parent = factories.user(db, Role.parent, display_name="Sam")
    supporter = factories.user(db, Role.supporter, display_name="Alex")
    link = factories.link(db, parent, supporter, {"birth_plan"})
    return parent, supporter, link


def test_every_why_note_reads_at_grade_six_or_below():
    for section in SECTIONS:
        assert textstat.flesch_kincaid_grade(section.why) <= GRADE_LIMIT, section.key


def test_the_parent_saves_versions_and_a_suggestion_waits_for_them(db):
    parent, supporter, _ = people(db)
    service.save_section(
        db, parent=parent, author=parent, key="feeding", values={"text": "Bottle"}, now=START
    )
    service.save_section(
        db, parent=parent, author=parent, key="feeding", values={"text": "Breast"}, now=START
    )
    with pytest.raises(FormError):
        service.save_section(
            db, parent=parent, author=parent, key="feeding", values={"text": "Breast"}, now=START
        )
    suggestion = service.save_section(
        db, parent=parent, author=supporter, key="feeding", values={"text": "Both"}, now=START
    )
    assert suggestion.status == ChangeStatus.pending
    view = service.plan_view(db, parent=parent)
    feeding = next(s for s in view.sections if s.section.key == "feeding")
    assert feeding.content["text"] == "Breast", "a suggestion changes nothing by itself"
    assert view.pending == 1

    service.decide(db, parent=parent, change_id=suggestion.id, accept=True, now=START)
    feeding = service.section_view(db, parent=parent, key="feeding")
    assert feeding.content["text"] == "Both"
    kept = [
        (v.change.status, v.before["text"], v.after["text"])
        for v in service.history(db, parent=parent)
    ]
    assert sorted(kept) == sorted(
        [("saved", "", "Bottle"), ("saved", "Bottle", "Breast"), ("accepted", "Breast", "Both")]
    )
    with pytest.raises(FormError):
        service.decide(db, parent=parent, change_id=suggestion.id, accept=False, now=START)


def test_a_rejected_suggestion_leaves_the_plan_and_stays_in_the_history(db):
    parent, supporter, _ = people(db)
    change = service.save_section(
        db, parent=parent, author=supporter, key="about_me", values={"text": "Call me S"}, now=START
    )
    service.decide(db, parent=parent, change_id=change.id, accept=False, now=START)
    assert service.section_view(db, parent=parent, key="about_me").written is False
    assert [v.change.status for v in service.history(db, parent=parent)] == ["rejected"]


def test_the_safeguarding_section_says_who_agreed_it_and_when(db):
    parent, _, _ = people(db)
    with pytest.raises(FormError) as error:
        service.save_section(
            db, parent=parent, author=parent, key="safeguarding",
            values={"text": "Baby stays with me", "agreed_on": "next week"}, now=START,
        )  # fmt: skip
    assert set(error.value.errors) == {"agreed_on"}
    service.save_section(
        db, parent=parent, author=parent, key="safeguarding",
        values={"text": "Baby stays with me", "agreed_by": "Jo, social worker",
                "agreed_on": "2026-11-20"}, now=START,
    )  # fmt: skip
    content = service.section_view(db, parent=parent, key="safeguarding").content
    assert content == {
        "text": "Baby stays with me",
        "agreed_by": "Jo, social worker",
        "agreed_on": "2026-11-20",
    }


def test_sharing_needs_the_parent_to_say_it_is_ready(db):
    parent, _, _ = people(db)
    with pytest.raises(FormError):
        service.set_ready(db, parent=parent, ready=True, now=START)
    service.save_section(
        db, parent=parent, author=parent, key="feeding", values={"text": "Breast"}, now=START
    )
    with pytest.raises(FormError):
        service.create_share(db, parent=parent, label="Midwife", now=START)
    service.set_ready(db, parent=parent, ready=True, now=START)
    share, token = service.create_share(db, parent=parent, label="Midwife", now=START)
    assert token not in share.token_hash
    owner, view = service.open_shared(db, token=token, now=START)
    assert owner.id == parent.id and view.sections[4].content["text"] == "Breast"
    assert [[as_utc(t) for t in s.opens] for s in service.shares(db, parent=parent)] == [[START]]
    service.revoke_share(db, parent=parent, share_id=share.id, now=START)
    with pytest.raises(ShareRevoked):
        service.open_shared(db, token=token, now=START)


def write(client, section: str, text: str, query: str = "", **extra):
    return post(client, f"/en/birth-plan/sections/{section}{query}", {"text": text, **extra})


def test_routes_parent_writes_supporter_suggests_parent_accepts(client, db):
    parent, supporter, link = people(db)
    factories.sign_in_as(client, db, parent)
    _, page = client.page("/en/birth-plan/")
    assert page.h1.get_text() == "My birth plan"
    assert len(page.select("[data-section]")) == len(SECTIONS)
    assert "Why this matters" in page.select_one("[data-section=about_me] details").get_text()
    assert write(client, "about_me", "Please call me Sam.").status_code == 303
    assert write(client, "feeding", "I hope to breastfeed.").status_code == 303
    bad = write(client, "safeguarding", "Agreed plan", agreed_on="soon")
    assert bad.status_code == 400 and "Agreed plan" in bad.text
    assert 'href="#f-agreed_on"' in bad.text

    factories.sign_in_as(client, db, supporter)
    query = f"?parent={link.public_id}"
    _, page = client.page(f"/en/birth-plan/{query}")
    assert page.h1.get_text() == "Sam's birth plan"
    suggested = write(client, "feeding", "I hope to breastfeed, with help.", query)
    assert suggested.status_code == 303
    assert suggested.headers["location"].startswith(f"/en/birth-plan/{query}&suggested=feeding")
    assert post(client, f"/en/birth-plan/ready{query}", {"ready": "yes"}).status_code == 403

    factories.sign_in_as(client, db, parent)
    _, history = client.page("/en/birth-plan/history")
    waiting = history.select("[data-suggestion]")
    assert len(waiting) == 1 and "Alex" in waiting[0].get_text()
    change_id = waiting[0]["data-suggestion"]
    assert post(client, f"/en/birth-plan/suggestions/{change_id}/accept").status_code == 303
    _, history = client.page("/en/birth-plan/history")
    rows = [row["data-change"] for row in history.select("[data-change]")]
    assert rows == ["accepted", "saved", "saved"]
    assert "Suggested by Alex" in history.select_one("[data-change=accepted]").get_text()
    _, page = client.page("/en/birth-plan/")
    assert "with help" in page.select_one("[data-section=feeding]").get_text()


def test_routes_share_open_and_revoke(client, db):
    parent, _, _ = people(db)
    factories.sign_in_as(client, db, parent)
    write(client, "about_me", "Please call me Sam.")
    assert post(client, "/en/birth-plan/ready", {"ready": "yes"}).status_code == 303
    made = post(client, "/en/birth-plan/shares", {"label": "My midwife"})
    assert made.status_code == 200
    link = re.search(r"data-share-link>([^<]+)<", made.text).group(1)
    path = link[link.index("/en/") :]

    client.cookies.clear()
    response, page = client.page(path)
    assert response.status_code == 200
    assert page.h1.get_text() == "Birth plan for Sam"
    assert "Please call me Sam." in page.get_text()
    assert page.select("textarea") == [] and "/sections/" not in response.text, "read-only"
    assert response.headers["cache-control"].startswith("no-store")
    assert len(db.exec(select(BirthPlanShareOpen)).all()) == 1

    factories.sign_in_as(client, db, parent)
    _, plan = client.page("/en/birth-plan/")
    share = plan.select_one("[data-share]")
    assert "My midwife" in share.get_text() and share.select("[data-opens] li")
    assert post(client, f"/en/birth-plan/shares/{share['data-share']}/revoke").status_code == 303

    client.cookies.clear()
    gone = client.get(path)
    assert gone.status_code == 410
    assert "no longer shared" in gone.text
    assert "Please call me Sam." not in gone.text
    assert client.get(path[:-4] + "xxxx").status_code == 404


def test_without_the_permission_or_with_a_revoked_link_nothing_is_seen(client, db):
    parent, _, _ = people(db)
    factories.sign_in_as(client, db, parent)
    write(client, "about_me", "Secret words")
    without = factories.user(db, Role.supporter)
    other = factories.link(db, parent, without, {"see_appointments", "see_pathway"})
    revoked = factories.user(db, Role.supporter)
    gone = factories.link(db, parent, revoked, {"birth_plan"}, revoked=True)
    for who, link in ((without, other), (revoked, gone)):
        factories.sign_in_as(client, db, who)
        query = f"?parent={link.public_id}"
        for url in ("", "history", "print", "sections/about_me"):
            response = client.get(f"/en/birth-plan/{url}{query}")
            assert response.status_code == 403, (url, response.status_code)
            assert "Secret words" not in response.text
        assert write(client, "about_me", "Changed", query).status_code == 403
    assert len(db.exec(select(BirthPlanChange)).all()) == 1


def test_a_supporter_sees_their_own_suggestions_as_waiting(client, db):
    parent, alex, link = people(db)
    jo = factories.user(db, Role.supporter, display_name="Jo")
    jo_link = factories.link(db, parent, jo, {"birth_plan"})
    factories.sign_in_as(client, db, parent)
    assert write(client, "feeding", "I hope to breastfeed.").status_code == 303
    factories.sign_in_as(client, db, jo)
    assert write(client, "feeding", "Jo's idea", f"?parent={jo_link.public_id}").status_code == 303

    factories.sign_in_as(client, db, alex)
    query = f"?parent={link.public_id}"
    assert write(client, "feeding", "Breastfeed, with help.", query).status_code == 303
    _, page = client.page(f"/en/birth-plan/{query}")
    feeding = page.select_one("[data-section=feeding]")
    mine = feeding.select("[data-my-pending]")
    assert len(mine) == 1, "only Alex's own suggestion, not Jo's"
    text = " ".join(mine[0].get_text(" ").split())
    assert "Waiting" in text and "Sam has not chosen yet" in text and "with help" in text
    assert "I hope to breastfeed." in feeding.select_one("p.preserve").get_text(), "plan as it is"
    count = page.select_one("[data-my-pending-count] a")
    assert "1 of your suggestions is waiting for Sam" in count.get_text()
    assert count["href"] == f"/en/birth-plan/history{query}#suggestions"
    assert not page.select("[data-section=about_me] [data-my-pending]")
    _, history = client.page(f"/en/birth-plan/history{query}")
    assert "Sam's plan now" in history.get_text() and "Your plan now" not in history.get_text()

    # Once Sam has chosen, it is no longer shown as waiting.
    factories.sign_in_as(client, db, parent)
    change = db.exec(select(BirthPlanChange).where(BirthPlanChange.author_id == alex.id)).one()
    assert post(client, f"/en/birth-plan/suggestions/{change.id}/reject").status_code == 303
    factories.sign_in_as(client, db, alex)
    _, page = client.page(f"/en/birth-plan/{query}")
    assert not page.select("[data-my-pending]") and not page.select("[data-my-pending-count]")


def test_an_opening_is_recorded_even_when_another_writer_got_in_after_the_read(tmp_path):
    """Opening a shared link (a GET) records the opening for the parent: on SQLite the
    link was read in a plain transaction, and had the in-process worker written since, the
    record failed at once ("database is locked" on a stale snapshot), a 503 for the midwife."""
    from fastapi.testclient import TestClient
    from sqlmodel import Session

    from app.main import create_app
    from tests.stale_snapshot import another_writer_after_reading, file_database

    settings, engine = file_database(tmp_path)
    with Session(engine) as db:
        parent = factories.user(db, Role.parent, display_name="Sam")
        service.save_section(
            db, parent=parent, author=parent, key="feeding", values={"text": "Breast"}, now=START
        )
        service.set_ready(db, parent=parent, ready=True, now=START)
        _, token = service.create_share(db, parent=parent, label="Midwife", now=START)
    with TestClient(create_app(settings, engine=engine)) as client:
        # The worker, marking a message sent: any real change to the database will do.
        change = "UPDATE user SET display_name = display_name || '.'"
        with another_writer_after_reading(engine, "birth_plan_share", change) as read:
            response = client.get(f"/en/birth-plan/shared/{token}")
    assert read, "the other writer got in after the link was read"
    assert response.status_code == 200 and "Breast" in response.text
    with Session(engine) as db:
        assert len(db.exec(select(BirthPlanShareOpen)).all()) == 1
    engine.dispose()
