"""Reminders and change notices, planned in the calendar's own transaction (both databases),
then sent through the real sender to a push service on loopback that decrypts them."""

import datetime as dt
import json
import logging
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from app.accounts import service as accounts
from app.calendar import service as calendar
from app.calendar.models import Agency, Appointment, AppointmentChange, CalendarSource, SourceKind
from app.notify import service as notify
from app.notify.channels.push import MAX_PAYLOAD
from app.notify.models import OutboxKind, OutboxMessage, OutboxStatus, PushSubscription
from app.notify.webpush import Sender
from app.notify.worker import claim_one, deliver
from tests import factories

LONDON = ZoneInfo("Europe/London")  # TIMEZONE's default, which these tests run in
# Monday 23 November 2026, 09:00 UTC (and London: GMT in November).
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def ics(*events: tuple[str, dt.datetime, str, str]) -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN"]
    for uid, start, summary, status in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid}",
            f"DTSTAMP:{NOW:%Y%m%dT%H%M%SZ}",
            f"DTSTART:{start:%Y%m%dT%H%M%SZ}",
            f"DTEND:{start + dt.timedelta(hours=1):%Y%m%dT%H%M%SZ}",
            f"SUMMARY:{summary}",
            "LOCATION:Civic Centre",
            f"STATUS:{status}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines).encode()


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=dt.UTC)


@pytest.fixture
def parent(db):
    return factories.user(db)


def feed(db, parent, agency=Agency.child_protection_conference) -> CalendarSource:
    source = CalendarSource(
        parent_id=parent.id, kind=SourceKind.feed, agency=agency, label="Council"
    )
    db.add(source)
    db.commit()
    return source


def device(db, parent, push_service=None, name="phone"):
    if push_service is None:
        from tests.notify.push_service import Browser

        browser, endpoint = Browser(), f"https://fcm.googleapis.com/fcm/send/{name}-{parent.id}"
    else:
        endpoint, browser = push_service.subscribe(f"{name}-{parent.id}")
    notify.subscribe(
        db,
        user_id=parent.id,
        endpoint=endpoint,
        p256dh=browser.p256dh,
        auth=browser.auth,
        device="Chrome · Android",
        now=NOW,
        allow_loopback=push_service is not None,
    )
    return endpoint


def rows(db, parent, kind=None, status=None) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.user_id == parent.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    if status:
        query = query.where(OutboxMessage.status == status)
    return list(db.exec(query.order_by(OutboxMessage.due_at, OutboxMessage.id)))


def test_default_reminders_the_evening_before_and_two_hours_before(db, parent):
    device(db, parent)
    source = feed(db, parent)
    calendar.load_feed_body(
        db, source=source, body=ics(("a", at(25, 10), "Conference", "CONFIRMED")), now=NOW
    )
    pending = rows(db, parent, OutboxKind.reminder, OutboxStatus.pending)
    assert [r.due_at.astimezone(LONDON).strftime("%d %H:%M") for r in pending] == [
        "24 19:00",
        "25 08:00",
    ]
    # The same refresh again queues nothing more: the keys are unique.
    calendar.load_feed_body(
        db, source=source, body=ics(("a", at(25, 10), "Conference", "CONFIRMED")), now=NOW
    )
    assert len(rows(db, parent, OutboxKind.reminder)) == 2


def test_moving_an_appointment_replans_its_reminders(db, parent):
    device(db, parent)
    source = feed(db, parent)
    calendar.load_feed_body(
        db, source=source, body=ics(("a", at(25, 10), "Conference", "CONFIRMED")), now=NOW
    )
    calendar.load_feed_body(
        db, source=source, body=ics(("a", at(27, 14), "Conference", "CONFIRMED")), now=NOW
    )
    pending = rows(db, parent, OutboxKind.reminder, OutboxStatus.pending)
    assert [r.due_at.astimezone(LONDON).strftime("%d %H:%M") for r in pending] == [
        "26 19:00",
        "27 12:00",
    ]
    assert len(rows(db, parent, OutboxKind.reminder, OutboxStatus.cancelled)) == 2
    # Moved back: the first reminders come back, still once each.
    calendar.load_feed_body(
        db, source=source, body=ics(("a", at(25, 10), "Conference", "CONFIRMED")), now=NOW
    )
    pending = rows(db, parent, OutboxKind.reminder, OutboxStatus.pending)
    assert [r.due_at.astimezone(LONDON).strftime("%d %H:%M") for r in pending] == [
        "24 19:00",
        "25 08:00",
    ]
    assert len(rows(db, parent, OutboxKind.reminder)) == 4


