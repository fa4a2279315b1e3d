"""Texts and emails end to end: the real GOV.UK Notify client against a loopback Notify
that checks its JWT, and a real SMTP server (aiosmtpd) on loopback; codes, wording,
languages, links, one delivery each, faults, callbacks and caps (SQLite and PostgreSQL)."""

import datetime as dt
import json
import logging
import re

import pytest
from sqlmodel import select

from app.accounts.models import Role
from app.calendar.models import Agency, Appointment
from app.clock import as_utc
from app.forms import FormError
from app.notify import planning
from app.notify import service as notify
from app.notify.channels import build
from app.notify.models import (
    AddressKind,
    Channel,
    NotifyAddress,
    OutboxMessage,
    OutboxStatus,
)
from app.notify.outbox import claim_one
from app.notify.worker import deliver
from tests import factories
from tests.notify.notify_service import API_KEY

# Monday 23 November 2026, 09:00 UTC (London: GMT).
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
ORIGIN = "https://nextsteps.example"


@pytest.fixture
def site(settings, notify_service, mailbox):
    """Settings and channels for a site with texts through Notify and email through SMTP."""
    here = settings.model_copy(
        update={
            "notify_api_key": API_KEY, "notify_base_url": notify_service.base_url,
            "notify_sms_template_id": "sms-template", "smtp_host": "127.0.0.1",
            "smtp_port": mailbox.port, "smtp_tls": "none", "smtp_from": "noreply@example.org",
            "public_origin": ORIGIN, "texts_per_parent_per_day": 6, "texts_monthly_budget": 0,
        }
    )  # fmt: skip
    return here, build(here)


@pytest.fixture
def parent(db):
    return factories.user(db)


def code_in(text: str) -> str:
    return re.search(r"\b(\d{6})\b", text).group(1)


def confirm_phone(db, parent, site, notify_service, number="07700 900982"):
    _, channels = site
    notify.add_address(db, user_id=parent.id, kind=AddressKind.phone, value=number,
                       channels=channels, locale=parent.locale or "en", now=NOW)  # fmt: skip
    code = code_in(notify_service.texts()[-1].personalisation["body"])
    notify.confirm_address(db, user_id=parent.id, kind=AddressKind.phone, code=code, now=NOW)


def confirm_email(db, parent, site, mailbox, address="sam@example.org"):
    _, channels = site
    notify.add_address(db, user_id=parent.id, kind=AddressKind.email, value=address,
                       channels=channels, locale=parent.locale or "en", now=NOW)  # fmt: skip
    code = code_in(mailbox.messages[-1].get_body(("plain",)).get_content())
    notify.confirm_address(db, user_id=parent.id, kind=AddressKind.email, code=code, now=NOW)


def choose(db, parent, **ways):
    notify.save_preferences(
        db, user_id=parent.id, reminders=["120"], quiet_start="", quiet_end="", discreet=True,
        now=NOW, ways={"reminders_by": "push", "changes_by": "push", "shared_by": "push", **ways},
    )  # fmt: skip


def appointment(db, parent, start, summary="Child protection conference"):
    made = Appointment(
        parent_id=parent.id, match_key=f"{start.isoformat()}|", summary=summary,
        agency=Agency.child_protection_conference, start=start,
        end=start + dt.timedelta(hours=1), location="Civic Centre",
    )  # fmt: skip
    db.add(made)
    db.flush()
    planning.plan_reminders(db, user_id=parent.id, now=NOW)
    db.commit()
    return made


def run_due(db, site, now) -> list[str]:
    settings, channels = site
    done = []
    while (message := claim_one(db, now=now)) is not None:
        done.append(deliver(db, message=message, sender=None, settings=settings, now=now,
                            channels=channels))  # fmt: skip
    db.rollback()
    return done


def rows(db, parent, channel=None):
    query = select(OutboxMessage).where(OutboxMessage.user_id == parent.id)
    if channel:
        query = query.where(OutboxMessage.channel == channel)
    return list(db.exec(query.order_by(OutboxMessage.id)))


# Codes ---------------------------------------------------------------------------------


