"""Sign-up with the least data, sign-in with its limits, sessions and sign-out."""

from sqlmodel import select

from app.accounts.models import RecoveryCode, Role, User, UserSession
from app.accounts.secrets import needs_rehash, token_hash
from app.deps import SESSION_COOKIE
from tests import factories
from tests.factories import GOOD_PASSPHRASE, post


def sign_up(client, **fields):
    data = {"name": "Robin", "passphrase": GOOD_PASSPHRASE, **fields}
    return post(client, "/en/sign-up", data)


def test_a_passphrase_is_kept_as_an_rfc_9106_argon2id_hash(client, db, real_passphrase_hashing):
    """What the app ships with (the suite elsewhere hashes with the cheapest profile):
    argon2id, 64 MiB, three passes, four lanes."""
    sign_up(client)
    user = db.exec(select(User).where(User.username == "robin")).one()
    assert user.passphrase_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert needs_rehash(user.passphrase_hash) is False


def test_sign_up_needs_only_a_name_and_a_passphrase_and_shows_recovery_codes(client, db):
    response = sign_up(client)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    user = db.exec(select(User).where(User.username == "robin")).one()
    assert user.role == Role.parent and user.display_name == "Robin"
    assert user.email is None and user.phone is None
    assert user.passphrase_hash.startswith("$argon2id$")
    from tests.pages import check_page

    soup = check_page(response.text)
    codes = [code.get_text() for code in soup.select("[data-recovery-codes] code")]
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = set(db.exec(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)))
    assert stored == {token_hash(code) for code in codes}, "only hashes are kept"
    cookie = response.headers["set-cookie"]
    assert f"{SESSION_COOKIE}=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    _, account = client.page("/en/account/")
    assert "Signed in as Robin." in account.get_text()


def test_email_and_phone_are_optional_but_checked(client, db):
    response = sign_up(client, name="Kai", email="not an email", phone="call me")
    assert response.status_code == 400
    assert "Enter an email address like name@example.com" in response.text
    assert "Enter a phone number like 07700 900123" in response.text
    assert db.exec(select(User).where(User.username == "kai")).first() is None
    ok = sign_up(client, name="Kai", email="kai@example.com", phone="07700 900123")
    assert ok.status_code == 200
    assert db.exec(select(User).where(User.username == "kai")).one().email == "kai@example.com"


def test_common_passphrases_are_refused_kindly(client, db):
    response = sign_up(client, passphrase="password1234")
    assert response.status_code == 400
    from tests.pages import check_page

    soup = check_page(response.text)
    summary = soup.select_one(".error-summary")
    assert summary.select_one("a")["href"] == "#f-passphrase"
    assert "easy to guess. This is not your fault." in summary.get_text()
    assert soup.select_one("#f-passphrase")["aria-invalid"] == "true"
    assert soup.select_one("#f-name")["value"] == "Robin", "what they typed is kept"
    assert db.exec(select(User).where(User.username == "robin")).first() is None


def test_odd_and_overlong_names_and_html_are_refused_and_escaped(client, db):
    for name, message in [
        ("x" * 41, "Use a name of 40 characters or fewer."),
        ("<b>Sam</b>", "Use only letters, numbers, spaces"),
        ("Sam\u202e", "Use only letters, numbers, spaces"),
        (" ", "Enter a name of at least 2 letters or numbers."),
    ]:
        response = sign_up(client, name=name)
        assert response.status_code == 400, name
        assert message in response.text
    response = sign_up(client, name="<b>Sam</b>")
    assert "<b>Sam</b>" not in response.text and "&lt;b&gt;Sam&lt;/b&gt;" in response.text
    assert db.exec(select(User)).all() == []
    assert sign_up(client, name="Siân O'Neill").status_code == 200, "real names of any kind"


def test_a_name_is_one_account_whatever_its_case(client, db):
    assert sign_up(client, name="Robin").status_code == 200
    response = sign_up(client, name="ROBIN")
    assert response.status_code == 400 and "Someone already uses that name" in response.text


def test_state_changing_request_without_csrf_token_changes_nothing(client, db):
    client.cookies.set("csrftoken", "forged")
    response = client.post("/en/sign-up", data={"name": "Robin", "passphrase": GOOD_PASSPHRASE})
    assert response.status_code == 403
    assert db.exec(select(User)).all() == []