def test_cancelling_an_appointment_cancels_its_reminders(db, parent):
    device(db, parent)
    source = feed(db, parent)
    calendar.load_feed_body(
        db, source=source, body=ics(("a", at(25, 10), "Conference", "CONFIRMED")), now=NOW
    )
    calendar.load_feed_body(
        db, source=source, body=ics(("a", at(25, 10), "Conference", "CANCELLED")), now=NOW
    )
    assert rows(db, parent, OutboxKind.reminder, OutboxStatus.pending) == []
    assert {r.last_error for r in rows(db, parent, OutboxKind.reminder)} == {"replanned"}


def test_several_changes_from_one_refresh_are_one_message(db, parent):
    device(db, parent)
    source = feed(db, parent)
    calendar.load_feed_body(
        db,
        source=source,
        body=ics(
            ("a", at(25, 10), "Conference", "CONFIRMED"),
            ("b", at(26, 10), "Core group", "CONFIRMED"),
        ),
        now=NOW,
    )
    [first] = rows(db, parent, OutboxKind.changes)
    assert len(json.loads(first.data)["changes"]) == 2
    calendar.load_feed_body(
        db,
        source=source,
        body=ics(
            ("a", at(25, 12), "Conference", "CONFIRMED"),
            ("b", at(26, 10), "Core group", "CANCELLED"),
            ("c", at(30, 10), "Midwife", "CONFIRMED"),
        ),
        now=NOW,
    )
    notices = rows(db, parent, OutboxKind.changes)
    assert len(notices) == 2
    kinds = db.exec(
        select(AppointmentChange.kind).where(
            AppointmentChange.id.in_(json.loads(notices[1].data)["changes"])
        )
    ).all()
    assert sorted(kinds) == ["cancelled", "moved", "new"]


def test_the_parents_own_entries_need_no_notice_but_get_reminders(db, parent):
    device(db, parent)
    calendar.add_manual(
        db,
        parent_id=parent.id,
        agency="midwifery",
        summary="Scan",
        date="2026-11-26",
        start_time="11:00",
        end_time="",
        now=NOW,
    )
    assert rows(db, parent, OutboxKind.changes) == []
    assert len(rows(db, parent, OutboxKind.reminder, OutboxStatus.pending)) == 2


def test_nothing_is_planned_for_a_parent_without_devices(db, parent):
    source = feed(db, parent)
    calendar.load_feed_body(
        db, source=source, body=ics(("a", at(25, 10), "Conference", "CONFIRMED")), now=NOW
    )
    assert rows(db, parent) == []
    device(db, parent)  # turning notifications on plans what is owed from now on
    assert len(rows(db, parent, OutboxKind.reminder, OutboxStatus.pending)) == 2


def test_quiet_hours_move_reminders_out_but_never_past_the_start(db, parent):
    device(db, parent)
    notify.save_preferences(
        db,
        user_id=parent.id,
        reminders=["evening", "120"],
        quiet_start="21:00",
        quiet_end="08:30",
        discreet=True,
        now=NOW,
    )
    source = feed(db, parent)
    calendar.load_feed_body(
        db,
        source=source,
        body=ics(
            ("early", at(25, 8, 0), "Early", "CONFIRMED"),  # 2 hours before is 06:00: quiet
            ("later", at(26, 10, 0), "Later", "CONFIRMED"),  # 08:00: quiet, ends 08:30 < 10:00
        ),
        now=NOW,
    )
    due = sorted(
        (r.appointment_id, r.due_at.astimezone(LONDON).strftime("%d %H:%M"))
        for r in rows(db, parent, OutboxKind.reminder, OutboxStatus.pending)
    )
    early, later = (
        db.exec(select(Appointment.id).where(Appointment.match_key == f"{u}|")).one()
        for u in ("early", "later")
    )
    assert due == sorted(
        [(early, "24 19:00"), (early, "24 20:59"), (later, "25 19:00"), (later, "26 08:30")]
    )


