"""Structured logs: one JSON object a line, each with the request it belongs to, and never
personal data.

What keeps personal data out:
- the access line names the route as written in the code (`/calendar/{token}.ics`), never
  the address asked for, and never a query string (search words, `next=`, codes);
- no client address is logged (sign-in limits keep theirs as keyed hashes in the database);
- an exception is logged as its type and where it happened, without its message, which
  may quote what someone typed (a database error quotes the row it could not write);
- the HTTP clients' own loggers (feed and push addresses are secrets) speak only of
  warnings, and the servers' access logs (the raw address) are off.

The request id comes from the proxy's `X-Request-ID` only when the request came straight
from one of TRUSTED_PROXIES (nginx logs the same id), else it is made here; either way it
is sent back in the response's `X-Request-ID`.
"""

import datetime as dt
import json
import logging
import os
import re
import sys
import time
import traceback
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

ACCESS = logging.getLogger("next_steps.access")
# What a proxy's request id may look like (nginx's $request_id is 32 hex digits).
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
# Loggers whose INFO lines would carry addresses with secrets in them, or raw request lines.
QUIET = ("httpx", "httpcore", "urllib3", "requests", "pywebpush", "asyncio", "alembic")
SILENT = ("uvicorn.access", "gunicorn.access")
# LogRecord attributes that are not `extra=` fields.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {
    "message", "asctime", "taskName", "color_message",  # uvicorn's copy with terminal colours
}  # fmt: skip


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON: time, level, logger, message, request id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = request_id.get()
        if rid:
            entry["request_id"] = rid
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, int | float | bool | None) else str(value)
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = record.exc_info[0].__name__
            entry["stack"] = [
                f"{frame.filename}:{frame.lineno} {frame.name}"
                for frame in traceback.extract_tb(record.exc_info[2])
            ]
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """For a person reading a terminal: the same facts, one plain line, no exception text."""

    def format(self, record: logging.LogRecord) -> str:
        data = json.loads(JsonFormatter().format(record))
        head = f"{data.pop('time')} {data.pop('level')} {data.pop('logger')}: {data.pop('message')}"
        return " ".join([head, *(f"{key}={value}" for key, value in data.items())])


def configure(log_format: str = "json", level: str = "INFO") -> None:
    """This process's logging: one handler on stderr, JSON (or text), servers' access
    logs off, HTTP clients quiet. Safe to call again (the handler is replaced)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "gunicorn", "gunicorn.error"):
        server = logging.getLogger(name)
        server.handlers, server.propagate = [], True
    for name in SILENT:
        server = logging.getLogger(name)
        server.handlers, server.propagate, server.disabled = [], False, True
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)


class RequestLog:
    """Outermost ASGI layer: a request id for the request's log lines and its response,
    and one access line (method, route, status, milliseconds) when it ends."""

    def __init__(self, app: ASGIApp, *, trusted_proxies: list) -> None:
        self.app = app
        self.trusted = trusted_proxies
        self._known: dict[str, bool] = {}

    def _given_id(self, scope: Scope) -> str | None:
        """The proxy's request id, believed only from a trusted proxy (most requests carry
        none, so the headers are looked at before the address is)."""
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                client = scope.get("client")
                if not client or not self._trusted(client[0]):
                    return None
                text = value.decode("latin-1")
                return text if REQUEST_ID.fullmatch(text) else None
        return None

    def _trusted(self, address: str) -> bool:
        from app.security import is_trusted_address

        known = self._known.get(address)
        if known is None:
            known = self._known[address] = is_trusted_address(address, self.trusted)
            if len(self._known) > 1024:  # addresses seen: a bounded memo, not a log
                self._known.clear()
        return known

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = self._given_id(scope) or os.urandom(16).hex()
        token = request_id.set(rid)
        # Shared by every copy of the scope that the layers below make, so the innermost
        # layer can say which route answered (RouteName).
        scope["next_steps.log"] = seen = {}
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            ACCESS.info(
                "request",
                extra={
                    "method": scope["method"],
                    "route": seen.get("route") or _unrouted(scope["path"]),
                    "status": status,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            request_id.reset(token)


def _unrouted(path: str) -> str:
    """What the access line says of a request no route answered: static files by their
    folder, anything else (an address that does not exist) not at all."""
    return "/static/…" if path.startswith("/static/") else "-"


class RouteName:
    """Innermost ASGI layer: records the route template that answered, for RequestLog."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        finally:
            route = scope.get("route")
            seen = scope.get("next_steps.log")
            if route is not None and seen is not None:
                seen["route"] = getattr(route, "path", None)