def test_a_number_is_confirmed_by_the_code_sent_to_it(db, parent, site, notify_service):
    _, channels = site
    notify.add_address(db, user_id=parent.id, kind=AddressKind.phone, value="+44 7700 900982",
                       channels=channels, locale="en", now=NOW)  # fmt: skip
    [sent] = notify_service.texts()
    assert sent.to == "+447700900982" and sent.template_id == "sms-template"
    code = code_in(sent.personalisation["body"])
    assert (
        sent.personalisation["body"] == f"Your Next Steps code is {code}. It works for 15 minutes."
    )
    address = db.exec(select(NotifyAddress)).one()
    assert address.confirmed_at is None and code not in (address.code_hash or "")
    # Nothing but the code goes to it before it is confirmed.
    choose(db, parent, reminders_by="text")
    appointment(db, parent, NOW + dt.timedelta(days=1))
    assert rows(db, parent, Channel.text) == []
    notify.confirm_address(db, user_id=parent.id, kind=AddressKind.phone, code=code, now=NOW)
    assert db.exec(select(NotifyAddress)).one().confirmed_at is not None
    assert len(rows(db, parent, Channel.text)) == 1, "planned once confirmed"


def test_wrong_codes_are_limited_and_codes_run_out(db, parent, site, notify_service):
    _, channels = site
    notify.add_address(db, user_id=parent.id, kind=AddressKind.phone, value="07700900982",
                       channels=channels, locale="en", now=NOW)  # fmt: skip
    code = code_in(notify_service.texts()[-1].personalisation["body"])
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(FormError) as error:
            notify.confirm_address(
                db, user_id=parent.id, kind=AddressKind.phone, code=wrong, now=NOW
            )
        assert "not right" in error.value.errors["code"].text
    with pytest.raises(FormError) as error:  # even the right code, once five were wrong
        notify.confirm_address(db, user_id=parent.id, kind=AddressKind.phone, code=code, now=NOW)
    assert "Too many wrong codes" in error.value.errors["code"].text
    notify.send_new_code(db, user_id=parent.id, kind=AddressKind.phone, channels=channels,
                         locale="en", now=NOW)  # fmt: skip
    fresh = code_in(notify_service.texts()[-1].personalisation["body"])
    later = NOW + dt.timedelta(minutes=16)
    with pytest.raises(FormError) as error:
        notify.confirm_address(db, user_id=parent.id, kind=AddressKind.phone, code=fresh, now=later)
    assert "run out" in error.value.errors["code"].text
    # A third code this hour is the last.
    notify.send_new_code(db, user_id=parent.id, kind=AddressKind.phone, channels=channels,
                         locale="en", now=NOW)  # fmt: skip
    with pytest.raises(FormError) as error:
        notify.send_new_code(db, user_id=parent.id, kind=AddressKind.phone, channels=channels,
                             locale="en", now=NOW)  # fmt: skip
    assert "wait an hour" in error.value.errors["phone"].text


def test_bad_numbers_and_addresses_are_refused_in_words(db, parent, site):
    _, channels = site
    with pytest.raises(FormError) as error:
        notify.add_address(db, user_id=parent.id, kind=AddressKind.phone, value="0207 946 0000",
                           channels=channels, locale="en", now=NOW)  # fmt: skip
    assert "UK mobile" in error.value.errors["phone"].text
    with pytest.raises(FormError):
        notify.add_address(db, user_id=parent.id, kind=AddressKind.email, value="not-an-address",
                           channels=channels, locale="en", now=NOW)  # fmt: skip


# Texts ---------------------------------------------------------------------------------


def test_a_reminder_by_text_is_discreet_english_with_a_link_in_their_language(
    db, parent, site, notify_service
):
    parent.locale = "pl"
    db.add(parent)
    db.commit()
    confirm_phone(db, parent, site, notify_service)
    choose(db, parent, reminders_by="text")
    visit = appointment(db, parent, dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC))
    assert run_due(db, site, NOW) == []
    due = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)
    assert run_due(db, site, due) == ["sent"]
    [text] = notify_service.texts()[1:]
    assert text.personalisation["body"] == (
        f"You have an appointment today at 10:00\n{ORIGIN}/pl/calendar/appointments/{visit.id}"
    )
    assert "Child protection" not in text.personalisation["body"]
    assert run_due(db, site, due + dt.timedelta(hours=1)) == [], "once"
    assert len(notify_service.texts()) == 2
    assert notify_service.refused_tokens == 0


def test_a_welsh_parent_gets_welsh_texts(db, parent, site, notify_service):
    parent.locale = "cy"
    db.add(parent)
    db.commit()
    confirm_phone(db, parent, site, notify_service)
    assert notify_service.texts()[0].personalisation["body"].startswith("Eich cod Next Steps yw")
    choose(db, parent, reminders_by="text")
    visit = appointment(db, parent, dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC))
    run_due(db, site, dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC))
    body = notify_service.texts()[-1].personalisation["body"]
    assert body.endswith(f"{ORIGIN}/cy/calendar/appointments/{visit.id}")
    assert body.startswith("Mae gennych chi apwyntiad heddiw am 10:00\n"), body


