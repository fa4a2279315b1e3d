"""Security headers on every response, and the CSRF guard's failure page."""

import hmac
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def security_headers(*, https: bool) -> list[tuple[bytes, bytes]]:
    """The headers every response carries; HSTS only when served over HTTPS."""
    headers = {
        "content-security-policy": CONTENT_SECURITY_POLICY,
        "x-content-type-options": "nosniff",
        "x-frame-options": "DENY",
        # Never tell another site (the quick-exit page included) where the parent came from.
        "referrer-policy": "no-referrer",
        "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
        "cross-origin-opener-policy": "same-origin",
        "cross-origin-resource-policy": "same-origin",
    }
    if https:
        headers["strict-transport-security"] = "max-age=31536000; includeSubDomains"
    return [(name.encode(), value.encode()) for name, value in headers.items()]


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response, errors included, and makes sure a
    response that sets a cookie is never stored by a shared cache."""

    def __init__(self, app: ASGIApp, *, https: bool = False) -> None:
        self.app = app
        self.headers = security_headers(https=https)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                if b"set-cookie" in present:
                    headers = [_never_public(name, value) for name, value in headers]
                extra = [(n, v) for n, v in self.headers if n not in present]
                message["headers"] = headers + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _never_public(name: bytes, value: bytes) -> tuple[bytes, bytes]:
    """A cookie is one person's: a `public` Cache-Control beside it becomes `private`."""
    if name.lower() == b"cache-control" and b"public" in value.lower():
        return name, b"private, no-cache"
    return name, value


class HeadAsGetMiddleware:
    """Answers HEAD like GET without the body, so `curl -I` and link checkers see real headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b""})
                return
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)


class MultipartTokenMiddleware:
    """Lets upload forms carry their CSRF token in the form's address.

    asgi-csrf 0.11 cannot read multipart bodies with python-multipart 0.0.26 and later
    (simonw/asgi-csrf#38), and older python-multipart has known CVEs. So an upload form puts
    `?csrftoken=…` on its action and this passes it on as the `x-csrftoken` header that
    asgi-csrf checks before it would parse anything. A multipart request with cookies and
    no token is refused here, with the same page as any other CSRF failure.
    """

    def __init__(self, app: ASGIApp, *, refuse) -> None:
        self.app, self.refuse = app, refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in {"GET", "HEAD", "OPTIONS"}:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        if not headers.get(b"content-type", b"").startswith(b"multipart/") or not headers.get(
            b"cookie"
        ):
            await self.app(scope, receive, send)
            return
        token = headers.get(b"x-csrftoken", b"").decode("latin-1")
        if not token:
            token = parse_qs(scope.get("query_string", b"").decode()).get("csrftoken", [""])[0]
            scope = {**scope, "headers": [*scope["headers"], (b"x-csrftoken", token.encode())]}
        # A wrong token is refused here too: asgi-csrf would then look for one in the
        # multipart body, whose parser disagrees with python-multipart's (a 500).
        cookie = SimpleCookie()
        try:
            cookie.load(headers[b"cookie"].decode("latin-1"))
        except CookieError:
            cookie = SimpleCookie()
        expected = cookie["csrftoken"].value if "csrftoken" in cookie else ""
        if not token or not expected or not hmac.compare_digest(token, expected):
            await self.refuse(scope, send, "multipart with a wrong token")
            return
        await self.app(scope, receive, send)


def is_trusted_address(address: str, trusted: list) -> bool:
    """Whether `address` is in one of the `trusted` networks (TRUSTED_PROXIES)."""
    import ipaddress

    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def client_address(request, trusted: list) -> str:
    """The visitor's network address. X-Forwarded-For is believed only when the request
    came straight from a trusted proxy, and then only as far back as proxies are trusted:
    anyone can write the header, so believing it otherwise lets a guesser reset limits."""

    def is_trusted(address: str) -> bool:
        return is_trusted_address(address, trusted)

    peer = request.client.host if request.client else "unknown"
    if not trusted or not is_trusted(peer):
        return peer
    hops = [
        hop.strip()
        for header in request.headers.getlist("x-forwarded-for")
        for hop in header.split(",")
        if hop.strip()
    ]
    for hop in reversed(hops):
        if not is_trusted(hop):
            return hop
    return hops[0] if hops else peer