def test_quiet_hours_hold_a_change_notice_until_morning(db, parent):
    device(db, parent)
    notify.save_preferences(
        db,
        user_id=parent.id,
        reminders=[],
        quiet_start="22:00",
        quiet_end="07:00",
        discreet=True,
        now=NOW,
    )
    night = at(23, 23, 30)
    calendar.load_feed_body(
        db,
        source=feed(db, parent),
        body=ics(("a", at(25, 10), "Conference", "CONFIRMED")),
        now=night,
    )
    [notice] = rows(db, parent, OutboxKind.changes)
    assert notice.due_at.astimezone(LONDON) == dt.datetime(2026, 11, 24, 7, 0, tzinfo=LONDON)


def test_bad_quiet_hours_are_refused_with_a_message(db, parent):
    from app.forms import FormError

    with pytest.raises(FormError) as raised:
        notify.save_preferences(
            db,
            user_id=parent.id,
            reminders=[],
            quiet_start="25:00",
            quiet_end="",
            discreet=True,
            now=NOW,
        )
    assert "quiet_start" in raised.value.errors


# Sending ---------------------------------------------------------------------------------


@pytest.fixture
def sender(settings):
    made = Sender(
        private_pem=settings.vapid_key_pem(),
        subject=settings.push_subject,
        timeout=5,
        allow_loopback=True,
    )
    yield made
    made.close()


def send_due(db, sender, settings, now) -> list[str]:
    statuses = []
    while (message := claim_one(db, now=now)) is not None:
        statuses.append(deliver(db, message=message, sender=sender, settings=settings, now=now))
    return statuses


def test_discreet_reminder_says_only_when(db, parent, sender, settings, push_service):
    device(db, parent, push_service)
    calendar.load_feed_body(
        db,
        source=feed(db, parent),
        body=ics(("a", at(24, 10), "Child protection conference", "CONFIRMED")),
        now=NOW,
    )
    send_due(db, sender, settings, NOW)  # the change notice
    push_service.received.clear()
    assert send_due(db, sender, settings, at(23, 19, 1)) == ["sent"]
    [got] = push_service.received
    message = got.json
    assert message["body"] == "You have an appointment tomorrow at 10:00"
    assert message["title"] == "Reminder"
    assert "conference" not in got.text.lower() and "council" not in got.text.lower()
    appointment_id = db.exec(select(Appointment.id).where(Appointment.parent_id == parent.id)).one()
    assert message["url"] == f"/en/calendar/appointments/{appointment_id}"
    assert (
        got.vapid_ok and int(got.headers["ttl"]) <= 15 * 3600 and got.headers["urgency"] == "high"
    )


def test_a_reminder_in_full_and_in_the_parents_language(db, parent, sender, settings, push_service):
    accounts_user = parent
    accounts_user.locale = "cy"
    db.add(accounts_user)
    db.commit()
    notify.save_preferences(
        db,
        user_id=parent.id,
        reminders=["1440"],
        quiet_start="",
        quiet_end="",
        discreet=False,
        now=NOW,
    )
    device(db, parent, push_service)
    calendar.load_feed_body(
        db,
        source=feed(db, parent),
        body=ics(("a", at(27, 14), "Core group meeting", "CONFIRMED")),
        now=NOW,
    )
    push_service.received.clear()
    send_due(db, sender, settings, NOW)  # the change notice, in full
    assert push_service.received[0].json["title"] == "Core group meeting"
    push_service.received.clear()
    assert send_due(db, sender, settings, at(26, 14)) == ["sent"]
    message = push_service.received[0].json
    assert message["lang"] == "cy"
    assert message["title"] == "Core group meeting"
    assert "Child protection conference" in message["body"] or "Civic Centre" in message["body"]
    assert "14:00" in message["body"]


def test_several_changes_arrive_as_one_message_and_are_marked_told(
    db, parent, sender, settings, push_service
):
    device(db, parent, push_service)
    calendar.load_feed_body(
        db,
        source=feed(db, parent),
        body=ics(
            ("a", at(25, 10), "Conference", "CONFIRMED"),
            ("b", at(26, 10), "Core group", "CONFIRMED"),
            ("c", at(27, 10), "Visit", "CONFIRMED"),
        ),
        now=NOW,
    )
    assert send_due(db, sender, settings, NOW) == ["sent"]
    [got] = push_service.received
    assert got.json["body"] == "3 appointments are new, moved or cancelled."
    assert got.json["url"] == "/en/calendar/"
    told = db.exec(select(AppointmentChange.notified_at)).all()
    assert told and all(t is not None for t in told)


