"""The feed fetcher never reaches a private, loopback or link-local address, however asked.

No test here opens a connection to anything but loopback: names resolve through a stub
resolver, and the backend that would connect fails the test if it is ever called.
"""

import gzip
import http.server
import threading
import time

import httpcore
import pytest

from app.calendar.feeds import (
    AddressPolicy,
    FeedError,
    fetch_feed,
    guarded_client,
    ip_literal,
    normalise_feed_url,
)

CALENDAR = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


class NeverConnect(httpcore.NetworkBackend):
    """The test fails if the fetcher ever tries to open a connection."""

    def __init__(self) -> None:
        self.attempts: list[tuple] = []

    def connect_tcp(self, host, port, *args, **kwargs):
        self.attempts.append((host, port))
        raise AssertionError(f"tried to connect to {host}:{port}")

    def connect_unix_socket(self, *args, **kwargs):
        raise AssertionError("tried to open a unix socket")

    def sleep(self, seconds):
        pass


class LoopbackOnly(httpcore.NetworkBackend):
    """Connects for real, but only ever to 127.0.0.1."""

    def __init__(self) -> None:
        self.real = httpcore.SyncBackend()
        self.connected: list[tuple] = []

    def connect_tcp(self, host, port, *args, **kwargs):
        assert host == "127.0.0.1", f"tried to connect to {host}"
        self.connected.append((host, port))
        return self.real.connect_tcp(host, port, *args, **kwargs)

    def connect_unix_socket(self, *args, **kwargs):
        raise AssertionError

    def sleep(self, seconds):
        time.sleep(seconds)


STUB_DNS = {
    "private.example": ["10.1.2.3"],
    "router.example": ["192.168.0.1"],
    "metadata.example": ["169.254.169.254"],
    "cgnat.example": ["100.64.0.7"],
    "ula.example": ["fd12:3456::1"],
    "linklocal6.example": ["fe80::1"],
    "sneaky.example": ["93.184.216.34", "10.0.0.9"],  # one public answer, one private
    "loopback.example": ["127.0.0.1"],
}


def stub_resolver(host: str, port: int) -> list[str]:
    if host not in STUB_DNS:
        raise AssertionError(f"resolver asked about {host}")
    return STUB_DNS[host]


@pytest.fixture
def never():
    return NeverConnect()


@pytest.fixture
def guarded(never):
    return guarded_client(policy=AddressPolicy(), resolver=stub_resolver, inner=never)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/cal.ics",
        "http://127.1/cal.ics",
        "http://2130706433/cal.ics",
        "http://0x7f000001/cal.ics",
        "http://0177.0.0.1/cal.ics",
        "http://[::1]/cal.ics",
        "http://[::ffff:127.0.0.1]/cal.ics",
        "http://localhost/cal.ics",
        "http://LOCALHOST./cal.ics",
        "http://0.0.0.0/cal.ics",
        "https://169.254.169.254/latest/meta-data/",
        "webcal://127.0.0.1/cal.ics",
    ],
)
def test_loopback_in_every_spelling_is_refused_when_not_allowed(guarded, never, url):
    with pytest.raises(FeedError) as caught:
        fetch_feed(url, client=guarded)
    # httpx itself refuses some spellings as not an address at all
    assert caught.value.code in {"blocked_address", "bad_url"}
    assert never.attempts == []


@pytest.mark.parametrize("host", sorted(set(STUB_DNS) - {"loopback.example"}))
def test_private_and_link_local_answers_from_dns_are_refused(guarded, never, host):
    with pytest.raises(FeedError) as caught:
        fetch_feed(f"https://{host}/calendar.ics", client=guarded)
    assert caught.value.code == "blocked_address"
    assert never.attempts == []


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "gopher://example.org/", "ftp://x/", "data:,x"]
)
def test_other_schemes_are_refused(guarded, never, url):
    with pytest.raises(FeedError) as caught:
        fetch_feed(url, client=guarded)
    assert caught.value.code == "bad_scheme"


def test_webcal_is_https():
    assert normalise_feed_url("webcal://cal.example.org/a.ics") == "https://cal.example.org/a.ics"


def test_ip_literals_in_old_spellings_are_recognised():
    assert str(ip_literal("127.1")) == "127.0.0.1"
    assert str(ip_literal("2130706433")) == "127.0.0.1"
    assert str(ip_literal("0x7f000001")) == "127.0.0.1"
    assert ip_literal("calendar.example.org") is None


def test_loopback_is_refused_even_by_name_when_not_allowed(guarded, never):
    with pytest.raises(FeedError):
        fetch_feed("https://loopback.example/cal.ics", client=guarded)
    assert never.attempts == []


# A local server on loopback, for the cases where loopback is allowed (demo and tests).


