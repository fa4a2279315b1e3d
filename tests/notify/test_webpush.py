"""The sender end to end: pywebpush encrypts and posts to a push service on loopback that
checks the VAPID signature (py_vapid) and decrypts the message (http_ece)."""

import json
import logging

import pytest

from app.forms import FormError
from app.notify.webpush import (
    Outcome,
    Push,
    Sender,
    VapidSigner,
    check_subscription,
    classify,
    parse_retry_after,
    public_key,
)
from app.settings import Settings

SUBJECT = "mailto:tests@nextsteps.example"


@pytest.fixture
def pem(tmp_path):
    return Settings(data_dir=tmp_path).vapid_key_pem()


@pytest.fixture
def sender(pem):
    made = Sender(private_pem=pem, subject=SUBJECT, timeout=5, allow_loopback=True)
    yield made
    made.close()


def test_a_message_arrives_signed_and_decrypts_to_the_text_sent(sender, push_service, pem):
    endpoint, browser = push_service.subscribe("phone")
    text = json.dumps({"title": "Atgoffa", "body": "Mae gennych apwyntiad yfory am 10:00 ✓"})
    result = sender.send(
        Push(endpoint, browser.p256dh, browser.auth, text.encode(), ttl=3600, urgency="high")
    )
    assert result.outcome == Outcome.sent and result.status == 201
    [got] = push_service.received
    assert got.text == text
    assert got.vapid_ok
    assert got.claims["sub"] == SUBJECT
    assert got.claims["aud"] == push_service.origin
    assert got.headers["ttl"] == "3600"
    assert got.headers["urgency"] == "high"
    assert got.headers["content-encoding"] == "aes128gcm"
    # The key browsers subscribed with is the one that signed.
    assert got.headers["authorization"].endswith("k=" + public_key(pem))


def test_many_at_once_each_arrive_once(sender, push_service):
    pushes = []
    for n in range(50):
        endpoint, browser = push_service.subscribe(f"p{n}")
        pushes.append(Push(endpoint, browser.p256dh, browser.auth, f"message {n}".encode(), 60))
    results = sender.send_many(pushes)
    assert [r.outcome for r in results] == [Outcome.sent] * 50
    assert sorted(r.text for r in push_service.received) == sorted(
        f"message {n}" for n in range(50)
    )


def test_vapid_header_is_signed_once_per_origin_with_fresh_claims(pem):
    signer = VapidSigner(pem, SUBJECT)
    first = signer.header("https://fcm.googleapis.com/fcm/send/a", now=1_000_000)
    assert signer.header("https://fcm.googleapis.com/fcm/send/b", now=1_000_100) == first
    other = signer.header("https://updates.push.services.mozilla.com/wpush/v2/x", now=1_000_100)
    assert other != first
    # Near expiry it is signed again.
    assert (
        signer.header("https://fcm.googleapis.com/fcm/send/a", now=1_000_000 + 12 * 3600 - 60)
        != first
    )


def test_every_send_has_a_timeout(pem, push_service):
    push_service.delay = 3
    endpoint, browser = push_service.subscribe("slow")
    quick = Sender(private_pem=pem, subject=SUBJECT, timeout=0.3, allow_loopback=True)
    try:
        result = quick.send(Push(endpoint, browser.p256dh, browser.auth, b"hi", 60))
    finally:
        quick.close()
    assert result.outcome == Outcome.retry and result.error == "timeout"


@pytest.mark.parametrize(
    "status,outcome",
    [
        (201, "sent"),
        (404, "gone"),
        (410, "gone"),
        (429, "retry"),
        (500, "retry"),
        (503, "retry"),
        (403, "refused"),
        (400, "refused"),
        (413, "refused"),
    ],
)
def test_answers_are_sorted(status, outcome):
    assert classify(status, None).outcome == outcome


def test_retry_after_in_seconds_or_as_a_date():
    assert parse_retry_after("120") == 120
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480 - 60) == 60
    assert parse_retry_after("soon") is None
    assert classify(429, "30").retry_after == 30


def test_only_push_services_are_accepted_as_addresses():
    bad = {"p256dh": "BAAA", "auth": "A" * 22}
    from tests.notify.push_service import Browser

    keys = Browser()
    check_subscription(
        endpoint="https://fcm.googleapis.com/fcm/send/x", p256dh=keys.p256dh, auth=keys.auth
    )
    for endpoint in (
        "http://fcm.googleapis.com/fcm/send/x",  # not https
        "https://10.0.0.5/push",  # inside our network
        "https://127.0.0.1/push",
        "https://fcm.googleapis.com.evil.example/x",
        "https://user:pw@fcm.googleapis.com/x",
    ):
        with pytest.raises(FormError):
            check_subscription(endpoint=endpoint, p256dh=keys.p256dh, auth=keys.auth)
    with pytest.raises(FormError):
        check_subscription(endpoint="https://fcm.googleapis.com/x", **bad)


def test_the_sender_refuses_an_address_it_should_never_post_to(pem, caplog):
    strict = Sender(private_pem=pem, subject=SUBJECT, timeout=1)
    try:
        result = strict.send(Push("http://127.0.0.1:9/push/x", "k", "a", b"hi", 60))
    finally:
        strict.close()
    assert result.outcome == Outcome.refused and result.error == "endpoint_not_allowed"


def test_vapid_subject_at_localhost_stops_start_up(tmp_path):
    for subject in (
        "mailto:admin@localhost",
        "https://localhost",
        "https://127.0.0.1/contact",
        "mailto:me@127.0.0.1",
        "http://nextsteps.example",
        "nextsteps",
    ):
        with pytest.raises(ValueError):
            Settings(data_dir=tmp_path, vapid_subject=subject)
    assert Settings(data_dir=tmp_path, vapid_subject="mailto:a@nextsteps.example").push_subject


def test_vapid_key_is_generated_once_into_the_data_folder(tmp_path):
    first = Settings(data_dir=tmp_path).vapid_key_pem()
    assert first == Settings(data_dir=tmp_path).vapid_key_pem()
    assert (tmp_path / "vapid_private_key.pem").stat().st_mode & 0o777 == 0o600
    assert len(public_key(first)) == 87  # 65 bytes, base64url


def test_without_a_subject_there_is_no_sender(tmp_path, caplog):
    from app.notify.webpush import sender_for

    caplog.set_level(logging.WARNING)
    assert sender_for(Settings(data_dir=tmp_path, public_origin="http://127.0.0.1:8000")) is None
    made = sender_for(Settings(data_dir=tmp_path, public_origin="https://nextsteps.example"))
    assert made is not None and made.signer.subject == "https://nextsteps.example"
    made.close()
