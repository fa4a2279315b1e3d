"""A stand-in for GOV.UK Notify on loopback, for the real `notifications-python-client`:
it checks each request's JWT as Notify does (HS256 with the key's secret, `iss` the service
id, `iat` within 30 seconds), records every text and email, and can be told to answer the
next requests with an error (400 invalid number, 403, 429, 500)."""

import json
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt

SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"
API_KEY = f"next_steps_test-{SERVICE_ID}-{SECRET}"
ERRORS = {
    400: {"error": "ValidationError", "message": "phone_number Not a UK mobile number"},
    403: {"error": "AuthError", "message": "Invalid token: API key not found"},
    429: {"error": "RateLimitError", "message": "Exceeded rate limit for key type LIVE"},
    500: {"error": "Exception", "message": "Internal server error"},
}


@dataclass
class Received:
    kind: str  # "sms" or "email"
    to: str
    template_id: str
    personalisation: dict
    reference: str | None
    id: str


class NotifyService:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.refused_tokens = 0
        self.failures: deque[int] = deque()
        self.lock = threading.Lock()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if not service.token_ok(self.headers.get("authorization")):
                    service.refused_tokens += 1
                    return self._answer(403, {"status_code": 403, "errors": [ERRORS[403]]})
                kind = self.path.rsplit("/", 1)[-1]
                if self.path not in ("/v2/notifications/sms", "/v2/notifications/email"):
                    return self._answer(404, {"status_code": 404, "errors": []})
                with service.lock:
                    failure = service.failures.popleft() if service.failures else None
                if failure:
                    error = dict(ERRORS[failure])
                    if kind == "email" and failure == 400:
                        error["message"] = "email_address Not a valid email address"
                    return self._answer(failure, {"status_code": failure, "errors": [error]})
                ident = str(uuid.uuid4())
                with service.lock:
                    service.received.append(
                        Received(
                            kind, body.get("phone_number") or body.get("email_address"),
                            body["template_id"], body.get("personalisation") or {},
                            body.get("reference"), ident,
                        )  # fmt: skip
                    )
                return self._answer(201, {"id": ident, "reference": body.get("reference"),
                                          "content": {}, "template": {}})  # fmt: skip

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @staticmethod
    def token_ok(header: str | None) -> bool:
        if not header or not header.startswith("Bearer "):
            return False
        token = header[len("Bearer ") :]
        try:
            if jwt.get_unverified_header(token).get("alg") != "HS256":
                return False
            options = {"verify_iat": False, "require": ["iss", "iat"]}
            claims = jwt.decode(token, SECRET, algorithms=["HS256"], options=options)
        except jwt.PyJWTError:
            return False
        return claims["iss"] == SERVICE_ID and abs(time.time() - int(claims["iat"])) <= 30

    def fail_next(self, *statuses: int) -> None:
        self.failures.extend(statuses)

    def texts(self) -> list[Received]:
        return [r for r in self.received if r.kind == "sms"]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
