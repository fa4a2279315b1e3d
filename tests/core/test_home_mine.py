"""A home that knows who you are (issue 16), on SQLite and PostgreSQL: signed in, the
home starts with what matters now; signed out, it is the same page for everyone."""

import datetime as dt

from app import localtime
from app.accounts.models import Role
from app.calendar import demo, service
from app.resources import service as resources
from tests import factories
from tests.factories import sign_in_as


def test_a_signed_in_parent_sees_what_matters_now_privately(client, db, app):
    clock = factories.Clock()
    app.state.clock = clock
    parent = factories.user(db, display_name="Sam")
    anonymous, _ = client.page("/en/")
    today = localtime.local_date(clock.now)
    for name, first in (("childrens_social_care", True), ("probation", False),
                        ("perinatal_mental_health", False)):  # fmt: skip
        source = service.add_feed(db, parent_id=parent.id, url=f"https://x.example/{name}",
                                  agency=name, label=demo.FEEDS[name], now=clock.now)  # fmt: skip
        service.load_feed_body(db, source=source, body=demo.demo_feed(
            name, today, first_version=first), now=clock.now)  # fmt: skip
        if first:
            meeting = service.all_appointments(db, parent_id=parent.id)[0]
            service.mark_seen(db, parent_id=parent.id, appointment_id=meeting.id, now=clock.now)
            clock.advance(minutes=5)
            service.load_feed_body(db, source=source, body=demo.demo_feed(name, today),
                                   now=clock.now)  # fmt: skip
    charity = factories.organisation(db, "Riverside Charity")
    worker = factories.user(db, Role.supporter, display_name="Jo", organisation=charity)
    pack = resources.make_pack(db, author=worker, national=app.state.national_resources,
                               title="Numbers we talked about", note="Call them.",
                               refs=["samaritans"], locale="en", now=clock.now)  # fmt: skip
    resources.deliver_pack(db, pack=pack, parent=parent, sender=worker, now=clock.now)
    sign_in_as(client, db, parent)
    response, soup = client.page("/en/")
    assert response.headers["cache-control"] == "no-store"
    assert "Cookie" in response.headers["vary"]
    assert soup.h1.get_text(strip=True) == "Hello, Sam"
    assert "You do not need an account" not in response.text
    nxt = soup.select_one(".home-now").get_text(" ", strip=True)
    assert "Probation appointment" in nxt, "the first appointment still to come"
    changed = soup.find(id="changed-heading").find_parent("section").get_text(" ", strip=True)
    assert "Core group meeting" in changed and "Moved — was" in changed
    clash = soup.find(id="clash-heading").find_parent("section").get_text(" ", strip=True)
    assert "Perinatal mental health team" in clash
    assert "Numbers we talked about" in soup.find(id="packs-heading").find_parent().get_text()
    hrefs = {a["href"] for a in soup.select("main a")}
    assert {"/en/calendar/", "/en/questions/", "/en/birth-plan/", "/en/team/"} <= hrefs

    client.cookies.delete("ns_session")
    again, _ = client.page("/en/")
    assert again.text == anonymous.text, "the signed-out home is the same bytes for everyone"
    assert clock.now - factories.START < dt.timedelta(hours=1)
