"""Fetching a parent's iCalendar feed safely (no server-side request forgery).

Every hop's host is resolved once, every address it resolves to must be public, and the
connection goes to the address that was checked — never a second lookup that DNS
rebinding could answer differently. Redirects are followed by hand, each checked the same
way. The body is capped after decompression. Feed addresses often carry a secret, so
they never appear in errors or logs.
"""

import ipaddress
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

Resolver = Callable[[str, int], list[str]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

ALLOWED_PORTS = {80, 443}
REDIRECTS = {301, 302, 303, 307, 308}
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


class FeedError(Exception):
    """Why a feed could not be fetched; `code` picks the message shown to the parent."""

    def __init__(self, code: str, detail: str = "") -> None:
        self.code, self.detail = code, detail
        super().__init__(f"{code}: {detail}" if detail else code)


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system's resolver gives for a host."""
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise FeedError("unreachable", "name does not resolve") from None
    return list(dict.fromkeys(answer[4][0] for answer in answers))


def ip_literal(host: str) -> IPAddress | None:
    """The address a host names by itself, in any spelling a resolver would accept
    (127.1, 2130706433, 0x7f000001, [::ffff:127.0.0.1]); None for a name."""
    bare = host.strip("[]")
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(bare))
    except (OSError, ValueError):
        return None


@dataclass(frozen=True)
class AddressPolicy:
    """Which addresses a feed may live at: public ones; loopback only when a setting says."""

    allow_loopback: bool = False

    def check(self, address: IPAddress, port: int) -> None:
        if isinstance(address, ipaddress.IPv6Address):
            # IPv6 forms that carry an IPv4 address inside: judge the IPv4 one.
            embedded = address.ipv4_mapped or address.sixtofour
            if embedded is None and (address in NAT64 or address in IPV4_COMPATIBLE):
                embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
            if embedded is not None:
                self.check(embedded, port)
                return
        if address.is_loopback and self.allow_loopback:
            return
        if not address.is_global or address.is_multicast:
            raise FeedError("blocked_address")
        if port not in ALLOWED_PORTS:
            raise FeedError("blocked_port")


def checked_address(host: str, port: int, *, resolver: Resolver, policy: AddressPolicy) -> str:
    """The one address to connect to, after checking every address the host resolves to."""
    if host.lower().rstrip(".") == "localhost" and not policy.allow_loopback:
        raise FeedError("blocked_address")
    literal = ip_literal(host)
    addresses = [literal] if literal else [ipaddress.ip_address(a) for a in resolver(host, port)]
    if not addresses:
        raise FeedError("unreachable", "no address")
    for address in addresses:
        policy.check(address, port)
    return str(addresses[0])


class GuardedBackend(httpcore.NetworkBackend):
    """Connects only to the checked address of the host httpx asks for."""

    def __init__(
        self,
        *,
        resolver: Resolver,
        policy: AddressPolicy,
        inner: httpcore.NetworkBackend | None = None,
    ) -> None:
        self.resolver, self.policy = resolver, policy
        self.inner = inner or httpcore.SyncBackend()

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        address = checked_address(host, port, resolver=self.resolver, policy=self.policy)
        return self.inner.connect_tcp(address, port, timeout, local_address, socket_options)

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise FeedError("blocked_address", "unix socket")

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


@lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    """The system's trusted certificates, loaded once per process (about 50 ms each time,
    and an app makes a feed client whenever it starts); a context is safe to share."""
    return ssl.create_default_context()


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport with the connection pool on the guarded backend."""

    def __init__(self, backend: GuardedBackend) -> None:
        super().__init__(verify=_tls_context(), retries=0)
        self._pool = httpcore.ConnectionPool(
            ssl_context=_tls_context(),
            network_backend=backend,
            max_connections=10,
            retries=0,
        )


def guarded_client(
    *,
    policy: AddressPolicy,
    resolver: Resolver = system_resolver,
    inner: httpcore.NetworkBackend | None = None,
    timeout: float = 10.0,
) -> httpx.Client:
    """An httpx client for feeds. trust_env is off so no proxy setting can route around it."""
    backend = GuardedBackend(resolver=resolver, policy=policy, inner=inner)
    return httpx.Client(
        transport=GuardedTransport(backend),
        timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": "NextSteps-calendar/1 (+feed reader)", "Accept": "text/calendar"},
    )


@dataclass(frozen=True)
class FetchResult:
    body: bytes | None  # None when the feed says nothing changed (304)
    etag: str | None
    last_modified: str | None

    @property
    def not_modified(self) -> bool:
        return self.body is None


def normalise_feed_url(url: str) -> str:
    """`webcal://` is https; anything but http(s) is refused. Raises FeedError."""
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in {"webcal", "webcals"}:
        url = "https://" + url.split("://", 1)[1]
        parts = urlsplit(url)
        scheme = "https"
    if scheme not in {"http", "https"}:
        raise FeedError("bad_scheme")
    if not parts.hostname:
        raise FeedError("bad_url")
    try:
        httpx.URL(url)
    except httpx.InvalidURL:
        raise FeedError("bad_url") from None
    return url


def fetch_feed(
    url: str,
    *,
    client: httpx.Client,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int = 5 * 1024 * 1024,
    max_redirects: int = 5,
    deadline_seconds: float = 30.0,
) -> FetchResult:
    """The feed's bytes (or 'not modified'), or a FeedError saying what went wrong."""
    url = normalise_feed_url(url)
    started = time.monotonic()
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    for _ in range(max_redirects + 1):
        try:
            with client.stream("GET", url, headers=headers) as response:
                if response.status_code == 304:
                    return FetchResult(None, etag, last_modified)
                if response.status_code in REDIRECTS and "location" in response.headers:
                    url = normalise_feed_url(urljoin(url, response.headers["location"]))
                    continue
                if response.status_code != 200:
                    raise FeedError("http_status", str(response.status_code))
                body = _read_capped(response, max_bytes, started, deadline_seconds)
                content_type = response.headers.get("content-type", "").lower()
                if "html" in content_type or body.lstrip()[:1] == b"<":
                    raise FeedError("not_calendar", "answered with a web page")
                return FetchResult(
                    body, response.headers.get("etag"), response.headers.get("last-modified")
                )
        except httpx.TimeoutException:
            raise FeedError("timeout") from None
        except httpx.TransportError as exc:
            cause = exc.__context__ or exc.__cause__
            if isinstance(cause, FeedError):
                raise cause from None
            raise FeedError("unreachable", type(exc).__name__) from None
        except httpx.HTTPError as exc:  # e.g. a body that is not the encoding it claims
            raise FeedError("unreachable", type(exc).__name__) from None
    raise FeedError("too_many_redirects")


def _read_capped(
    response: httpx.Response, max_bytes: int, started: float, deadline: float
) -> bytes:
    declared = response.headers.get("content-length")
    if (
        declared
        and declared.isdigit()
        and int(declared) > max_bytes
        and not response.headers.get("content-encoding")
    ):
        raise FeedError("too_big")
    chunks, size = [], 0
    for chunk in response.iter_bytes():  # decoded: a small gzip bomb is counted as it unpacks
        size += len(chunk)
        if size > max_bytes:
            raise FeedError("too_big")
        if time.monotonic() - started > deadline:
            raise FeedError("timeout")
        chunks.append(chunk)
    return b"".join(chunks)
