"""Where I am in the process: marks and their history, dates counted from a step's date,
the supporter's view of one parent, and the walk-through with a parent selected."""

import datetime as dt

import pytest
from sqlmodel import select

from app.accounts.models import Role
from app.consent.models import Permission
from app.explainers import pathway as paths
from app.explainers.schema import Due, DueUnit
from app.forms import FormError
from app.position import service
from app.questions.models import Question
from tests import factories
from tests.factories import START, post


def content(app):
    return app.state.content


def test_each_mark_is_kept_and_the_newest_is_where_the_parent_is(app, db):
    parent = factories.user(db, Role.parent)
    supporter = factories.user(db, Role.supporter)
    service.mark(db, content=content(app), parent=parent, author=parent, step="referral",
                 happened_on=None, nation="wales", area=None, now=START)  # fmt: skip
    later = START + dt.timedelta(days=1)
    service.mark(db, content=content(app), parent=parent, author=supporter,
                 step="child-protection-conference", happened_on=dt.date(2026, 11, 20),
                 nation="england", area="sefton", now=later)  # fmt: skip
    now = service.current(db, parent=parent)
    assert (now.step, now.happened_on, now.nation, now.area) == (
        "child-protection-conference",
        dt.date(2026, 11, 20),
        "england",
        "sefton",
    )
    assert [m.step for m in service.history(db, parent=parent)] == [
        "child-protection-conference",
        "referral",
    ]
    exported = service.export(db, parent=parent)
    assert exported[0]["marked_by"] == supporter.display_name
    assert exported[1]["marked_by_me"] is True


def test_an_unknown_step_or_a_far_date_is_refused_and_an_unknown_area_dropped(app, db):
    parent = factories.user(db, Role.parent)
    with pytest.raises(FormError):
        service.mark(db, content=content(app), parent=parent, author=parent, step="nope",
                     happened_on=None, nation="england", area=None, now=START)  # fmt: skip
    with pytest.raises(FormError):
        service.mark(db, content=content(app), parent=parent, author=parent, step="referral",
                     happened_on=dt.date(2001, 1, 1), nation="england", area=None,
                     now=START)  # fmt: skip
    made = service.mark(db, content=content(app), parent=parent, author=parent,
                        step="referral", happened_on=None, nation="wales", area="sefton",
                        now=START)  # fmt: skip
    assert (made.nation, made.area) == ("wales", None)  # Sefton is in England


def test_dates_are_counted_from_the_step_where_guidance_sets_one(app):
    assert paths.add_due(dt.date(2027, 3, 12), Due(count=3, unit=DueUnit.months,
                         after="x")) == dt.date(2027, 6, 12)  # fmt: skip
    # Working days skip the weekend: Friday 12 March 2027 + 10 is Friday 26 March.
    assert paths.add_due(dt.date(2027, 3, 12), Due(count=10, unit=DueUnit.working_days,
                         after="x")) == dt.date(2027, 3, 26)  # fmt: skip
    assert paths.add_due(dt.date(2027, 1, 31), Due(count=1, unit=DueUnit.months,
                         after="x")) == dt.date(2027, 2, 28)  # fmt: skip
    ahead = paths.ahead(content(app), "child-protection-plan", paths.Place(),
                        dt.date(2027, 3, 12))  # fmt: skip
    due = {item.next.slug: item.due_on for item in ahead.next}
    assert due["core-group"] == dt.date(2027, 3, 26)
    assert due["letter-before-proceedings"] is None  # no guidance timescale: no date
    proceedings = paths.ahead(content(app), "care-proceedings", paths.Place(),
                              dt.date(2027, 1, 4))  # fmt: skip
    assert proceedings.ends_on == dt.date(2027, 7, 5)  # 26 weeks
    # An area's own rule replaces the national count: no date is guessed from its words.
    sefton = paths.ahead(content(app), "child-protection-plan",
                         paths.Place(area="sefton"), dt.date(2027, 3, 12))  # fmt: skip
    assert {i.next.slug: i.due_on for i in sefton.next}["core-group"] is None
    # Without a date there is nothing to count from.
    undated = paths.ahead(content(app), "child-protection-plan", paths.Place(), None)
    assert all(item.due_on is None for item in undated.next)


