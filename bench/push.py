"""Push sending: 10,000 notifications through our sender to a push service on loopback.

The push service (a separate process) answers 201 without decrypting: the tests decrypt,
this measures the sender. Measured in the same run:

- ours: `app.notify.webpush.Sender.send_many` (one aiohttp session, bounded in flight,
  VAPID signed once per origin);
- loop: pywebpush's `webpush()` called once per message, as its README shows;
- ceiling: this machine merely encrypting (pywebpush's `WebPusher.encode`, RFC 8291) and
  VAPID-signing (py_vapid, fresh claims) each message, with no network at all.

Prints messages per second and ours ÷ loop (aim ≥ 3) and ours ÷ ceiling (aim ≥ 0.5).
"""

import asyncio
import base64
import multiprocessing
import os
import tempfile
import time

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid
from pywebpush import WebPusher, webpush

from app.notify.webpush import Push, Sender
from app.settings import Settings

MESSAGES = 10_000
BROWSERS = 100
SUBJECT = "mailto:bench@nextsteps.example"
PAYLOAD = (
    b'{"title":"Reminder","body":"You have an appointment tomorrow at 10:00",'
    b'"url":"/en/calendar/appointments/123","tag":"ns-0123456789abcdef","lang":"en",'
    b'"dir":"ltr","pad":"' + b"x" * 40 + b'"}'
)  # about 200 bytes, like a real reminder


def _serve(port_queue) -> None:
    """A minimal HTTP/1.1 push service: reads each POST and answers 201, keep-alive."""

    async def handle(reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                if length:
                    await reader.readexactly(length)
                close = b"connection: close" in head.lower()
                writer.write(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
                if close:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
        port_queue.put(server.sockets[0].getsockname()[1])
        await server.serve_forever()

    asyncio.run(main())


def _browsers(origin: str) -> list[tuple[str, str, str]]:
    """(endpoint, p256dh, auth) for BROWSERS made-up browsers on the loopback service."""

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    made = []
    for n in range(BROWSERS):
        key = ec.generate_private_key(ec.SECP256R1()).public_key()
        raw = key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        made.append((f"{origin}/push/b{n}", b64(raw), b64(os.urandom(16))))
    return made


def main() -> None:
    queue = multiprocessing.Queue()
    server = multiprocessing.Process(target=_serve, args=(queue,), daemon=True)
    server.start()
    origin = f"http://127.0.0.1:{queue.get(timeout=10)}"
    try:
        pem = Settings(data_dir=tempfile.mkdtemp(prefix="bench-push-")).vapid_key_pem()
        browsers = _browsers(origin)
        subs = [{"endpoint": e, "keys": {"p256dh": k, "auth": a}} for e, k, a in browsers]
        pushes = [Push(*browsers[n % BROWSERS], PAYLOAD, 86400) for n in range(MESSAGES)]

        # Ceiling: encrypt and sign every message, nothing sent.
        vapid = Vapid.from_pem(pem.encode())
        started = time.perf_counter()
        for n in range(MESSAGES):
            WebPusher(subs[n % BROWSERS]).encode(PAYLOAD, "aes128gcm")
            vapid.sign({"sub": SUBJECT, "aud": origin, "exp": int(time.time()) + 43200})
        ceiling = MESSAGES / (time.perf_counter() - started)

        # pywebpush's webpush() once per message, with a timeout and a TTL as it should.
        started = time.perf_counter()
        for n in range(MESSAGES):
            webpush(
                subs[n % BROWSERS],
                PAYLOAD,
                vapid_private_key=vapid,
                vapid_claims={"sub": SUBJECT},
                ttl=86400,
                timeout=10,
            )
        loop = MESSAGES / (time.perf_counter() - started)

        # Ours.
        sender = Sender(
            private_pem=pem, subject=SUBJECT, timeout=10, concurrency=64, allow_loopback=True
        )
        try:
            sender.send_many(pushes[:200])  # connections open, VAPID header signed
            started = time.perf_counter()
            results = sender.send_many(pushes)
            ours = MESSAGES / (time.perf_counter() - started)
        finally:
            sender.close()
        failed = sum(r.outcome != "sent" for r in results)
        assert failed == 0, f"{failed} of {MESSAGES} not accepted"
    finally:
        server.terminate()
        server.join()

    print(
        f"push: {MESSAGES:,} messages of {len(PAYLOAD)} bytes to {BROWSERS} browsers "
        f"on loopback (cpus: {os.cpu_count()})"
    )
    print(f"  ours (Sender.send_many)       {ours:8.0f} msg/s")
    print(f"  loop (webpush() per message)  {loop:8.0f} msg/s")
    print(f"  ceiling (encrypt + sign only) {ceiling:8.0f} msg/s")
    print(f"  ours / loop    {ours / loop:5.2f}×  (aim ≥ 3)")
    print(f"  ours / ceiling {ours / ceiling:5.2f}   (aim ≥ 0.5)")


if __name__ == "__main__":
    main()
