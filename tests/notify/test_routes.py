"""The notifications page and the calls push.js makes, on SQLite and PostgreSQL."""

import json

from sqlmodel import select

from app.accounts.models import Role
from app.notify.models import NotificationPreferences, PushSubscription
from tests import factories
from tests.factories import csrf, post
from tests.notify.push_service import Browser

URL = "/en/account/notifications"


def subscription(name="a") -> dict:
    keys = Browser()
    return {
        "endpoint": f"https://fcm.googleapis.com/fcm/send/{name}",
        "keys": {"p256dh": keys.p256dh, "auth": keys.auth},
    }


def send_json(client, url, body, *, token=None):
    token = token or csrf(client)
    return client.post(
        url,
        content=json.dumps(body),
        headers={"content-type": "application/json", "x-csrftoken": token},
        follow_redirects=False,
    )


def test_the_page_for_a_parent(client, db):
    parent = factories.user(db)
    factories.sign_in_as(client, db, parent)
    response, soup = client.page(URL)
    assert soup.h1.get_text() == "Notifications"
    assert response.headers["cache-control"] == "no-store"
    root = soup.select_one("[data-push]")
    assert len(root["data-public-key"]) == 87
    assert root["data-subscribe"] == f"{URL}/subscribe"
    assert "x-csrftoken" in soup.body["hx-headers"]
    checked = {i["value"] for i in soup.select("input[name=reminders][checked]")}
    assert checked == {"evening", "120"}
    assert soup.select_one("#f-discreet").has_attr("checked"), "discreet by default"
    assert "Add to Home Screen" in soup.select_one("[data-push-ios]").get_text()
    assert any(s["src"].startswith("/static/js/push.") for s in soup.select("script[src]"))


def test_subscribe_lists_the_device_and_unsubscribe_forgets_it(client, db):
    parent = factories.user(db)
    factories.sign_in_as(client, db, parent)
    body = subscription()
    response = send_json(client, f"{URL}/subscribe", body)
    assert response.status_code == 200, response.text
    assert response.json()["message"] == "Notifications are on for this device."
    _, soup = client.page(URL, headers={"user-agent": "Mozilla/5.0 (Linux; Android 14) Chrome/130"})
    [item] = soup.select(".item-list .item")
    assert "Remove" in item.get_text()
    # The same browser again changes nothing.
    assert send_json(client, f"{URL}/subscribe", body).status_code == 200
    assert len(db.exec(select(PushSubscription)).all()) == 1
    response = send_json(client, f"{URL}/unsubscribe", {"endpoint": body["endpoint"]})
    assert response.status_code == 200
    assert db.exec(select(PushSubscription)).all() == []