def test_the_parent_marks_their_step_and_sees_what_comes_next_with_dates(client, db, clock):
    parent = factories.user(db, Role.parent)
    factories.sign_in_as(client, db, parent)
    response = post(client, "/en/where-i-am/", {"step": "child-protection-plan",
                    "happened_on": "2026-11-20", "nation": "england"})  # fmt: skip
    assert response.status_code == 303
    _, soup = client.page("/en/where-i-am/?saved=1")
    text = soup.get_text(" ", strip=True)
    assert "You are here" in text and "Child protection plan" in text
    assert "Guidance date: about 4 December 2026" in text  # core group, 10 working days
    assert "marked by" in text
    # "You are here" on the map, for the parent's own step only.
    _, soup = client.page("/en/pathway/?nation=england")
    here = soup.select_one(".pathway-map__step--here")
    assert here["id"] == "map-child-protection-plan"
    assert "You are here" in here.get_text()
    assert len(soup.select(".pathway-map")) == 1
    # The step page says "This step" and carries no map.
    _, soup = client.page("/en/pathway/core-group?nation=england")
    assert "This step" in soup.get_text() and not soup.select(".pathway-map")


def test_a_bad_date_shows_the_error_summary(client, db):
    parent = factories.user(db, Role.parent)
    factories.sign_in_as(client, db, parent)
    response = post(client, "/en/where-i-am/", {"step": "referral", "happened_on": "12/3"})
    assert response.status_code == 400
    assert "Enter a real date" in response.text


def test_a_supporter_sees_third_person_words_and_only_what_is_allowed(client, db):
    parent = factories.user(db, Role.parent, display_name="Sam")
    supporter = factories.user(db, Role.supporter)
    link = factories.link(db, parent, supporter, {Permission.see_pathway.value})
    factories.sign_in_as(client, db, supporter)
    _, soup = client.page("/en/account/parents")
    assert "See where Sam is in the process" in soup.get_text()
    assert "my " not in soup.select_one(".parents").get_text().lower()
    _, soup = client.page(f"/en/team/?parent={link.public_id}")
    assert soup.h1.get_text(strip=True) == "Sam"
    entries = {a.get_text(strip=True): a["href"] for a in soup.select(".parent-entries a")}
    assert entries["Where Sam is in the process"] == f"/en/where-i-am/?parent={link.public_id}"
    assert entries["Sam's questions"] == f"/en/questions/?parent={link.public_id}"
    assert "Sam's appointments" not in entries and "Sam's birth plan" not in entries
    _, soup = client.page(f"/en/where-i-am/?parent={link.public_id}")
    assert soup.h1.get_text(strip=True) == "Where Sam is in the process"
    # The map never says "You are here" about someone else's step.
    post(client, f"/en/where-i-am/?parent={link.public_id}", {"step": "referral"})
    _, soup = client.page(f"/en/pathway/?nation=england&parent={link.public_id}")
    assert not soup.select(".pathway-map__step--here")
    assert "Sam is here: Referral." in soup.get_text()


def test_a_question_from_the_walk_through_lands_on_the_parents_list(client, db):
    parent = factories.user(db, Role.parent, display_name="Sam")
    supporter = factories.user(db, Role.supporter, display_name="Alex")
    link = factories.link(db, parent, supporter, {Permission.see_pathway.value})
    factories.sign_in_as(client, db, supporter)
    walk = f"/en/pathway/core-group/walk?nation=england&parent={link.public_id}&screen=1"
    _, soup = client.page(walk)
    form = soup.select_one(".walk__ask form")
    assert form["action"] == f"/en/questions/?parent={link.public_id}"
    assert "Add this to Sam's questions" in form.get_text()
    assert f"parent={link.public_id}" in soup.select_one("a.walk__next")["href"]
    fields = {i["name"]: i.get("value", "") for i in form.select("input")}
    response = post(client, form["action"], fields)
    assert response.status_code == 303
    assert response.headers["location"].startswith(
        f"/en/pathway/core-group/walk?parent={link.public_id}&nation=england&screen=1&asked=1"
    )
    question = db.exec(select(Question).where(Question.parent_id == parent.id)).one()
    assert question.created_by_id == supporter.id and question.about == "core-group"
    factories.sign_in_as(client, db, parent)
    _, soup = client.page("/en/questions/")
    assert "Added by Alex" in soup.select_one("[data-added-by]").get_text()


def test_the_invitation_link_is_whole_and_a_code_needs_a_permission(client, db):
    parent = factories.user(db, Role.parent)
    factories.sign_in_as(client, db, parent)
    refused = post(client, "/en/team/invite", {})
    assert refused.status_code == 400 and "Tick at least one thing" in refused.text
    made = post(client, "/en/team/invite", {"permissions": "see_pathway"})
    assert made.status_code == 200
    assert "http://testserver/en/account/parents/link?code=" in made.text


def test_the_export_has_the_marks(client, db, app):
    parent = factories.user(db, Role.parent)
    service.mark(db, content=content(app), parent=parent, author=parent, step="referral",
                 happened_on=None, nation="england", area=None, now=START)  # fmt: skip
    from app.accounts.export import collect

    assert collect(db, user=parent)["where_i_am"][0]["step"] == "referral"
