"""A parent's journey through the production set-up — nginx with TLS (deploy/nginx), a
gunicorn instance (deploy/gunicorn.conf.py), a notification worker — then every log line
of every process is searched for what the journey put in: names, passphrase, appointment
text and place, a question, an uploaded file's words, search words, cookies, tokens, push
addresses and keys, and the address a forged header claimed. None may appear.

On the way, what the nginx site promises: HTTP goes to HTTPS, one HSTS header, static
files straight from disk for a year, bodies over the limit refused, and one request id in
nginx's line, the app's line and the response."""

import datetime as dt
import json
import re
import time

import pytest
from sqlmodel import Session, select

from app.accounts.models import Role
from app.agency import service as agency
from app.assets import publish
from app.consent.models import Permission
from app.db import make_engine
from app.notify.models import OutboxMessage, OutboxStatus
from tests import factories
from tests.conftest import migrate, settings_for
from tests.deploy.live import (
    Browser,
    Nginx,
    app_env,
    free_port,
    gunicorn,
    wait_until_ready,
    worker,
)  # fmt: skip
from tests.notify.push_service import PushService

NAME, DISPLAY = "zephyrine-q", "Zephyrine Quillfeather"
PASSPHRASE = "marmalade quokka thimble fjord"
SECRETS = {
    "summary": "Meeting with Dr Xanthippe Ollerenshaw",
    "location": "77 Quibblewick Lane",
    "question": "Will they take baby Pernilla away",
    "ics_summary": "Conference about Pernilla Quillfeather",
    "ics_location": "Grimsditch Family Centre",
    "search": "Quillfeather custody",
    "forged_address": "198.51.100.77",
    "booking_summary": "Home visit Yarrowby",
}
SOON = dt.date.today() + dt.timedelta(days=20)
CALENDAR = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\n"
    f"UID:journey-1@test\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:{SOON:%Y%m%d}T100000Z\r\n"
    f"DTEND:{SOON:%Y%m%d}T110000Z\r\nSUMMARY:{SECRETS['ics_summary']}\r\n"
    f"LOCATION:{SECRETS['ics_location']}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


@pytest.fixture
def deployment(tmp_path):
    url = f"sqlite:///{tmp_path / 'next_steps.db'}"
    settings = settings_for(url, tmp_path / "data")
    engine = make_engine(settings)
    migrate(engine)
    settings.vapid_key_pem()
    with Session(engine) as db:
        parent = factories.user(db, name=NAME, display_name=DISPLAY, passphrase=PASSPHRASE)
        staff = factories.user(db, Role.agency_staff, display_name="Agency Robot")
        link = factories.link(db, parent, staff, {Permission.edit_appointments.value})
        api_token = agency.create_token(db, user=staff, name="Booking system", now=factories.START)
        link_id = link.public_id
    push = PushService()
    publish(tmp_path / "public" / "static")
    env = app_env(
        url, tmp_path / "data", SECRET_KEY=settings.secret_key, PUSH_ALLOW_LOOPBACK="true",
        SECURE_COOKIES="true", TRUSTED_PROXIES="127.0.0.1",
    )  # fmt: skip
    port = free_port()
    app = gunicorn("app", port, env, tmp_path)
    notifier = worker("worker", env, tmp_path)
    nginx = Nginx(tmp_path / "nginx", upstreams=[port], static_root=tmp_path / "public")
    try:
        wait_until_ready(f"http://127.0.0.1:{port}/readyz", app)
        yield {
            "nginx": nginx, "push": push, "engine": engine, "api_token": api_token,
            "link": link_id, "processes": [app, notifier], "tmp": tmp_path,
        }  # fmt: skip
    finally:
        for process in (app, notifier):
            process.stop()
        nginx.stop()
        push.close()
        engine.dispose()