def test_notify_faults(db, parent, site, notify_service):
    confirm_phone(db, parent, site, notify_service)
    choose(db, parent, reminders_by="text")
    appointment(db, parent, dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC))
    due = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)
    notify_service.fail_next(429, 500)
    run_due(db, site, due)
    [row] = rows(db, parent, Channel.text)
    assert row.status == OutboxStatus.pending and row.attempts == 1 and as_utc(row.due_at) > due
    assert row.last_error == "notify_429"
    run_due(db, site, as_utc(row.due_at))
    db.refresh(row)
    assert row.attempts == 2 and row.last_error == "notify_500"
    run_due(db, site, as_utc(row.due_at))
    db.refresh(row)
    assert row.status == OutboxStatus.sent and len(notify_service.texts()) == 2


def test_an_invalid_number_stops_texts_and_the_page_says_so(
    client, db, parent, site, notify_service
):
    confirm_phone(db, parent, site, notify_service)
    choose(db, parent, reminders_by="text")
    appointment(db, parent, dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC))
    notify_service.fail_next(400)
    assert run_due(db, site, dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)) == ["failed"]
    address = db.exec(select(NotifyAddress)).one()
    assert address.failed_at is not None and address.failure == "invalid_address"
    client.app.state.channels = site[1]
    factories.sign_in_as(client, db, parent)
    _, soup = client.page("/en/account/notifications")
    assert "did not arrive" in soup.select_one("#phone").get_text()


def test_a_403_fails_the_message_and_keeps_the_number(db, parent, site, notify_service, caplog):
    confirm_phone(db, parent, site, notify_service)
    choose(db, parent, reminders_by="text")
    appointment(db, parent, dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC))
    notify_service.fail_next(403)
    with caplog.at_level(logging.ERROR, logger="next_steps.notify"):
        assert run_due(db, site, dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)) == ["failed"]
    assert "NOTIFY REFUSED (403)" in caplog.text and "07700" not in caplog.text
    assert db.exec(select(NotifyAddress)).one().failed_at is None


def test_removing_the_number_stops_everything_at_once(db, parent, site, notify_service):
    confirm_phone(db, parent, site, notify_service)
    choose(db, parent, reminders_by="text", changes_by="text")
    appointment(db, parent, dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC))
    assert [r.status for r in rows(db, parent, Channel.text)] == [OutboxStatus.pending]
    notify.remove_address(db, user_id=parent.id, kind=AddressKind.phone, now=NOW)
    assert [r.last_error for r in rows(db, parent, Channel.text)] == ["address_removed"]
    assert run_due(db, site, dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)) == []
    assert len(notify_service.texts()) == 1  # the code only
    assert db.exec(select(NotifyAddress)).all() == []


def test_the_daily_cap_and_the_monthly_budget(db, parent, site, notify_service, caplog):
    settings, _ = site
    capped = settings.model_copy(update={"texts_per_parent_per_day": 1, "texts_monthly_budget": 3})
    site = (capped, build(capped))
    confirm_phone(db, parent, site, notify_service)  # one text: the code
    choose(db, parent, reminders_by="text")
    day = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)
    for hour in (10, 11):
        appointment(db, parent, day.replace(hour=hour + 2))
    run_due(db, site, day.replace(hour=11))  # both due: one goes, the cap holds the other
    texts = rows(db, parent, Channel.text)
    # Held to the next day, which is after its appointment: it does not go at all.
    assert [r.status for r in texts] == [OutboxStatus.sent, OutboxStatus.cancelled]
    assert texts[1].last_error == "too_late"
    db.rollback()
    # The site's budget: 3 a month (two codes and one reminder so far): spent, with a
    # warning in the log, and the rest held back.
    other = factories.user(db)
    with caplog.at_level(logging.WARNING, logger="next_steps.notify"):
        confirm_phone(db, other, site, notify_service, number="07700 900983")  # text 3
    assert "texts budget nearly spent: 3 of 3" in caplog.text
    choose(db, other, reminders_by="text")
    appointment(db, other, day.replace(hour=13))
    appointment(db, other, day.replace(hour=14))
    with caplog.at_level(logging.WARNING, logger="next_steps.notify"):
        run_due(db, site, day.replace(hour=12, minute=30))
    assert "TEXT BUDGET SPENT" in caplog.text
    assert [r.last_error for r in rows(db, other, Channel.text)] == ["budget", "budget"]
    assert len(notify_service.texts()) == 3


