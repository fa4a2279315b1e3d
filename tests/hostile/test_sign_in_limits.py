"""Sign-in limits that slow a guesser and never keep the owner out; addresses not forged."""

from sqlmodel import select

from app.accounts.models import SignInFailure
from tests import factories
from tests.factories import GOOD_PASSPHRASE, post


def sign_in(client, name, passphrase, **kwargs):
    return post(client, "/en/sign-in", {"name": name, "passphrase": passphrase}, **kwargs)


def test_the_owner_gets_in_from_a_known_browser_while_a_guesser_hammers(client, db, app, clock):
    factories.user(db, name="robin", passphrase=GOOD_PASSPHRASE)
    assert sign_in(client, "robin", GOOD_PASSPHRASE).status_code == 303
    device = client.cookies.get("ns_device")
    assert device
    client.cookies.clear()
    # Someone else, from the same address (a shared network), guesses for a while.
    for minute in range(8):
        for attempt in range(5):
            sign_in(client, "robin", f"guess {minute} {attempt}")
        clock.advance(minutes=1)
    assert sign_in(client, "robin", GOOD_PASSPHRASE).status_code == 429, "guessers wait"
    client.cookies.clear()
    client.cookies.set("ns_device", device)
    assert sign_in(client, "robin", GOOD_PASSPHRASE).status_code == 303, "the owner never does"


def test_a_device_cookie_for_another_account_or_forged_counts_for_nothing(client, db, clock):
    factories.user(db, name="robin", passphrase=GOOD_PASSPHRASE)
    factories.user(db, name="kai", passphrase=GOOD_PASSPHRASE)
    assert sign_in(client, "kai", GOOD_PASSPHRASE).status_code == 303
    kai_device = client.cookies.get("ns_device")
    for cookie in (kai_device, "forged.value"):
        client.cookies.clear()
        client.cookies.set("ns_device", cookie)
        for attempt in range(5):
            sign_in(client, "robin", f"wrong {attempt}")
        assert sign_in(client, "robin", GOOD_PASSPHRASE).status_code == 429
        clock.advance(hours=25)


def test_the_wait_grows_for_each_set_of_wrong_tries(client, db, clock):
    factories.user(db, name="robin", passphrase=GOOD_PASSPHRASE)
    waits = []
    for _ in range(4):
        for attempt in range(5):
            assert sign_in(client, "robin", f"wrong {attempt}").status_code == 400
        refused = sign_in(client, "robin", "wrong again")
        assert refused.status_code == 429
        waits.append(int(refused.headers["retry-after"]))
        clock.advance(seconds=waits[-1])
    assert waits == [60, 120, 240, 480]
    assert len(db.exec(select(SignInFailure)).all()) == 40, "refused tries are not counted"


def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(client, db, app, clock):
    app.state.settings.sign_in_address_limit = 3
    try:
        for attempt in range(3):
            forged = {"X-Forwarded-For": f"203.0.113.{attempt}"}
            assert sign_in(client, f"nobody-{attempt}", "wrong", headers=forged).status_code == 400
        fresh = {"X-Forwarded-For": "198.51.100.7"}
        assert sign_in(client, "someone", "wrong", headers=fresh).status_code == 429
    finally:
        app.state.settings.sign_in_address_limit = 20


def test_a_trusted_proxy_names_the_visitor(client, db, app, clock):
    # The test client's peer is "testclient", which is no address: trust a network the
    # request is then seen from by patching the peer through the ASGI scope's client.
    from app.security import client_address

    class Request:
        def __init__(self, peer, forwarded):
            self.client = type("Client", (), {"host": peer})()
            self.headers = type("Headers", (), {"getlist": lambda _s, _n: forwarded})()

    trusted = app.state.settings.model_copy(update={"trusted_proxies": "10.0.0.0/8, 127.0.0.1"})
    networks = trusted.trusted_proxy_networks
    assert client_address(Request("127.0.0.1", ["198.51.100.7, 10.1.2.3"]), networks) == (
        "198.51.100.7"
    )
    assert client_address(Request("198.51.100.9", ["1.2.3.4"]), networks) == "198.51.100.9"
    assert client_address(Request("127.0.0.1", ["1.2.3.4"]), []) == "127.0.0.1"
    assert client_address(Request("127.0.0.1", ["evil, 1.2.3.4"]), networks) == "1.2.3.4"


def test_make_run_does_not_trust_forwarded_headers():
    from app.settings import ROOT

    run = next(
        line for line in (ROOT / "Makefile").read_text().splitlines() if "uvicorn app.asgi" in line
    )
    assert "--no-proxy-headers" in run
