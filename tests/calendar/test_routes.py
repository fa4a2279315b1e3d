"""Calendar pages over HTTP on both databases: views, one appointment, adding, the gate."""

import datetime as dt
from pathlib import Path

from app.calendar import service
from app.consent.models import Permission
from tests import factories
from tests.factories import post, sign_in_as

FIXTURES = Path(__file__).parent / "fixtures"




def add(db, parent, now, summary, day, start, end, place=""):
    return service.add_manual(
        db, parent_id=parent.id, agency="childrens_social_care", summary=summary,
        date=(now.date() + dt.timedelta(days=day)).isoformat(), start_time=start,
        end_time=end, location=place, now=now,
    )  # fmt: skip


def test_agenda_shows_clashes_and_travel_and_escapes_text(signed_in, db, parent, now):
    add(db, parent, now, "Core group <script>x</script>", 2, "10:00", "11:00", "Civic Centre")
    add(db, parent, now, "Probation", 2, "10:30", "11:00", "Station Road")
    add(db, parent, now, "Midwife", 3, "09:00", "10:00", "Riverside")
    add(db, parent, now, "Conference", 3, "10:15", "11:00", "Civic Centre")
    response, soup = signed_in.page("/en/calendar/")
    assert response.headers["cache-control"] == "no-store"
    assert "<script>x</script>" not in response.text
    titles = [a.get_text(strip=True) for a in soup.select(".appointment__title a")]
    assert titles[0] == "Core group <script>x</script>"
    assert len(soup.select(".flag--clash")) == 2
    assert len(soup.select(".flag--travel")) == 2
    assert all(tag.get_text(strip=True) for tag in soup.select(".agency-tag")), "never colour alone"


def test_week_and_month_views_and_the_agency_filter(signed_in, db, parent, now):
    add(db, parent, now, "Core group", 1, "10:00", "11:00")
    service.add_manual(db, parent_id=parent.id, agency="probation", summary="Probation",
                       date=(now.date() + dt.timedelta(days=1)).isoformat(),
                       start_time="14:00", end_time="", now=now)  # fmt: skip
    _, week = signed_in.page(f"/en/calendar/week?start={now.date().isoformat()}")
    assert len(week.select(".week__day")) == 7
    assert len(week.select(".appointment")) == 2
    _, month = signed_in.page(f"/en/calendar/month?month={now.strftime('%Y-%m')}")
    assert len(month.select(".month__item")) == 2
    _, only = signed_in.page("/en/calendar/?agency=probation")
    assert [a.get_text(strip=True) for a in only.select(".appointment__title a")] == ["Probation"]
    signed_in.page("/en/calendar/week?start=nonsense")
    signed_in.page("/en/calendar/month?month=2026-13")


def in_december(name: str) -> bytes:
    """A fixture moved from March to December 2026, near the tests' clock."""
    return (FIXTURES / name).read_bytes().replace(b"202603", b"202612")