def test_410_removes_exactly_that_subscription(db, parent, sender, settings, push_service):
    gone = device(db, parent, push_service, "old")
    kept = device(db, parent, push_service, "new")
    del push_service.browsers[gone.removeprefix(push_service.origin)]  # the service answers 410
    calendar.load_feed_body(
        db, source=feed(db, parent), body=ics(("a", at(25, 10), "Conference", "CONFIRMED")), now=NOW
    )
    assert send_due(db, sender, settings, NOW) == ["sent"]
    endpoints = db.exec(
        select(PushSubscription.endpoint).where(PushSubscription.user_id == parent.id)
    ).all()
    assert endpoints == [kept]
    assert len(push_service.received) == 1


def test_429_waits_at_least_retry_after_then_sends_once(db, parent, sender, settings, push_service):
    device(db, parent, push_service)
    calendar.load_feed_body(
        db, source=feed(db, parent), body=ics(("a", at(25, 10), "Conference", "CONFIRMED")), now=NOW
    )
    push_service.script = [(429, {"Retry-After": "600"})]
    assert send_due(db, sender, settings, NOW) == ["pending"]
    [notice] = rows(db, parent, OutboxKind.changes)
    assert notice.attempts == 1 and notice.last_error == "http_429"
    assert notice.due_at.replace(tzinfo=dt.UTC) >= NOW + dt.timedelta(seconds=600)
    assert send_due(db, sender, settings, NOW + dt.timedelta(seconds=599)) == []
    later = NOW + dt.timedelta(seconds=3600)
    assert send_due(db, sender, settings, later) == ["sent"]
    assert len(push_service.received) == 1


def test_5xx_backs_off_exponentially_with_jitter_and_gives_up(
    db, parent, sender, settings, push_service
):
    device(db, parent, push_service)
    calendar.load_feed_body(
        db, source=feed(db, parent), body=ics(("a", at(25, 10), "Conference", "CONFIRMED")), now=NOW
    )
    push_service.script = [(503, {})] * settings.push_max_attempts
    now, waits = NOW, []
    for _ in range(settings.push_max_attempts):
        assert len(send_due(db, sender, settings, now)) == 1
        [notice] = rows(db, parent, OutboxKind.changes)
        due = notice.due_at.replace(tzinfo=dt.UTC)
        waits.append((due - now).total_seconds())
        now = max(now, due)
    assert notice.status == OutboxStatus.failed and notice.attempts == settings.push_max_attempts
    for attempt, wait in enumerate(waits[:-1], start=1):
        step = min(3600, 30 * 2 ** (attempt - 1))
        assert step / 2 <= wait <= step


def test_403_is_logged_loudly_and_the_subscription_kept(
    db, parent, sender, settings, push_service, caplog
):
    endpoint = device(db, parent, push_service)
    calendar.load_feed_body(
        db, source=feed(db, parent), body=ics(("a", at(25, 10), "Conference", "CONFIRMED")), now=NOW
    )
    push_service.script = [(403, {})]
    with caplog.at_level(logging.ERROR, logger="next_steps.notify"):
        assert send_due(db, sender, settings, NOW) == ["failed"]
    assert any("403" in r.getMessage() and r.levelno == logging.ERROR for r in caplog.records)
    assert db.exec(select(PushSubscription.endpoint)).all() == [endpoint]


def test_nothing_is_sent_to_a_deleted_account(db, parent, sender, settings, push_service):
    device(db, parent, push_service)
    calendar.load_feed_body(
        db, source=feed(db, parent), body=ics(("a", at(25, 10), "Conference", "CONFIRMED")), now=NOW
    )
    assert rows(db, parent)
    accounts.delete_account(db, user=parent, settings=settings)
    assert db.exec(select(OutboxMessage)).all() == []
    assert send_due(db, sender, settings, at(25, 9)) == []
    assert push_service.received == []


def test_payload_stays_under_3kb(db, parent, sender, settings, push_service):
    notify.save_preferences(
        db, user_id=parent.id, reminders=[], quiet_start="", quiet_end="", discreet=False, now=NOW
    )
    device(db, parent, push_service)
    events = [
        (f"e{n}", at(25, 10) + dt.timedelta(hours=n), "Ŵ" * 290, "CONFIRMED") for n in range(20)
    ]
    calendar.load_feed_body(db, source=feed(db, parent), body=ics(*events), now=NOW)
    assert send_due(db, sender, settings, NOW) == ["sent"]
    assert len(push_service.received[0].text.encode()) <= MAX_PAYLOAD
    assert push_service.received[0].json["body"].endswith("…")