def test_a_journey_leaves_no_personal_data_in_any_log(deployment):
    nginx, push = deployment["nginx"], deployment["push"]
    browser = Browser(nginx.base, verify=str(nginx.cert))
    forged = {"X-Forwarded-For": SECRETS["forged_address"]}

    # What the site promises at its edge.
    plain = Browser(f"http://127.0.0.1:{nginx.http_port}")
    redirect = plain.get("/en/sign-in")
    assert redirect.status_code == 301 and redirect.headers["location"].startswith("https://")
    home = browser.get("/en/")
    assert home.headers.get_list("strict-transport-security") == [
        "max-age=63072000; includeSubDomains"
    ]
    css = re.search(r'href="(/static/css/app\.[0-9a-f]{10}\.css)"', home.text).group(1)
    static = browser.get(css)
    assert static.status_code == 200 and "x-request-id" not in static.headers, "from disk"
    assert static.headers["cache-control"] == "public, max-age=31536000, immutable"
    too_big = browser.request("POST", "/en/sign-in", content=b"x" * (7 * 1024 * 1024))
    assert too_big.status_code == 413

    # The journey.
    wrong = browser.sign_in(NAME, "not the passphrase at all", headers=forged)
    assert wrong.status_code == 400
    assert browser.sign_in(NAME, PASSPHRASE, headers=forged).status_code == 303
    added = browser.form("/en/calendar/sources", "/en/calendar/appointments", {
        "agency": "gp", "summary": SECRETS["summary"], "date": SOON.isoformat(),
        "start_time": "10:00", "end_time": "11:00", "location": SECRETS["location"],
    })  # fmt: skip
    assert added.status_code == 303, added.text[-1500:]
    asked = browser.form("/en/questions/", "/en/questions/", {"text": SECRETS["question"]})
    assert asked.status_code in (200, 303)
    browser.get("/en/calendar/sources")
    uploaded = browser.request(
        "POST", f"/en/calendar/sources/upload?csrftoken={browser.token}",
        data={"agency": "gp"}, files={"file": ("invite.ics", CALENDAR.encode(), "text/calendar")},
    )  # fmt: skip
    assert uploaded.status_code == 303, uploaded.text[-1500:]
    assert SECRETS["ics_summary"] in browser.get("/en/calendar/?past=true").text
    assert browser.get(f"/en/search?q={SECRETS['search']}").status_code == 200
    endpoint, keys = push.subscribe("journey-phone")
    browser.get("/en/account/notifications")
    subscribed = browser.request(
        "POST", "/en/account/notifications/subscribe",
        json={"endpoint": endpoint, "keys": {"p256dh": keys.p256dh, "auth": keys.auth}},
        headers={"x-csrftoken": browser.token},
    )  # fmt: skip
    assert subscribed.status_code == 200, subscribed.text
    feed_page = browser.form("/en/calendar/sources", "/en/calendar/subscribe", {})
    feed_token = re.search(r"/calendar/([A-Za-z0-9_-]{20,})\.ics", feed_page.text).group(1)
    assert b"BEGIN:VCALENDAR" in browser.get(f"/calendar/{feed_token}.ics").content
    booking = browser.http.put(
        f"{nginx.base}/api/v1/parents/{deployment['link']}/bookings/YB-1",
        headers={"Authorization": f"Bearer {deployment['api_token']}"},
        json={"agency": "health_visiting", "start": f"{SOON}T14:00:00Z",
              "end": f"{SOON}T15:00:00Z", "summary": SECRETS["booking_summary"]},
    )  # fmt: skip
    assert booking.status_code == 201, booking.text

    def sent() -> list[OutboxMessage]:
        with Session(deployment["engine"]) as db:
            return db.exec(
                select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.sent)
            ).all()

    # The worker marks the message sent after the push service has it: wait for both.
    deadline = time.monotonic() + 60
    while not (push.received and sent()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert push.received, "the worker sent the change notice"
    assert len(sent()) == 1
    session_cookie = browser.cookies["ns_session"]
    last_id = browser.get("/en/calendar/").headers["x-request-id"]
    browser.form("/en/account/sessions", "/en/account/sign-out", {})
    browser.close()
    plain.close()

    for process in deployment["processes"]:
        process.stop()
    nginx.stop()
    app_lines = [process.output() for process in deployment["processes"]]
    everything = "\n".join([*app_lines, nginx.all_logs()])
    looked_for = {
        **SECRETS, "name": NAME, "display": DISPLAY, "passphrase": PASSPHRASE,
        "session cookie": session_cookie, "csrf token": browser.token,
        "api token": deployment["api_token"], "feed token": feed_token,
        "push address": endpoint.rsplit("/", 1)[1], "p256dh": keys.p256dh, "auth": keys.auth,
        "link id": deployment["link"],
    }  # fmt: skip
    for what, value in looked_for.items():
        for piece in {value, *value.split()} - {"Dr", "with", "about", "take", "they", "Will"}:
            if len(piece) >= 5:
                assert piece.lower() not in everything.lower(), f"{what} ({piece}) in a log"

    # Every app line is one JSON object; the same request id in nginx, app and response.
    records = [json.loads(line) for text in app_lines for line in text.splitlines() if line.strip()]
    assert {"request", "notification worker started with 4 lanes"} <= {
        r["message"] for r in records
    }
    access = [r for r in records if r["logger"] == "next_steps.access"]
    assert len(access) > 20 and all(set(r) >= {"request_id", "route", "status"} for r in access)
    assert any(r["request_id"] == last_id for r in access)
    assert any(f"id={last_id}" in line for line in nginx.access_lines())
