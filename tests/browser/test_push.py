"""Notifications in Chromium on a phone: the page (with axe-core), turning this device on
and off with a stubbed PushManager (a real subscribe() cannot reach a vendor's push
service here), and the service worker's push handler fed through DevTools."""

import json
import re

import pytest
from sqlmodel import Session, select

from app.accounts.models import Role
from app.accounts.service import get_or_create_user
from app.notify.models import PushSubscription
from tests.browser.conftest import axe_violations, screenshot
from tests.notify.push_service import Browser

pytestmark = pytest.mark.browser
PASSPHRASE = "kettle river purple moon"
KEYS = Browser()

# Stands in for the browser vendor's push service: remembers the subscription in
# sessionStorage so it survives the page's reload, and what subscribe() was asked.
STUB = """
(() => {
  const keys = KEYS_JSON;
  const make = () => ({
    endpoint: "http://127.0.0.1:9/push/browser-test",
    toJSON() { return { endpoint: this.endpoint, expirationTime: null, keys: keys }; },
    unsubscribe() { sessionStorage.removeItem("stub-sub"); return Promise.resolve(true); },
  });
  PushManager.prototype.getSubscription = function () {
    return Promise.resolve(sessionStorage.getItem("stub-sub") ? make() : null);
  };
  PushManager.prototype.subscribe = function (options) {
    const key = btoa(String.fromCharCode(...new Uint8Array(options.applicationServerKey)));
    const asked = { visible: options.userVisibleOnly, key: key };
    sessionStorage.setItem("stub-sub", JSON.stringify(asked));
    return Promise.resolve(make());
  };
})();
""".replace("KEYS_JSON", json.dumps({"p256dh": KEYS.p256dh, "auth": KEYS.auth}))


@pytest.fixture
def push_parent(live_app, live_server):
    settings = live_app.state.settings
    settings.push_allow_loopback = True  # the stub's address is on loopback
    with Session(live_app.state.engine) as session:
        get_or_create_user(
            session,
            username="push-parent",
            display_name="Pat",
            role=Role.parent,
            organisation=None,
            passphrase=PASSPHRASE,
        )
        session.commit()
    yield "push-parent"
    settings.push_allow_loopback = False


def wait_for_worker(page) -> None:
    """Until the service worker controls the page (evaluated: the CSP forbids eval), then
    load the page again: on this branch app.js reloads when a worker first takes control."""
    from playwright.sync_api import Error

    while True:
        try:
            if page.evaluate("navigator.serviceWorker.controller !== null"):
                break
        except Error:  # the page reloaded under us
            pass
        page.wait_for_timeout(50)
    page.goto(page.url)


def sign_in(page, live_server, name):
    # The service worker first: on this branch app.js reloads the page when a worker
    # first takes control, which would empty the form half way through.
    page.goto(f"{live_server}/en/")
    wait_for_worker(page)
    page.goto(f"{live_server}/en/sign-in")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Passphrase", exact=True).fill(PASSPHRASE)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(re.compile(r".*/en/account/$"))


def devices(live_app) -> list[str]:
    with Session(live_app.state.engine) as session:
        return list(session.exec(select(PushSubscription.endpoint)))


def test_turn_notifications_on_and_off_on_a_phone(
    context, page, live_server, live_app, push_parent
):
    context.add_init_script(STUB)
    context.grant_permissions(["notifications"], origin=live_server)
    sign_in(page, live_server, push_parent)
    page.get_by_role("link", name="Notifications and reminders").click()
    page.wait_for_url(f"{live_server}/en/account/notifications")
    assert page.locator("h1").inner_text() == "Notifications"
    status = page.locator("[data-push-status]")
    page.get_by_role("button", name="Turn on notifications on this device").wait_for()
    assert status.inner_text() == "Notifications are off for this device."
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert axe_violations(page) == []

    page.get_by_role("button", name="Turn on notifications on this device").click()
    page.get_by_role("button", name="Turn off notifications on this device").wait_for()
    assert status.inner_text() == "Notifications are on for this device."
    asked = json.loads(page.evaluate("sessionStorage.getItem('stub-sub')"))
    key = page.locator("[data-push]").get_attribute("data-public-key")
    assert asked["visible"] is True
    assert asked["key"].rstrip("=") == key.replace("-", "+").replace("_", "/")
    assert devices(live_app) == ["http://127.0.0.1:9/push/browser-test"]
    assert page.locator(".item-list .item").count() == 1
    assert axe_violations(page) == []
    screenshot(page, "notifications-en-390")

    page.get_by_role("button", name="Turn off notifications on this device").click()
    page.get_by_role("button", name="Turn on notifications on this device").wait_for()
    assert devices(live_app) == []
    assert page.locator(".item-list .item").count() == 0


def registration_id(page) -> str:
    """The service worker's registration, as DevTools names it."""
    cdp = page.context.new_cdp_session(page)
    found = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: found.extend(r["registrationId"] for r in event["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    while not found:
        page.wait_for_timeout(50)
    return cdp, found[0]


def shown(page) -> list[dict]:
    return page.evaluate(
        """navigator.serviceWorker.ready
          .then((r) => r.getNotifications())
          .then((list) => list.map((n) => ({title: n.title, body: n.body, tag: n.tag,
                                            lang: n.lang, url: n.data && n.data.url})))"""
    )


def test_the_worker_shows_a_pushed_message_once(context, page, live_server):
    context.grant_permissions(["notifications"], origin=live_server)
    page.goto(f"{live_server}/en/")
    wait_for_worker(page)
    cdp, registration = registration_id(page)
    message = {
        "title": "Reminder",
        "body": "You have an appointment tomorrow at 10:00",
        "url": "/en/calendar/appointments/7",
        "tag": "ns-0123456789abcdef",
        "lang": "en",
        "dir": "ltr",
    }
    evil = {**message, "tag": "ns-other", "url": "https://elsewhere.example/"}
    # The same message twice, then another: pushes are handled in order, so once the last
    # is shown the second copy has been handled too.
    for data in (message, message, evil):
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {"origin": live_server, "registrationId": registration, "data": json.dumps(data)},
        )
    while "ns-other" not in {n["tag"] for n in shown(page)}:
        page.wait_for_timeout(50)
    notifications = sorted(shown(page), key=lambda n: n["tag"])
    assert notifications[0] == {
        "title": "Reminder",
        "body": "You have an appointment tomorrow at 10:00",
        "tag": "ns-0123456789abcdef",
        "lang": "en",
        "url": "/en/calendar/appointments/7",
    }
    assert len(notifications) == 2, "the second copy replaced the first"
    # A message can only open a page on this site.
    assert notifications[1]["url"] == "/"
