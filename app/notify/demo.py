"""The demo's stand-in for GOV.UK Notify (only with DEMO_CHANNELS, never in production):
`make run` sends texts and emails through the real Notify client to this app's own
/v2/notifications/ address, which checks each request's JWT the way Notify does and keeps the
messages in memory for /{locale}/demo-messages to show."""

import threading
import time
import uuid
from collections import deque

import jwt

SERVICE_ID = "00000000-0000-4000-8000-00000000d3e0"
SECRET = "00000000-0000-4000-8000-0000000005ec"
DEMO_KEY = f"demo-{SERVICE_ID}-{SECRET}"
KEPT = 50


def demo_base_url(settings) -> str:
    """This app itself: the stand-in answers at /v2/notifications/… (Notify's own paths,
    which the client joins to the base address's root)."""
    return settings.public_origin.rstrip("/") or "http://127.0.0.1:8000"


class Inbox:
    """The stand-in's messages, newest first (in memory: the demo only)."""

    def __init__(self) -> None:
        self.messages: deque[dict] = deque(maxlen=KEPT)
        self.lock = threading.Lock()

    def take(self, kind: str, data: dict) -> str:
        ident = str(uuid.uuid4())
        with self.lock:
            self.messages.appendleft({"id": ident, "kind": kind, "at": time.time(), **data})
        return ident

    def list(self) -> list[dict]:
        with self.lock:
            return list(self.messages)


def check_token(header: str | None, *, now: float | None = None) -> bool:
    """What Notify checks: a Bearer JWT, HS256 with the key's secret, `iss` the service id,
    `iat` within 30 seconds of now."""
    if not header or not header.startswith("Bearer "):
        return False
    try:
        claims = jwt.decode(
            header[len("Bearer ") :], SECRET, algorithms=["HS256"],
            options={"verify_iat": False, "require": ["iss", "iat"]},
        )  # fmt: skip
    except jwt.PyJWTError:
        return False
    now = time.time() if now is None else now
    return claims.get("iss") == SERVICE_ID and abs(now - int(claims["iat"])) <= 30
