"""A push service on loopback for the tests: checks each message's VAPID signature with
py_vapid, decrypts it with http_ece as the browser would, and records what it read.

Answers 201 unless told otherwise (`script` of statuses, with optional Retry-After), and
can hold requests unanswered (`hold_after`) so a test can kill a worker mid-send.
"""

import base64
import http.server
import json
import os
import threading
from dataclasses import dataclass, field

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class Browser:
    """A browser's push keys: the private half stays here, the public half is subscribed."""

    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth_secret: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def p256dh(self) -> str:
        return b64(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    @property
    def auth(self) -> str:
        return b64(self.auth_secret)


@dataclass
class Received:
    path: str
    headers: dict
    text: str
    vapid_ok: bool
    claims: dict

    @property
    def json(self) -> dict:
        return json.loads(self.text)


class PushService:
    def __init__(self, *, verify: bool = True) -> None:
        self.browsers: dict[str, Browser] = {}
        self.received: list[Received] = []
        self.script: list[tuple[int, dict]] = []  # answers to give first, in order
        self.delay = 0.0
        self.hold_after: int | None = None  # answer this many, then hold the rest
        self.holding = threading.Event()
        self.held = 0  # requests being held unanswered right now
        self.release = threading.Event()
        self.verify = verify
        self.lock = threading.Lock()
        service = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                service.handle(self, body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"

    def subscribe(self, name: str) -> tuple[str, Browser]:
        """A new browser's endpoint on this service, and its keys."""
        browser = Browser()
        self.browsers[f"/push/{name}"] = browser
        return f"{self.origin}/push/{name}", browser

    def handle(self, handler, body: bytes) -> None:
        if self.delay:
            threading.Event().wait(self.delay)
        with self.lock:
            scripted = self.script.pop(0) if self.script else None
            hold = (
                scripted is None
                and self.hold_after is not None
                and len(self.received) >= self.hold_after
            )
        if hold:
            with self.lock:
                self.held += 1
            self.holding.set()
            self.release.wait()
            handler.close_connection = True
            return  # never answered: the message was not accepted
        if scripted is not None:
            status, headers = scripted
            handler.send_response(status)
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        browser = self.browsers.get(handler.path)
        if browser is None:
            handler.send_response(410)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        auth = handler.headers.get("Authorization", "")
        vapid_ok, claims = self._check_vapid(auth) if self.verify else (True, {})
        text = http_ece.decrypt(
            body,
            private_key=browser.private_key,
            auth_secret=browser.auth_secret,
            version="aes128gcm",
        ).decode()
        with self.lock:
            self.received.append(
                Received(
                    handler.path,
                    {k.lower(): v for k, v in handler.headers.items()},
                    text,
                    vapid_ok,
                    claims,
                )
            )
        handler.send_response(201 if vapid_ok else 403)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    @staticmethod
    def _check_vapid(auth: str) -> tuple[bool, dict]:
        """RFC 8292: `vapid t=<JWT>,k=<public key>`; the JWT verified against k."""
        try:
            ok = Vapid02.verify(auth)
            token = dict(part.split("=", 1) for part in auth.split(" ", 1)[1].split(","))["t"]
            claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
        except Exception:
            return False, {}
        return bool(ok), claims

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