def test_callbacks_need_the_token_and_show_on_the_page(client, db, parent, site, notify_service):
    settings, channels = site
    confirm_phone(db, parent, site, notify_service)
    choose(db, parent, reminders_by="text")
    appointment(db, parent, dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC))
    run_due(db, site, dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC))
    [row] = rows(db, parent, Channel.text)
    body = {"id": row.provider_ref, "reference": str(row.id), "status": "delivered",
            "to": "07700900982", "notification_type": "sms"}  # fmt: skip
    token = "callback-token-0123456789"
    client.app.state.settings = client.app.state.settings.model_copy(
        update={"notify_callback_token": token}
    )
    url = "/notify/callbacks/status"
    assert client.post(url, json=body).status_code == 401
    wrong = client.post(url, json=body, headers={"authorization": "Bearer nope-nope-nope-nope"})
    assert wrong.status_code == 401
    db.refresh(row)
    assert row.delivery_status is None
    good = client.post(url, json=body, headers={"authorization": f"Bearer {token}"})
    assert good.status_code == 204
    db.refresh(row)
    assert row.delivery_status == "delivered"
    client.app.state.channels = channels
    factories.sign_in_as(client, db, parent)
    _, soup = client.page("/en/account/notifications")
    assert "delivered" in soup.select_one("[data-recent]").get_text()
    # A permanent failure stops texts to that number.
    body["status"] = "permanent-failure"
    client.post(url, json=body, headers={"authorization": f"Bearer {token}"})
    db.expire_all()
    assert db.exec(select(NotifyAddress)).one().failed_at is not None


# Email ---------------------------------------------------------------------------------


def test_an_email_by_smtp_is_in_their_language_plain_and_simple(db, parent, site, mailbox):
    parent.locale = "es"
    db.add(parent)
    db.commit()
    confirm_email(db, parent, site, mailbox)
    choose(db, parent, reminders_by="email")
    visit = appointment(db, parent, dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC))
    assert run_due(db, site, dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)) == ["sent"]
    assert len(mailbox.messages) == 2  # the code, then the reminder
    email = mailbox.messages[-1]
    assert email["To"] == "sam@example.org" and email["Content-Language"] == "es"
    plain = email.get_body(("plain",)).get_content()
    html = email.get_body(("html",)).get_content()
    assert "Child protection" not in plain and "10:00" in plain
    assert plain != "You have an appointment today at 10:00\n"
    assert f"{ORIGIN}/es/calendar/appointments/{visit.id}" in plain
    assert "<img" not in html and 'lang="es"' in html and "http" in html
    assert run_due(db, site, dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)) == []
    assert len(mailbox.messages) == 2


def test_smtp_refusals(db, parent, site, mailbox):
    confirm_email(db, parent, site, mailbox)
    choose(db, parent, reminders_by="email")
    appointment(db, parent, dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC))
    due = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)
    mailbox.refuse["sam@example.org"] = "451 4.3.0 Try again later"
    run_due(db, site, due)
    [row] = rows(db, parent, Channel.email)
    assert row.status == OutboxStatus.pending and row.last_error == "smtp_451"
    mailbox.refuse["sam@example.org"] = "550 5.1.1 Mailbox does not exist"
    assert run_due(db, site, as_utc(row.due_at)) == ["failed"]
    address = db.exec(select(NotifyAddress).where(NotifyAddress.kind == AddressKind.email)).one()
    assert address.failure == "mailbox_refused"


def test_email_through_notify(db, parent, site, notify_service):
    settings, _ = site
    by_notify = settings.model_copy(update={"smtp_host": "", "notify_email_template_id": "em"})
    site = (by_notify, build(by_notify))
    _, channels = site
    notify.add_address(db, user_id=parent.id, kind=AddressKind.email, value="Sam@Example.ORG",
                       channels=channels, locale="en", now=NOW)  # fmt: skip
    [sent] = [r for r in notify_service.received if r.kind == "email"]
    assert sent.to == "Sam@example.org" and sent.template_id == "em"
    assert sent.personalisation["subject"] == "Your Next Steps code"


def test_one_wrong_code_then_the_right_one(client, db, parent, site, notify_service):
    client.app.state.channels = site[1]
    factories.sign_in_as(client, db, parent)
    url = "/en/account/notifications/addresses/phone"
    assert factories.post(client, url, {"phone": "07700 900 982"}).status_code == 303
    code = code_in(notify_service.texts()[-1].personalisation["body"])
    wrong = "000000" if code != "000000" else "1"
    answer = factories.post(client, f"{url}/confirm", {"phone_code": wrong})
    assert answer.status_code == 400
    assert "That code is not right" in answer.text
    right = factories.post(client, f"{url}/confirm", {"phone_code": code})
    assert right.status_code == 303, right.text[:3000]


