"""Sending Web Push messages (RFC 8030, encrypted per RFC 8291, signed per RFC 8292).

pywebpush encrypts and posts each message, on one shared aiohttp session with a bounded
number in flight. What pywebpush leaves to us is done here: every send has a timeout (it
has none by default); every message has a TTL (its default of 0 drops the message when
the phone is off) and an Urgency; the VAPID header is signed once per push-service origin
with a fresh claims dict (pywebpush changes the dict it is given) and reused until near its
expiry; the answer is sorted into sent, gone (404/410), retry (429, 5xx, timeouts, with
Retry-After read) and refused (403 and other 4xx).
"""

import asyncio
import base64
import email.utils
import enum
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp
from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid
from pywebpush import WebPusher

from app.forms import N_, FormError

log = logging.getLogger("next_steps.notify")

VAPID_LIFETIME = 12 * 3600  # push services accept at most 24 hours
VAPID_RESIGN_MARGIN = 3600
#: Push services we post to. A subscription is an address a browser hands us: anything else
#: (an address inside our network, say) is refused, at subscribe time and again at send time.
PUSH_SERVICE_HOSTS = (
    "fcm.googleapis.com",
    "android.googleapis.com",
    "push.services.mozilla.com",
    "push.apple.com",
    "notify.windows.com",
)
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def allowed_endpoint(endpoint: str, *, allow_loopback: bool = False) -> bool:
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    if allow_loopback and parts.scheme in ("http", "https") and host in LOOPBACK_HOSTS:
        return True
    if parts.scheme != "https" or parts.username or parts.password:
        return False
    return any(host == known or host.endswith("." + known) for known in PUSH_SERVICE_HOSTS)


def _b64decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def check_subscription(
    *, endpoint: str, p256dh: str, auth: str, allow_loopback: bool = False
) -> None:
    """A PushSubscription as browsers make them, to a push service we know."""
    if (
        not endpoint
        or len(endpoint) > 1000
        or not allowed_endpoint(endpoint, allow_loopback=allow_loopback)
    ):
        raise FormError({"endpoint": N_("This browser's notification address is not one we use.")})
    try:
        key, secret = _b64decode(p256dh), _b64decode(auth)
    except (ValueError, TypeError):
        key = secret = b""
    if len(key) != 65 or key[0] != 4 or len(secret) != 16:
        raise FormError({"keys": N_("This browser's notification keys are not valid.")})


def public_key(private_pem: str) -> str:
    """The applicationServerKey browsers subscribe with (uncompressed P-256, base64url)."""
    raw = Vapid.from_pem(private_pem.encode()).public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class Outcome(enum.StrEnum):
    sent = "sent"
    gone = "gone"  # 404/410: the browser unsubscribed; forget this exact endpoint
    retry = "retry"  # 429, 5xx, timeout or no connection: try again later
    refused = "refused"  # 403 (our VAPID key) or another 4xx: not worth repeating


