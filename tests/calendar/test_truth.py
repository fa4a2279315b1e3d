"""The calendar tells the truth (issue 16), on SQLite and PostgreSQL: removing a calendar
never cancels anything, only a service or the parent cancels, typed-in appointments can be
changed one at a time, changes are flagged until seen, and warnings name what they mean."""

import datetime as dt

import pytest
from sqlmodel import select

from app import localtime
from app.calendar import demo, service
from app.calendar.models import Appointment, AppointmentChange, ChangeKind
from app.notify.models import OutboxMessage, PushSubscription
from app.team import service as team_service
from tests.factories import post


def feed(db, parent, now, name, *, first_version=False, source=None):
    """A demo agency's feed as a feed source, loaded without the network."""
    source = source or service.add_feed(
        db, parent_id=parent.id, url=f"https://example.org/{name}.ics", agency=name,
        label=demo.FEEDS[name], now=now,
    )  # fmt: skip
    body = demo.demo_feed(name, localtime.local_date(now), first_version=first_version)
    service.load_feed_body(db, source=source, body=body, now=now)
    return source


def typed(db, parent, now, summary="GP check-up", day=2, start="09:00", end="09:30", **extra):
    return service.add_manual(
        db, parent_id=parent.id, agency=extra.pop("agency", "gp"), summary=summary,
        date=(localtime.local_date(now) + dt.timedelta(days=day)).isoformat(),
        start_time=start, end_time=end, now=now, **extra,
    )  # fmt: skip


def mine(db, parent):
    query = select(Appointment).where(Appointment.parent_id == parent.id)
    return list(db.exec(query.order_by(Appointment.start)))


def test_removing_a_calendar_asks_first_and_never_cancels_or_notifies(signed_in, db, parent, now):
    db.add(PushSubscription(user_id=parent.id, endpoint="https://push.example/1", p256dh="k",
                            auth="a"))  # fmt: skip
    db.commit()
    source = feed(db, parent, now, "childrens_social_care")
    outbox_before = len(db.exec(select(OutboxMessage)).all())
    response, soup = signed_in.page(f"/en/calendar/sources/{source.id}/delete")
    assert soup.h1.get_text(strip=True) == "Remove the calendar from Children's social care?"
    assert "does not cancel anything" in response.text and "Core group meeting" in response.text

    refused = post(signed_in, f"/en/calendar/sources/{source.id}/delete", {})
    assert refused.status_code == 400 and "Choose whether" in refused.text
    assert len(mine(db, parent)) == 1, "nothing happens without a choice"

    done = post(signed_in, f"/en/calendar/sources/{source.id}/delete", {"what": "remove"})
    assert done.status_code == 303 and "done=removed" in done.headers["location"]
    db.expire_all()
    assert mine(db, parent) == []
    assert db.exec(select(AppointmentChange).where(
        AppointmentChange.kind == ChangeKind.cancelled)).all() == []  # fmt: skip
    assert len(db.exec(select(OutboxMessage)).all()) <= outbox_before, "no change notice"
    page = signed_in.get(done.headers["location"]).text
    assert "Nobody has cancelled them" in page
    agenda = signed_in.get("/en/calendar/").text
    assert "ancelled" not in agenda


def test_keeping_a_removed_calendars_appointments_makes_them_the_parents_own(
    signed_in, db, parent, now
):
    source = feed(db, parent, now, "childrens_social_care")
    done = post(signed_in, f"/en/calendar/sources/{source.id}/delete", {"what": "keep"})
    assert done.status_code == 303
    db.expire_all()
    (kept,) = mine(db, parent)
    assert not kept.cancelled and kept.summary == "Core group meeting"
    response, soup = signed_in.page(f"/en/calendar/appointments/{kept.id}")
    history = soup.select_one(".history").get_text(" ", strip=True)
    assert "You removed the calendar from Children's social care" in history
    assert "You kept this appointment as your own" in history
    assert soup.select(".flag--cancelled") == [] and "Cancelled" not in history
    assert soup.find("a", string="Change or move it"), "now the parent's own: can be changed"


def test_only_a_service_or_the_parent_cancels_and_the_page_says_who_and_when(
    signed_in, db, parent, now
):
    source = feed(db, parent, now, "probation")
    empty = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nEND:VCALENDAR\r\n"
    service.load_feed_body(db, source=source, body=empty, now=now)
    (dropped,) = mine(db, parent)
    assert dropped.cancelled, "a feed that answers in full without it: the service cancelled"
    _, soup = signed_in.page(f"/en/calendar/appointments/{dropped.id}")
    said = soup.select_one(".flag--cancelled").get_text(" ", strip=True)
    assert "Probation cancelled it. We heard on Monday 23 November 2026, 09:00" in said

    own = typed(db, parent, now)
    assert post(signed_in, f"/en/calendar/appointments/{own.id}/cancel",
                {"cancelled": "yes"}).status_code == 303  # fmt: skip
    _, soup = signed_in.page(f"/en/calendar/appointments/{own.id}")
    assert "You cancelled it on Monday 23 November 2026" in soup.select_one(
        ".flag--cancelled").get_text(" ", strip=True)  # fmt: skip
    post(signed_in, f"/en/calendar/appointments/{own.id}/cancel", {"cancelled": "no"})
    db.expire_all()
    assert not db.get(Appointment, own.id).cancelled