def test_quiet_hours_hold_texts_too(db, parent, site, notify_service):
    confirm_phone(db, parent, site, notify_service)
    notify.save_preferences(
        db, user_id=parent.id, reminders=["60"], quiet_start="21:00", quiet_end="07:00",
        discreet=True, now=NOW, ways={"reminders_by": "text"},
    )  # fmt: skip
    appointment(db, parent, dt.datetime(2026, 11, 24, 7, 30, tzinfo=dt.UTC))
    [row] = rows(db, parent, Channel.text)
    assert as_utc(row.due_at) == dt.datetime(2026, 11, 24, 7, 0, tzinfo=dt.UTC)
    assert run_due(db, site, dt.datetime(2026, 11, 24, 6, 30, tzinfo=dt.UTC)) == []
    assert run_due(db, site, dt.datetime(2026, 11, 24, 7, 0, tzinfo=dt.UTC)) == ["sent"]


def test_the_export_has_the_number_and_how_each_kind_is_sent(db, parent, site, notify_service):
    confirm_phone(db, parent, site, notify_service)
    choose(db, parent, reminders_by="push_then_text")
    exported = notify.export(db, user=parent)
    assert exported["how_each_kind_is_sent"]["reminders_by"] == "push_then_text"
    [phone] = exported["phone_and_email"]
    assert phone["address"] == "+447700900982" and phone["confirmed_at"]
    assert "code" not in json.dumps(exported)


@pytest.mark.parametrize("path,form", [
    ("/en/account/notifications/addresses/fax", {"phone": "07700900982"}),
    ("/en/account/notifications/addresses/phone", {"phone": "0" * 300}),
    ("/en/account/notifications/addresses/email", {"email": "@" * 300}),
    ("/en/account/notifications/addresses/phone/confirm", {"phone_code": "x" * 20}),
    ("/en/account/notifications/addresses/email/new-code", {}),
    ("/en/account/notifications/addresses/phone/remove", {}),
    ("/en/account/notifications", {"reminders_by": "fax", "changes_by": "x" * 20}),
])  # fmt: skip
def test_hostile_values_never_give_a_500(client, db, parent, site, path, form):
    client.app.state.channels = site[1]
    factories.sign_in_as(client, db, parent)
    response = factories.post(client, path, form)
    assert response.status_code in (303, 400, 404, 422), (path, response.status_code)


def test_hostile_acknowledgements_and_callbacks(client):
    for body in (b"not json", b"[]", b'{"id": 7}', b'{"id": "' + b"x" * 5000 + b'"}'):
        assert client.post("/notify/shown", content=body).status_code == 204
    assert client.post("/notify/callbacks/status", content=b"{").status_code == 401


@pytest.mark.parametrize("locale", ["en", "ar", "cy"])
def test_the_page_with_a_number_waiting_and_an_address_confirmed(
    client, db, parent, site, notify_service, mailbox, locale
):
    client.app.state.channels = site[1]
    _, channels = site
    notify.add_address(db, user_id=parent.id, kind=AddressKind.phone, value="07700900982",
                       channels=channels, locale=locale, now=NOW)  # fmt: skip
    confirm_email(db, parent, site, mailbox)
    factories.sign_in_as(client, db, parent)
    response, soup = client.page(f"/{locale}/account/notifications")
    assert response.status_code == 200
    assert soup.select_one("#f-phone_code") is not None, "the code field for the number"
    assert soup.select_one("#email form[action$='/email/remove']") is not None
    assert len(soup.select("input[type=radio][name=reminders_by]")) == 4


def test_shared_with_you_by_email_in_their_language(db, parent, site, mailbox):
    from app.resources import service as resources
    from tests.resources.test_service import NATIONAL

    parent.locale = "pl"
    db.add(parent)
    db.commit()
    confirm_email(db, parent, site, mailbox)
    choose(db, parent, shared_by="email")
    worker = factories.user(db, Role.supporter, display_name="Jo")
    pack = resources.make_pack(
        db, author=worker, national=NATIONAL, title="Legal help for Sam", note="",
        refs=["civil-legal-advice"], locale="en", now=NOW,
    )  # fmt: skip
    resources.deliver_pack(db, pack=pack, parent=parent, sender=worker, now=NOW)
    assert [r.channel for r in rows(db, parent)] == [Channel.email]
    assert run_due(db, site, NOW) == ["sent"]
    email = mailbox.messages[-1]
    plain = email.get_body(("plain",)).get_content()
    assert "Legal" not in plain and "Jo" not in plain, "discreet by default"
    assert f"{ORIGIN}/pl/resources/shared" in plain and email["Content-Language"] == "pl"
