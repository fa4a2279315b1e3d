"""Public pages answered from bytes prepared once, and the one way to add to `Vary`.

A route whose page is the same for every visitor who is not signed in (a guide, the
glossary, the pathway, the signed-out home, the service worker) marks its response with
`prepare()`. The first time such a page is asked for, `PreparedPages` lets the whole app
answer it, keeps the exact bytes and headers, and compresses them once with gzip and
brotli. After that the same address is answered from memory, before any session lookup,
CSRF cookie or template: with a strong ETag per encoding, and 304 without a body when the
browser already has it.

A request is only answered from memory when nothing about it could change the page: GET
or HEAD, no query string, and no cookie except the CSRF and language ones (a session
cookie, or the pathway's remembered place, always takes the whole app). A response is
only kept when its route marked it and it is a 200 without `Set-Cookie` and without
`private` or `no-store` (a page holding a CSRF token is private, so never kept).
"""

import gzip
import hashlib
from collections import OrderedDict
from dataclasses import dataclass, replace
from functools import lru_cache

import brotli
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PREPARE_HEADER = "x-next-steps-prepare"
_MARKER = PREPARE_HEADER.encode()
#: Cookies that no prepared page depends on: the CSRF token (a page that uses it is never
#: marked) and the language choice (prepared pages carry their language in the address).
HARMLESS_COOKIES = frozenset({"csrftoken", "locale"})
#: Headers that belong to one representation, set again for each encoding.
_PER_REPRESENTATION = {b"content-length", b"content-encoding", b"etag", PREPARE_HEADER.encode()}
_GET_OR_HEAD = frozenset({"GET", "HEAD"})
#: The request headers a prepared answer depends on (ASGI gives their names lowercased).
_LOOKED_AT = frozenset(
    {b"accept-encoding", b"if-none-match", b"cookie", b"hx-request", b"hx-history-restore-request"}
)
#: Prepared answers kept at most (oldest dropped first); every marked page fits many times.
MAX_PAGES = 4096


def add_vary(headers: MutableHeaders, *names: str) -> None:
    """Add names to the response's `Vary`, keeping what is there and never repeating one."""
    present = [part.strip() for part in headers.get("vary", "").split(",") if part.strip()]
    lowered = {part.lower() for part in present}
    for name in names:
        if name.lower() not in lowered:
            present.append(name)
            lowered.add(name.lower())
    if present:
        headers["vary"] = ", ".join(present)


def prepare(response):
    """Mark a response as the same for every visitor who is not signed in."""
    response.headers[PREPARE_HEADER] = "1"
    return response


@lru_cache(maxsize=2048)
def _compressed(body: bytes) -> tuple[bytes, bytes]:
    """gzip and brotli at their best, once per distinct body in this process."""
    return gzip.compress(body, 9, mtime=0), brotli.compress(body, quality=11)


@dataclass(frozen=True)
class _Variant:
    body: bytes
    etag: bytes
    headers: list[tuple[bytes, bytes]]  # every header of the full answer


@dataclass(frozen=True)
class _Prepared:
    status: int
    identity: _Variant
    gzip: _Variant
    brotli: _Variant
    not_modified_headers: list[tuple[bytes, bytes]]
    etags: frozenset[bytes]
    route: str | None = None  # the route template that made it, for the access log

    def variant(self, accept_encoding: bytes) -> _Variant:
        return getattr(self, _chosen_coding(accept_encoding))


@lru_cache(maxsize=256)
def _chosen_coding(accept_encoding: bytes) -> str:
    """Which prepared variant answers this `Accept-Encoding` (browsers send a handful)."""
    codings = _codings(accept_encoding)
    if "br" in codings:
        return "brotli"
    if "gzip" in codings:
        return "gzip"
    return "identity"


def _codings(accept_encoding: bytes) -> set[str]:
    """The content codings a client accepts (those with q=0 left out)."""
    accepted = set()
    for part in accept_encoding.decode("latin-1").lower().split(","):
        name, _, params = part.strip().partition(";")
        if params.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000"):
            continue
        accepted.add(name.strip())
    return accepted