def test_a_typed_in_appointment_is_edited_moved_and_deleted_on_its_own(signed_in, db, parent, now):
    first = typed(db, parent, now, "GP check-up")
    second = typed(db, parent, now, "GP bloods", day=4)
    _, soup = signed_in.page(f"/en/calendar/appointments/{first.id}/edit")
    assert soup.select_one("#f-summary")["value"] == "GP check-up"
    day = (localtime.local_date(now) + dt.timedelta(days=3)).isoformat()
    form = {"agency": "gp", "summary": "GP check-up (moved)", "date": day,
            "start_time": "15:00", "end_time": "15:30", "location": "Surgery"}  # fmt: skip
    assert post(signed_in, f"/en/calendar/appointments/{first.id}/edit", form).status_code == 303
    _, soup = signed_in.page(f"/en/calendar/appointments/{first.id}")
    history = soup.select_one(".history").get_text(" ", strip=True)
    assert "Moved — by you, on" in history and "to Thursday 26 November, 15:00" in history
    assert "/2026" not in history, "dates in words"

    deleted = post(signed_in, f"/en/calendar/appointments/{second.id}/delete")
    assert deleted.status_code == 303
    db.expire_all()
    assert [a.summary for a in mine(db, parent)] == ["GP check-up (moved)"]
    assert "no longer on your calendar" in signed_in.get(deleted.headers["location"]).text
    # An agency's appointment is not the parent's to edit.
    source = feed(db, parent, now, "probation")
    theirs = next(a for a in mine(db, parent) if str(source.id) in a.source_ids)
    assert signed_in.get(f"/en/calendar/appointments/{theirs.id}/edit").status_code == 404
    assert post(signed_in, f"/en/calendar/appointments/{theirs.id}/delete").status_code == 404


@pytest.mark.parametrize("days", [-400, 800])
def test_a_date_in_the_past_or_far_ahead_asks_is_this_right(signed_in, db, parent, now, days):
    form = {"agency": "gp", "summary": "Typo year", "start_time": "10:00", "end_time": "11:00",
            "date": (localtime.local_date(now) + dt.timedelta(days=days)).isoformat()}  # fmt: skip
    asked = post(signed_in, "/en/calendar/appointments", form)
    assert asked.status_code == 400 and "Is this right?" in asked.text
    assert mine(db, parent) == []
    saved = post(signed_in, "/en/calendar/appointments", {**form, "date_checked": "yes"})
    assert saved.status_code == 303 and len(mine(db, parent)) == 1


def test_a_moved_appointment_is_flagged_in_every_view_until_opened(signed_in, db, parent, now, app):
    source = feed(db, parent, now, "childrens_social_care", first_version=True)
    (meeting,) = mine(db, parent)
    signed_in.get(f"/en/calendar/appointments/{meeting.id}")  # seen as first sent
    app.state.clock.advance(hours=1)
    feed(db, parent, app.state.clock.now, "childrens_social_care", source=source)
    app.state.clock.advance(hours=1)
    start = localtime.local_date(meeting.start).isoformat()
    for address in ("/en/calendar/", f"/en/calendar/week?start={start}",
                    f"/en/calendar/month?month={start[:7]}"):  # fmt: skip
        _, soup = signed_in.page(address)
        flag = soup.select_one(".flag--news")
        assert flag is not None and "Moved" in flag.get_text(), address
    agenda_flag = (
        signed_in.page("/en/calendar/")[1].select_one(".flag--news").get_text(" ", strip=True)
    )
    assert agenda_flag == "Moved — was Sunday 29 November, 14:00"
    signed_in.get(f"/en/calendar/appointments/{meeting.id}")
    _, soup = signed_in.page("/en/calendar/")
    assert soup.select_one(".flag--news") is None, "opened: no longer news"


def test_a_clash_names_the_other_and_says_who_to_ring(signed_in, db, parent, now):
    feed(db, parent, now, "probation")
    feed(db, parent, now, "perinatal_mental_health")
    team_service.save_member(db, parent=parent, author=parent, values={"name": "Dr Rao",
                             "agency": "perinatal_mental_health", "phone": "01632 960 111"},
                             key_worker=False, now=now)  # fmt: skip
    _, soup = signed_in.page("/en/calendar/?agency=probation")
    clash = soup.select_one(".flag--clash").get_text(" ", strip=True)
    assert "“Perinatal mental health team”" in clash
    assert "Ring Dr Rao (Perinatal mental health) to ask if it can move" in clash
    assert soup.select_one('.flag--clash a[href="tel:01632960111"]')
    probation = next(a for a in mine(db, parent) if a.summary == "Probation appointment")
    response, soup = signed_in.page(f"/en/calendar/appointments/{probation.id}")
    assert "People from" not in response.text
    assert soup.find("a", string="Who to contact about this")


def test_travel_warning_names_the_other_appointment(signed_in, db, parent, now):
    feed(db, parent, now, "midwifery")
    feed(db, parent, now, "childrens_social_care")
    _, soup = signed_in.page("/en/calendar/?agency=midwifery")
    travel = soup.select_one(".flag--travel").get_text(" ", strip=True)
    assert "“Core group meeting”" in travel


def test_the_month_view_shows_only_that_months_days(signed_in, db, parent, now):
    _, soup = signed_in.page("/en/calendar/month?month=2026-12")
    shown = [tag.get_text(strip=True) for tag in soup.select(".month__date-long")]
    assert len(shown) == 31 and "January" not in " ".join(shown)