def test_subscribe_needs_the_csrf_token(client, db):
    factories.sign_in_as(client, db, factories.user(db))
    csrf(client)
    response = client.post(
        f"{URL}/subscribe",
        content=json.dumps(subscription()),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 403
    assert db.exec(select(PushSubscription)).all() == []


def test_an_address_that_is_not_a_push_service_is_refused(client, db):
    factories.sign_in_as(client, db, factories.user(db))
    body = subscription()
    body["endpoint"] = "https://10.1.2.3/internal"
    response = send_json(client, f"{URL}/subscribe", body)
    assert response.status_code == 400
    assert "not one we use" in response.json()["error"]
    assert send_json(client, f"{URL}/subscribe", {"nonsense": 1}).status_code == 400


def test_a_shared_phone_belongs_to_whoever_turned_it_on_last(client, db):
    first, second = factories.user(db), factories.user(db)
    body = subscription("shared")
    factories.sign_in_as(client, db, first)
    send_json(client, f"{URL}/subscribe", body)
    factories.sign_in_as(client, db, second)
    send_json(client, f"{URL}/subscribe", body)
    owners = db.exec(select(PushSubscription.user_id)).all()
    assert owners == [second.id]


def test_remove_a_device_from_the_list(client, db):
    parent = factories.user(db)
    factories.sign_in_as(client, db, parent)
    send_json(client, f"{URL}/subscribe", subscription())
    device = db.exec(select(PushSubscription)).one()
    other = factories.user(db)
    factories.sign_in_as(client, db, other)
    post(client, f"{URL}/devices/{device.id}/remove")
    assert db.exec(select(PushSubscription)).all() != [], "only the parent's own devices"
    factories.sign_in_as(client, db, parent)
    response = post(client, f"{URL}/devices/{device.id}/remove")
    assert response.status_code == 303
    assert db.exec(select(PushSubscription)).all() == []


def test_preferences_are_saved(client, db):
    parent = factories.user(db)
    factories.sign_in_as(client, db, parent)
    response = post(
        client,
        URL,
        {"reminders": ["1440", "30"], "quiet_start": "21:30", "quiet_end": "07:00"},
    )
    assert response.status_code == 303
    prefs = db.get(NotificationPreferences, parent.id)
    assert (prefs.reminders, prefs.quiet_start, prefs.quiet_end) == ("1440,30", "21:30", "07:00")
    assert prefs.discreet is False
    _, soup = client.page(response.headers["location"])
    assert "Your choices are saved." in soup.get_text()


def test_bad_quiet_hours_show_an_error_and_keep_what_was_typed(client, db):
    parent = factories.user(db)
    factories.sign_in_as(client, db, parent)
    response = post(client, URL, {"reminders": ["60"], "quiet_start": "22:00", "discreet": "yes"})
    assert response.status_code == 400
    from tests.pages import check_page

    soup = check_page(response.text)
    link = soup.select_one(".error-summary a")
    assert link["href"] == "#f-quiet_end"
    assert "Give both times for quiet hours, or neither." in link.get_text()
    assert soup.select_one("#f-quiet_start")["value"] == "22:00"
    assert {i["value"] for i in soup.select("input[name=reminders][checked]")} == {"60"}
    assert db.get(NotificationPreferences, parent.id) is None


def test_only_the_parent(client, db):
    supporter = factories.user(db, Role.supporter)
    factories.sign_in_as(client, db, supporter)
    assert client.get(URL, follow_redirects=False).status_code == 403


def test_the_public_key_is_public(client, app):
    response = client.get("/push/public-key")
    assert response.json()["publicKey"] == app.state.vapid_public_key


def test_without_a_vapid_subject_the_page_says_so(client, db, app):
    app.state.vapid_public_key = None
    factories.sign_in_as(client, db, factories.user(db))
    _, soup = client.page(URL)
    assert "not set up to send notifications" in soup.get_text()
    assert soup.select_one("[data-push]") is None
    assert send_json(client, f"{URL}/subscribe", subscription()).status_code == 409


def test_signing_out_forgets_this_phone_unless_kept(client, db):
    """A shared phone: signing out stops the parent's reminders on it, unless they ticked
    "keep reminders on this phone"; other phones are not touched."""
    parent = factories.user(db)
    factories.sign_in_as(client, db, parent)
    _, soup = client.page(URL)
    assert not soup.select_one("#f-keep").has_attr("checked")
    assert send_json(client, f"{URL}/subscribe", subscription("shared")).status_code == 200
    db.add(PushSubscription(user_id=parent.id, endpoint="https://fcm.googleapis.com/fcm/send/own",
                            p256dh="x", auth="y"))  # fmt: skip
    db.commit()
    post(client, "/en/account/sign-out", {})
    endpoints = {s.endpoint for s in db.exec(select(PushSubscription))}
    assert endpoints == {"https://fcm.googleapis.com/fcm/send/own"}

    factories.sign_in_as(client, db, parent)
    kept = {**subscription("mine"), "keep": True}
    assert send_json(client, f"{URL}/subscribe", kept).status_code == 200
    _, soup = client.page(URL)
    assert soup.select_one("#f-keep").has_attr("checked")
    post(client, "/en/account/sign-out", {})
    assert len(db.exec(select(PushSubscription)).all()) == 2


def test_the_page_says_which_channels_this_site_offers(app, client, db):
    parent = factories.user(db)
    factories.sign_in_as(client, db, parent)
    _, soup = client.page(URL)
    offers = soup.select_one("[data-offers]").get_text(" ", strip=True)
    assert "This site does not send text messages." in offers
    assert "This site does not send emails." in offers
    from app.notify.channels import build

    app.state.channels = build(
        app.state.settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_from": "a@b.org"})
    )
    _, soup = client.page(URL)
    offers = soup.select_one("[data-offers]").get_text(" ", strip=True)
    assert "emails" in offers and "This site does not send emails." not in offers
    assert "This site does not send text messages." in offers


def test_signing_out_everywhere_forgets_the_phones_those_sessions_turned_on(client, db):
    parent = factories.user(db)
    factories.sign_in_as(client, db, parent)
    assert send_json(client, f"{URL}/subscribe", subscription("one")).status_code == 200
    post(client, "/en/account/sessions/end-all", {})
    assert db.exec(select(PushSubscription)).all() == []
