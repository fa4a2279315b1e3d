"""'Push, then text if my phone hasn't shown it', with a controlled clock: the push goes to
a loopback push service that decrypts it, the service worker's acknowledgement is the
real route, and the text goes through the real Notify client to a loopback Notify."""

import datetime as dt
import json

import pytest

from app.clock import as_utc
from app.notify.channels import build
from app.notify.models import Channel, OutboxStatus
from app.notify.webpush import Sender
from tests import factories
from tests.notify.notify_service import API_KEY
from tests.notify.test_channels import (
    ORIGIN,
    appointment,
    choose,
    confirm_phone,
    rows,
    run_due,
)
from tests.notify.test_outbox import device

START = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)  # reminders_by: 2 hours before
DUE = START - dt.timedelta(hours=2)


@pytest.fixture
def sender(settings):
    made = Sender(private_pem=settings.vapid_key_pem(), subject="mailto:t@nextsteps.example",
                  allow_loopback=True)  # fmt: skip
    yield made
    made.close()


def site_with(settings, notify_service, sender, minutes: int):
    here = settings.model_copy(
        update={
            "notify_api_key": API_KEY, "notify_base_url": notify_service.base_url,
            "notify_sms_template_id": "sms", "public_origin": ORIGIN,
            "fallback_reminder_minutes": minutes, "push_allow_loopback": True,
        }
    )  # fmt: skip
    return here, build(here, push_sender=sender)


@pytest.fixture
def parent(db):
    return factories.user(db)


def ready(db, parent, site, notify_service, push_service):
    device(db, parent, push_service)
    confirm_phone(db, parent, site, notify_service)
    choose(db, parent, reminders_by="push_then_text")
    appointment(db, parent, START)
    planned = rows(db, parent)
    assert [(r.channel, json.loads(r.data).get("after_push", False)) for r in planned] == [
        (Channel.push, False),
        (Channel.text, True),
    ]


def test_shown_on_the_phone_means_no_text(
    client, db, parent, settings, notify_service, push_service, sender
):
    site = site_with(settings, notify_service, sender, 30)
    ready(db, parent, site, notify_service, push_service)
    assert run_due(db, site, DUE) == ["sent", "pending"]
    [shown] = push_service.received
    assert set(shown.json) == {"title", "body", "url", "tag", "lang", "dir", "id"}
    # What the service worker posts once it has shown the notification: no cookies.
    client.cookies.clear()
    response = client.post("/notify/shown", json={"id": shown.json["id"]})
    assert response.status_code == 204
    assert run_due(db, site, DUE + dt.timedelta(minutes=30)) == ["cancelled"]
    text = rows(db, parent, Channel.text)[0]
    assert text.last_error == "shown"
    assert len(notify_service.texts()) == 1, "only the confirmation code"


def test_not_shown_means_one_text_at_the_right_time(
    db, parent, settings, notify_service, push_service, sender
):
    site = site_with(settings, notify_service, sender, 30)
    ready(db, parent, site, notify_service, push_service)
    assert run_due(db, site, DUE) == ["sent", "pending"]
    text = rows(db, parent, Channel.text)[0]
    assert as_utc(text.due_at) == DUE + dt.timedelta(minutes=30)
    assert run_due(db, site, DUE + dt.timedelta(minutes=29)) == []
    assert run_due(db, site, DUE + dt.timedelta(minutes=30)) == ["sent"]
    assert run_due(db, site, DUE + dt.timedelta(minutes=90)) == []
    texts = notify_service.texts()
    assert len(texts) == 2 and texts[1].personalisation["body"].startswith(
        "You have an appointment today at 10:00"
    )


def test_never_after_the_appointment_has_started(
    db, parent, settings, notify_service, push_service, sender
):
    site = site_with(settings, notify_service, sender, 150)  # 08:00 + 2½ h is past 10:00
    ready(db, parent, site, notify_service, push_service)
    assert run_due(db, site, DUE) == ["sent", "cancelled"]
    assert rows(db, parent, Channel.text)[0].last_error == "too_late"
    assert run_due(db, site, START + dt.timedelta(minutes=30)) == []
    assert len(notify_service.texts()) == 1


def test_no_push_possible_means_the_text_goes_at_once(
    db, parent, settings, notify_service, push_service, sender
):
    site = site_with(settings, notify_service, sender, 30)
    ready(db, parent, site, notify_service, push_service)
    push_service.script.append((410, {}))  # the browser unsubscribed
    assert run_due(db, site, DUE) == ["failed", "sent"]
    assert len(notify_service.texts()) == 2
    assert rows(db, parent, Channel.push)[0].status == OutboxStatus.failed