def sign_in(client, name, passphrase, **extra):
    return post(client, "/en/sign-in", {"name": name, "passphrase": passphrase, **extra})


def test_sign_in_starts_a_fresh_session_every_time(client, db):
    factories.user(db, name="robin", passphrase=GOOD_PASSPHRASE)
    first = sign_in(client, "Robin", GOOD_PASSPHRASE)
    assert first.status_code == 303 and first.headers["location"] == "/en/account/"
    old_token = client.cookies.get(SESSION_COOKIE)
    second = sign_in(client, "robin", GOOD_PASSPHRASE)
    new_token = client.cookies.get(SESSION_COOKIE)
    assert second.status_code == 303 and new_token != old_token
    hashes = set(db.exec(select(UserSession.token_hash)))
    assert token_hash(new_token) in hashes
    assert token_hash(old_token) not in hashes, "the browser's old session ended"


def test_sign_in_goes_back_to_the_page_asked_for_but_never_off_site(client, db):
    factories.user(db, name="robin", passphrase=GOOD_PASSPHRASE)
    response = client.get("/en/account/who-looked", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/en/sign-in?next=%2Fen%2Faccount%2Fwho-looked"
    ok = sign_in(client, "robin", GOOD_PASSPHRASE, next="/en/account/who-looked")
    assert ok.headers["location"] == "/en/account/who-looked"
    evil = sign_in(client, "robin", GOOD_PASSPHRASE, next="//evil.example/")
    assert evil.headers["location"] == "/"


def test_sixth_wrong_attempt_in_a_minute_is_refused_and_a_right_one_works_later(client, db, clock):
    factories.user(db, name="robin", passphrase=GOOD_PASSPHRASE)
    for attempt in range(5):
        clock.advance(seconds=5)
        response = sign_in(client, "robin", f"wrong guess {attempt}")
        assert response.status_code == 400
        assert "That name and passphrase do not match" in response.text
    clock.advance(seconds=5)
    refused = sign_in(client, "robin", "wrong guess 6")
    assert refused.status_code == 429
    assert "Too many wrong tries" in refused.text
    seconds = int(refused.headers["retry-after"])
    assert 0 < seconds <= 60
    assert f"wait {seconds} seconds" in refused.text
    still_refused = sign_in(client, "robin", GOOD_PASSPHRASE)
    assert still_refused.status_code == 429, "even the right passphrase waits"
    clock.advance(seconds=seconds)
    works = sign_in(client, "robin", GOOD_PASSPHRASE)
    assert works.status_code == 303


def test_the_limit_counts_per_address_too(client, db, app, clock):
    app.state.settings.sign_in_address_limit = 3
    try:
        for attempt in range(3):
            assert sign_in(client, f"nobody-{attempt}", "wrong").status_code == 400
        assert sign_in(client, "someone-else", "wrong").status_code == 429
    finally:
        app.state.settings.sign_in_address_limit = 20


def test_a_refused_attempt_does_not_extend_the_wait(client, db, clock):
    factories.user(db, name="robin", passphrase=GOOD_PASSPHRASE)
    for attempt in range(5):
        sign_in(client, "robin", f"wrong {attempt}")
    for _ in range(10):
        clock.advance(seconds=5)
        assert sign_in(client, "robin", "hammering").status_code == 429
    clock.advance(seconds=11)
    assert sign_in(client, "robin", GOOD_PASSPHRASE).status_code == 303


def test_sessions_are_listed_and_can_be_ended_everywhere(client, db):
    robin = factories.user(db, name="robin", passphrase=GOOD_PASSPHRASE)
    other_token = factories.session_token(db, robin, client.http.app.state.settings)
    phone = "Mozilla/5.0 (Linux; Android 14) Chrome/130.0 Mobile"
    client.headers["User-Agent"] = phone
    sign_in(client, "robin", GOOD_PASSPHRASE)
    response, soup = client.page("/en/account/sessions")
    assert response.headers["cache-control"] == "no-store"
    items = soup.select(".item")
    assert len(items) == 2
    assert "Chrome · Android" in soup.get_text() and "this browser" in soup.get_text()
    ended = post(client, "/en/account/sessions/end-all")
    assert ended.status_code == 303 and ended.headers["location"] == "/en/sign-in?signed_out=1"
    assert db.exec(select(UserSession).where(UserSession.user_id == robin.id)).all() == []
    assert token_hash(other_token) not in set(db.exec(select(UserSession.token_hash)))


def test_sign_out_ends_the_session_on_the_server_and_clears_the_browser(client, db):
    factories.user(db, name="robin", passphrase=GOOD_PASSPHRASE)
    sign_in(client, "robin", GOOD_PASSPHRASE)
    token = client.cookies.get(SESSION_COOKIE)
    response = post(client, "/en/account/sign-out")
    assert response.status_code == 303
    assert response.headers["clear-site-data"] == '"cache", "cookies"'
    assert f'{SESSION_COOKIE}=""' in response.headers["set-cookie"]
    assert token_hash(token) not in set(db.exec(select(UserSession.token_hash)))
    _, soup = client.page(response.headers["location"])
    assert soup.select_one("[data-signed-out]")["data-signed-out"] == "signed-out"
    # The old cookie, replayed, opens nothing.
    client.cookies.set(SESSION_COOKIE, token)
    again = client.get("/en/account/", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].startswith("/en/sign-in")


def test_shared_phone_sessions_are_short_and_end_with_the_browser(client, db, clock):
    factories.user(db, name="robin", passphrase=GOOD_PASSPHRASE)
    response = sign_in(client, "robin", GOOD_PASSPHRASE, shared_device="yes")
    assert "Max-Age" not in response.headers["set-cookie"], "a cookie that goes with the browser"
    clock.advance(minutes=19)
    assert client.get("/en/account/").status_code == 200
    clock.advance(minutes=2)
    gone = client.get("/en/account/", follow_redirects=False)
    assert gone.status_code == 303


def test_normal_sessions_slide_but_end_when_unused(client, db, clock):
    factories.user(db, name="robin", passphrase=GOOD_PASSPHRASE)
    response = sign_in(client, "robin", GOOD_PASSPHRASE)
    assert "Max-Age=2592000" in response.headers["set-cookie"]
    clock.advance(days=29)
    assert client.get("/en/account/").status_code == 200
    clock.advance(days=29)
    assert client.get("/en/account/").status_code == 200, "used, so it slid forward"
    clock.advance(days=31)
    assert client.get("/en/account/", follow_redirects=False).status_code == 303


def test_private_pages_are_never_stored(client, db):
    factories.sign_in_as(client, db, factories.user(db))
    for url in (
        "/en/account/",
        "/en/account/sessions",
        "/en/team/",
        "/en/account/who-looked",
        "/en/account/data",
        "/en/account/delete",
    ):
        response, _ = client.page(url)
        assert response.headers["cache-control"] == "no-store", url


def test_htmx_requests_for_a_private_page_are_sent_to_sign_in(client):
    response = client.get("/en/account/", headers={"HX-Request": "true"})
    assert response.headers["hx-redirect"] == "/en/sign-in?next=%2Fen%2Faccount%2F"


def test_a_session_that_ran_out_ends_even_when_another_writer_got_in_after_the_read(tmp_path):
    """A page load takes away a session that ran out: a GET, so on SQLite it read in a
    plain transaction, and had the in-process worker written since, the delete failed at
    once ("database is locked" on a stale snapshot), the busy page instead of sign-in."""
    from fastapi.testclient import TestClient
    from sqlmodel import Session

    from app.main import create_app
    from tests.stale_snapshot import another_writer_after_reading, file_database

    settings, engine = file_database(tmp_path)
    with Session(engine) as db:
        token = factories.session_token(db, factories.user(db, display_name="Sam"), settings)
    app = create_app(settings, engine=engine)
    app.state.clock = factories.Clock()
    app.state.clock.advance(days=settings.session_days + 1)
    with TestClient(app) as client:
        client.cookies.set(SESSION_COOKIE, token)
        # The worker, marking a message sent: any real change to the database will do.
        change = "UPDATE user SET display_name = display_name || '.'"
        with another_writer_after_reading(engine, "user_session", change) as read:
            gone = client.get("/en/account/", follow_redirects=False)
    assert read, "the other writer got in after the page's read"
    assert gone.status_code == 303 and gone.headers["location"].startswith("/en/sign-in")
    with Session(engine) as db:
        assert db.exec(select(UserSession)).all() == []
    engine.dispose()