def _build(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> _Prepared:
    kept = [(k, v) for k, v in headers if k.lower() not in _PER_REPRESENTATION]
    vary = MutableHeaders(raw=[(k, v) for k, v in kept if k.lower() == b"vary"])
    add_vary(vary, "Accept-Encoding")
    kept = [(k, v) for k, v in kept if k.lower() != b"vary"] + [(b"vary", vary["vary"].encode())]
    tag = hashlib.sha256(body).hexdigest()[:20]
    gzipped, brotlied = _compressed(body)

    def variant(data: bytes, suffix: str, coding: str | None) -> _Variant:
        etag = f'"{tag}{suffix}"'.encode()
        extra = [(b"content-length", str(len(data)).encode()), (b"etag", etag)]
        if coding:
            extra.append((b"content-encoding", coding.encode()))
        return _Variant(data, etag, kept + extra)

    identity, gz, br = (
        variant(body, "", None),
        variant(gzipped, "-gz", "gzip"),
        variant(brotlied, "-br", "br"),
    )
    not_modified = [(k, v) for k, v in kept if k.lower() != b"content-type"]
    return _Prepared(
        status, identity, gz, br, not_modified, frozenset({identity.etag, gz.etag, br.etag})
    )


def _matches(if_none_match: bytes, etags: frozenset[bytes]) -> bool:
    if if_none_match.strip() == b"*":
        return True
    return any(tag.strip().removeprefix(b"W/") in etags for tag in if_none_match.split(b",") if tag)


class PreparedStore(OrderedDict):
    """The prepared answers of one app, oldest first; `clear()` forgets them all."""


class PreparedPages:
    """Answers marked public pages from bytes prepared once (see the module's docstring)."""

    def __init__(self, app: ASGIApp, *, store: "PreparedStore") -> None:
        self.app = app
        self.pages = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _GET_OR_HEAD or scope["query_string"]:
            await self.app(scope, receive, _unmarked(send))
            return
        cookie = hx = restore = b""
        accept_encoding = if_none_match = b""
        for name, value in scope["headers"]:
            if name in _LOOKED_AT:
                if name == b"accept-encoding":
                    accept_encoding = value
                elif name == b"if-none-match":
                    if_none_match = value
                elif name == b"cookie":
                    cookie = cookie + b"; " + value if cookie else value
                elif name == b"hx-request":
                    hx += value
                else:
                    restore += value
        if cookie and not _only_harmless(cookie):
            await self.app(scope, receive, _unmarked(send))
            return
        key = (scope["path"], hx == b"true", restore == b"true")
        prepared = self.pages.get(key)
        if prepared is None:
            prepared = await self._answer_and_keep(key, scope, receive, send)
            if prepared is None:
                return
        log = scope.get("next_steps.log")
        if log is not None:
            log["route"] = prepared.route
        variant = prepared.variant(accept_encoding)
        if if_none_match and _matches(if_none_match, prepared.etags):
            await send(
                {"type": "http.response.start", "status": 304,
                 "headers": prepared.not_modified_headers + [(b"etag", variant.etag)]}
            )  # fmt: skip
            await send({"type": "http.response.body", "body": b""})
            return
        await send(
            {"type": "http.response.start", "status": prepared.status, "headers": variant.headers}
        )
        body = b"" if scope["method"] == "HEAD" else variant.body
        await send({"type": "http.response.body", "body": body})

    async def _answer_and_keep(
        self, key: tuple, scope: Scope, receive: Receive, send: Send
    ) -> _Prepared | None:
        """Let the whole app answer; keep the answer when it is marked and public.

        Returns what was kept, for the caller to send, or None when the app's answer has
        already been passed on as it came (streamed, compressed or not, as usual)."""
        marker = _MARKER
        inner_scope = {
            **scope,
            "headers": [(k, v) for k, v in scope["headers"] if k != b"if-none-match"],
        }
        keeping = False
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal keeping, start
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                names = {name.lower() for name, _ in headers}
                keeping = (
                    scope["method"] == "GET"
                    and message["status"] == 200
                    and marker in names
                    and b"set-cookie" not in names
                    and not _personal(headers)
                )
                if keeping:
                    start = message
                    return
                message = {
                    **message,
                    "headers": [(k, v) for k, v in headers if k.lower() != marker],
                }
            elif keeping and message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                return
            await send(message)

        await self.app(inner_scope, receive, capture)
        if not keeping:
            return None
        headers = list(start.get("headers", []))
        body = b"".join(chunks)
        if (b"content-encoding", b"gzip") in [(k.lower(), v) for k, v in headers]:
            body = gzip.decompress(body)  # compressed on the way out; kept as it was made
        route = (scope.get("next_steps.log") or {}).get("route")
        prepared = replace(_build(start["status"], headers, body), route=route)
        self.pages[key] = prepared
        if len(self.pages) > MAX_PAGES:
            self.pages.popitem(last=False)
        return prepared


def _unmarked(send: Send) -> Send:
    """`send`, with the route's mark taken off: it is for this middleware, not the browser."""

    async def send_unmarked(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = message.get("headers", [])
            if any(name.lower() == _MARKER for name, _ in headers):
                message = {**message, "headers": [h for h in headers if h[0].lower() != _MARKER]}
        await send(message)

    return send_unmarked


def _personal(headers: list[tuple[bytes, bytes]]) -> bool:
    """A response its own headers say is for one person (a CSRF token in it, say)."""
    cache_control = b",".join(v for k, v in headers if k.lower() == b"cache-control").lower()
    return b"private" in cache_control or b"no-store" in cache_control


def _only_harmless(cookie_header: bytes) -> bool:
    """True when every cookie the request carries is one no prepared page depends on.

    Read by name alone, and strictly: any piece that is not plainly a harmless cookie,
    however malformed, sends the request through the whole app."""
    for piece in cookie_header.split(b";"):
        name, equals, _ = piece.partition(b"=")
        if not equals and not name.strip():
            continue  # an empty piece ("a=1; ;b=2" or a trailing ";")
        if name.strip().decode("latin-1") not in HARMLESS_COOKIES:
            return False
    return True