def test_appointment_page_has_history_explainer_and_ics(signed_in, db, parent, now):
    service.import_file(db, parent_id=parent.id, data=in_december("outlook.ics"),
                        agency="child_protection_conference", label="", now=now)  # fmt: skip
    service.import_file(db, parent_id=parent.id, data=in_december("outlook_moved.ics"),
                        agency="child_protection_conference", label="", now=now)  # fmt: skip
    _, agenda = signed_in.page("/en/calendar/?past=true")
    link = agenda.select_one(".appointment__title a")["href"]
    _, soup = signed_in.page(link)
    history = [li.get_text(" ", strip=True) for li in soup.select(".history li")]
    assert history[0].startswith("Added") and history[1].startswith("Moved")
    assert soup.select_one('a[href="/en/explainers/child-protection-conference"]')
    assert "Priya Shah (Conference Chair)" in soup.get_text()
    ics = signed_in.get(link + "/calendar.ics")
    assert ics.headers["content-type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in ics.content


def test_adding_an_appointment_by_form_and_errors_in_the_readers_language(signed_in, db, now):
    response = post(signed_in, "/en/calendar/appointments", {
        "agency": "solicitor", "summary": "See solicitor", "date": "2026-12-01",
        "start_time": "14:00", "end_time": "15:00", "what_to_bring": "The letter",
    })  # fmt: skip
    assert response.status_code == 303
    _, soup = signed_in.page(response.headers["location"])
    assert "The letter" in soup.get_text()
    response = post(signed_in, "/cy/calendar/appointments", {"agency": "gp", "summary": "",
                    "date": "yesterday", "start_time": "x"})  # fmt: skip
    assert response.status_code == 400
    from tests.pages import check_page

    soup = check_page(response.text)
    assert soup.select_one(".error-summary")
    assert soup.select_one("#f-summary")["aria-invalid"] == "true"


def upload(client, data: dict, files: dict, token: str | None = "valid"):
    """An upload as the form sends it: the CSRF token in the form's address."""
    from tests.factories import csrf

    value = csrf(client)
    query = f"?csrftoken={value}" if token == "valid" else ""
    return client.post("/en/calendar/sources/upload" + query, data=data, files=files,
                       follow_redirects=False)  # fmt: skip


def test_an_upload_without_its_token_is_refused_kindly(signed_in):
    response = upload(signed_in, {"agency": "gp"}, {"file": ("x.ics", b"x", "text/calendar")}, None)
    assert response.status_code == 403
    assert "Please try that again" in response.text


def test_uploading_a_bad_file_says_why_and_changes_nothing(signed_in, db, parent, now):
    add(db, parent, now, "Kept", 1, "10:00", "11:00")
    response = upload(
        signed_in, {"agency": "gp"}, {"file": ("x.ics", b"<html>no</html>", "text/calendar")}
    )
    assert response.status_code == 400
    assert "That file is not a calendar (.ics) file." in response.text
    big = b"BEGIN:VCALENDAR\r\n" + b"X" * (5 * 1024 * 1024 + 10)
    response = upload(signed_in, {"agency": "gp"}, {"file": ("big.ics", big, "text/calendar")})
    assert response.status_code == 400
    assert "too big" in response.text
    _, soup = signed_in.page("/en/calendar/")
    assert [a.get_text(strip=True) for a in soup.select(".appointment__title a")] == ["Kept"]


def test_uploading_an_invitation(signed_in, db, parent, now):
    response = upload(
        signed_in,
        {"agency": "family_court"},
        {"file": ("invite.ics", in_december("outlook.ics"), "text/calendar")},
    )
    assert response.status_code == 303


def test_a_feed_address_on_a_private_network_is_refused_with_a_message(signed_in):
    response = post(signed_in, "/en/calendar/sources/feed",
                    {"url": "gopher://10.0.0.1/", "agency": "gp"})  # fmt: skip
    assert response.status_code == 400
    assert "A calendar address starts with https://" in response.text


def test_sources_page_shows_a_failing_feed_and_when_it_last_worked(signed_in, db, parent, now):
    source = service.add_feed(db, parent_id=parent.id, url="https://cal.example.org/secret-abc.ics",
                              agency="gp", label="GP surgery", now=now)  # fmt: skip
    source.last_error, source.last_success_at = "not_calendar", now - dt.timedelta(days=1)
    db.add(source)
    db.commit()
    _, soup = signed_in.page("/en/calendar/sources")
    text = soup.get_text(" ", strip=True)
    assert "It may need you to sign in." in text and "It last worked on" in text
    assert "secret-abc" not in text, "feed addresses are never shown back"
    _, agenda = signed_in.page("/en/calendar/")
    assert "We could not update 1 calendar." in agenda.get_text(" ", strip=True)


def test_private_subscription_address(signed_in, db, parent, now):
    add(db, parent, now, "GP", 1, "10:00", "10:30")
    response = post(signed_in, "/en/calendar/subscribe")
    from bs4 import BeautifulSoup

    url = BeautifulSoup(response.text, "html.parser").select_one(".code-display code").get_text()
    path = url.split("://", 1)[1].split("/", 1)[1]
    signed_in.cookies.clear()
    feed = signed_in.get("/" + path)
    assert feed.status_code == 200 and b"SUMMARY:GP" in feed.content
    assert signed_in.get("/calendar/not-the-token.ics").status_code == 404


def test_supporter_with_see_appointments_reads_but_cannot_add(client, db, parent, now):
    add(db, parent, now, "Conference", 1, "10:00", "11:00")
    supporter = factories.user(db, factories.Role.supporter)
    link = factories.link(db, parent, supporter, {Permission.see_appointments.value})
    sign_in_as(client, db, supporter)
    _, soup = client.page(f"/en/calendar/?parent={link.public_id}")
    assert soup.select(".appointment")
    assert "They can see that you looked." in soup.get_text()
    form = {"agency": "gp", "summary": "x", "date": "2026-12-01", "start_time": "10:00"}
    response = post(client, f"/en/calendar/appointments?parent={link.public_id}", form)
    assert response.status_code == 403
    assert client.get("/en/calendar/").status_code == 403, (
        "a supporter has no calendar of their own"
    )


def test_signed_out_is_sent_to_sign_in(client):
    response = client.get("/en/calendar/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/en/sign-in")


def test_a_supporter_reads_an_appointment_in_the_third_person(client, db, parent, now):
    appointment = add(db, parent, now, "Conference", 1, "10:00", "11:00")
    supporter = factories.user(db, factories.Role.supporter)
    every = {"see_appointments", "edit_appointments", "see_pathway"}
    link = factories.link(db, parent, supporter, every)
    sign_in_as(client, db, supporter)
    url = f"/en/calendar/appointments/{appointment.id}?parent={link.public_id}"
    _, soup = client.page(url)
    text = " ".join(soup.select_one("main").get_text(" ").split())
    name = parent.display_name
    assert f"{name}'s appointments" in text and f"{name}'s questions" in text
    assert f"Delete it from {name}'s calendar" in text and "typed in by hand" in text
    for phrase in ("My appointments", "My questions", "my calendar", "You typed", "by you"):
        assert phrase not in text, phrase