class Feeds(http.server.BaseHTTPRequestHandler):
    routes: dict = {}

    def do_GET(self):  # noqa: N802
        handler = self.routes[self.path]
        handler(self)

    def log_message(self, *args):
        pass


def send(handler, status, body=b"", headers=None):
    handler.send_response(status)
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Feeds)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture
def local():
    backend = LoopbackOnly()
    client = guarded_client(
        policy=AddressPolicy(allow_loopback=True), resolver=stub_resolver, inner=backend, timeout=2
    )
    client.backend = backend
    return client


def route(path, handler):
    Feeds.routes[path] = handler


def test_a_redirect_to_a_private_address_is_refused_before_connecting(server, local):
    route("/to-private", lambda h: send(h, 302, headers={"Location": "http://10.0.0.1/x.ics"}))
    route(
        "/to-dns-private", lambda h: send(h, 301, headers={"Location": "https://private.example/"})
    )
    for path in ("/to-private", "/to-dns-private"):
        with pytest.raises(FeedError) as caught:
            fetch_feed(server + path, client=local)
        assert caught.value.code == "blocked_address"
    assert all(host == "127.0.0.1" for host, _ in local.backend.connected)


def test_a_redirect_to_file_is_refused(server, local):
    route("/to-file", lambda h: send(h, 302, headers={"Location": "file:///etc/passwd"}))
    with pytest.raises(FeedError) as caught:
        fetch_feed(server + "/to-file", client=local)
    assert caught.value.code == "bad_scheme"


def test_redirects_are_capped(server, local):
    route("/loop", lambda h: send(h, 302, headers={"Location": "/loop"}))
    with pytest.raises(FeedError) as caught:
        fetch_feed(server + "/loop", client=local, max_redirects=3)
    assert caught.value.code == "too_many_redirects"


def test_conditional_requests_and_not_modified(server, local):
    def feed(h):
        if h.headers.get("If-None-Match") == '"v1"':
            send(h, 304)
        else:
            send(h, 200, CALENDAR, {"ETag": '"v1"', "Content-Type": "text/calendar"})

    route("/cal.ics", feed)
    first = fetch_feed(server + "/cal.ics", client=local)
    assert first.body == CALENDAR and first.etag == '"v1"'
    again = fetch_feed(server + "/cal.ics", client=local, etag=first.etag)
    assert again.not_modified


def test_a_small_compressed_answer_that_unpacks_too_big_is_stopped(server, local):
    bomb = gzip.compress(b"BEGIN:VCALENDAR\r\n" + b" " * (20 * 1024 * 1024))
    assert len(bomb) < 100_000
    route("/bomb.ics", lambda h: send(h, 200, bomb, {"Content-Encoding": "gzip"}))
    with pytest.raises(FeedError) as caught:
        fetch_feed(server + "/bomb.ics", client=local, max_bytes=1024 * 1024)
    assert caught.value.code == "too_big"


def test_a_login_page_with_status_200_is_not_a_calendar(server, local):
    route(
        "/login",
        lambda h: send(h, 200, b"<!doctype html><form>Sign in", {"Content-Type": "text/html"}),
    )
    with pytest.raises(FeedError) as caught:
        fetch_feed(server + "/login", client=local)
    assert caught.value.code == "not_calendar"


def test_server_errors_and_slow_feeds(server, local):
    route("/broken", lambda h: send(h, 500, b"oops"))
    with pytest.raises(FeedError) as caught:
        fetch_feed(server + "/broken", client=local)
    assert caught.value.code == "http_status"

    route("/slow", lambda h: (time.sleep(3), send(h, 200, CALENDAR)))
    with pytest.raises(FeedError) as caught:
        fetch_feed(server + "/slow", client=local)
    assert caught.value.code == "timeout"


def test_errors_never_carry_the_feed_address(server, local):
    secret = "/private/s3cr3t-token.ics"
    route(secret, lambda h: send(h, 404))
    with pytest.raises(FeedError) as caught:
        fetch_feed(server + secret, client=local)
    assert "s3cr3t" not in str(caught.value)


@pytest.mark.parametrize("answer", ["2002:7f00:1::1", "64:ff9b::a00:1", "::7f00:1", "2002:a00:1::"])
def test_ipv6_forms_carrying_a_private_ipv4_are_refused(never, answer):
    client = guarded_client(
        policy=AddressPolicy(), resolver=lambda host, port: [answer], inner=never
    )
    with pytest.raises(FeedError) as caught:
        fetch_feed("https://embedded.example/cal.ics", client=client)
    assert caught.value.code == "blocked_address"
    assert never.attempts == []


def test_a_body_that_is_not_the_encoding_it_claims_is_a_feed_error(server, local):
    route("/lies", lambda h: send(h, 200, b"not gzip at all", {"Content-Encoding": "gzip"}))
    with pytest.raises(FeedError) as caught:
        fetch_feed(server + "/lies", client=local)
    assert caught.value.code == "unreachable"