@dataclass(frozen=True)
class Push:
    endpoint: str
    p256dh: str
    auth: str
    payload: bytes
    ttl: int
    urgency: str = "normal"  # very-low, low, normal, high
    topic: str | None = None  # a resend replaces an undelivered copy at the push service


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    status: int | None = None
    retry_after: float | None = None  # seconds, from the push service's Retry-After
    error: str = ""


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header (a number of seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def classify(status: int, retry_after: str | None) -> Result:
    if status in (200, 201, 202):
        return Result(Outcome.sent, status)
    if status in (404, 410):
        return Result(Outcome.gone, status)
    if status == 429 or status >= 500:
        return Result(Outcome.retry, status, parse_retry_after(retry_after), f"http_{status}")
    return Result(Outcome.refused, status, error=f"http_{status}")


class VapidSigner:
    """The VAPID Authorization header for each push-service origin, signed once and reused
    until an hour before it expires. Each signing gets a claims dict of its own."""

    def __init__(self, private_pem: str, subject: str) -> None:
        self.vapid = Vapid.from_pem(private_pem.encode())
        self.subject = subject
        self._cache: dict[str, tuple[str, int]] = {}
        self._lock = threading.Lock()

    def header(self, endpoint: str, *, now: float | None = None) -> str:
        parts = urlsplit(endpoint)
        origin = f"{parts.scheme}://{parts.netloc}"
        now = time.time() if now is None else now
        with self._lock:
            cached = self._cache.get(origin)
            if cached is None or cached[1] - now < VAPID_RESIGN_MARGIN:
                expires = int(now) + VAPID_LIFETIME
                claims = {"sub": self.subject, "aud": origin, "exp": expires}
                cached = (self.vapid.sign(claims)["Authorization"], expires)
                self._cache[origin] = cached
        return cached[0]


class Sender:
    """Sends pushes on one event loop of its own (a daemon thread) with one connection pool.

    `send(push)` for one message from any thread; `send_many(pushes)` for a batch, up to
    `concurrency` in flight. Both end every request after `timeout` seconds.
    """

    def __init__(
        self,
        *,
        private_pem: str,
        subject: str,
        timeout: float = 10.0,
        concurrency: int = 32,
        allow_loopback: bool = False,
    ) -> None:
        self.signer = VapidSigner(private_pem, subject)
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.concurrency = concurrency
        self.allow_loopback = allow_loopback
        self._loop = asyncio.new_event_loop()
        self._session: aiohttp.ClientSession | None = None
        self._limit: asyncio.Semaphore | None = None
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="push-sender", daemon=True
        )
        self._thread.start()

    async def _ready(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._limit = asyncio.Semaphore(self.concurrency)
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.concurrency, ttl_dns_cache=300),
                timeout=self.timeout,
                trust_env=False,
            )
        return self._session

    async def _send(self, push: Push) -> Result:
        if not allowed_endpoint(push.endpoint, allow_loopback=self.allow_loopback):
            return Result(Outcome.refused, error="endpoint_not_allowed")
        session = await self._ready()
        headers = {"Authorization": self.signer.header(push.endpoint), "Urgency": push.urgency}
        if push.topic:
            headers["Topic"] = push.topic
        subscription = {
            "endpoint": push.endpoint,
            "keys": {"p256dh": push.p256dh, "auth": push.auth},
        }
        async with self._limit:
            try:
                response = await WebPusher(subscription, aiohttp_session=session).send_async(
                    push.payload, headers=headers, ttl=max(push.ttl, 1), timeout=self.timeout
                )
            except TimeoutError:
                return Result(Outcome.retry, error="timeout")
            except aiohttp.ClientError as error:
                return Result(Outcome.retry, error=type(error).__name__[:40])
        return classify(response.status, response.headers.get("Retry-After"))

    async def _send_all(self, pushes: list[Push]) -> list[Result]:
        return list(await asyncio.gather(*(self._send(p) for p in pushes)))

    def send_many(self, pushes: Iterable[Push]) -> list[Result]:
        """Send every push, at most `concurrency` at once; results in the same order."""
        future = asyncio.run_coroutine_threadsafe(self._send_all(list(pushes)), self._loop)
        return future.result()

    def send(self, push: Push) -> Result:
        return self.send_many([push])[0]

    def close(self) -> None:
        async def _close():
            if self._session is not None:
                await self._session.close()

        if self._loop.is_running():
            asyncio.run_coroutine_threadsafe(_close(), self._loop).result(timeout=10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
        self._loop.close()


def sender_for(settings, *, concurrency: int = 32) -> Sender | None:
    """The site's sender, or None when it has no VAPID subject (notifications are off)."""
    subject = settings.push_subject
    if subject is None:
        return None
    return Sender(
        private_pem=settings.vapid_key_pem(),
        subject=subject,
        timeout=settings.push_timeout_seconds,
        concurrency=concurrency,
        allow_loopback=settings.push_allow_loopback,
    )
