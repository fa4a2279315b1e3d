"""A crowd on a served app (loopback): it slows but never fails. Counts and p99 printed."""

import asyncio
import threading
import time
import uuid

import httpx
import pytest
import uvicorn
from sqlmodel import Session

from app.main import create_app
from tests import factories
from tests.factories import GOOD_PASSPHRASE

CROWD = 200


@pytest.fixture
def served_real(settings, engine):
    """The app with its real sessions (no rolled-back test session) on a loopback port."""
    app = create_app(settings, engine=engine)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                                           lifespan="off", proxy_headers=False))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not (server.started and server.servers):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    yield app, f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=10)


async def _crowd(base: str, requests) -> list[tuple[int, float, dict]]:
    limits = httpx.Limits(max_connections=CROWD * 2)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as http:

        async def one(make):
            started = time.monotonic()
            response = await make(http)
            return response.status_code, time.monotonic() - started, response.headers

        return await asyncio.gather(*(one(make) for make in requests))


def _run(coroutine):
    """The crowd on an event loop of its own thread: a browser test earlier in the same
    worker leaves Playwright's loop running in this one, where asyncio.run() refuses."""
    results = []
    thread = threading.Thread(target=lambda: results.append(asyncio.run(coroutine)))
    thread.start()
    thread.join()
    return results[0]


def _report(name: str, results) -> None:
    counts: dict[int, int] = {}
    for status, _, _ in results:
        counts[status] = counts.get(status, 0) + 1
    times = sorted(t for _, t, _ in results)
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(f"{name}: {dict(sorted(counts.items()))}, p99 {p99:.2f}s")
    for status, _, headers in results:
        assert status < 500 or (status == 503 and "retry-after" in headers), status
        assert status in (200, 204, 303, 302, 429, 503), status


def test_a_crowd_of_signed_in_loads_and_sign_ins_never_gets_a_500(
    served_real, settings, engine, real_passphrase_hashing
):
    app, base = served_real
    tag = uuid.uuid4().hex[:8]
    with Session(engine) as db:
        parent = factories.user(db, name=f"crowd-{tag}", passphrase=GOOD_PASSPHRASE)
        token = factories.session_token(db, parent, settings)
    from itsdangerous import URLSafeSerializer

    csrf = URLSafeSerializer(settings.signing_key(), "csrftoken").dumps("crowd")

    def load(http):
        return http.get("/en/calendar/", headers={"Cookie": f"ns_session={token}"})

    def sign_in(http):
        return http.post("/en/sign-in", headers={"Cookie": f"csrftoken={csrf}"}, data={
            "name": f"crowd-{tag}", "passphrase": GOOD_PASSPHRASE, "csrftoken": csrf})  # fmt: skip

    _report("signed-in loads", _run(_crowd(base, [load] * CROWD)))
    _report("sign-ins", _run(_crowd(base, [sign_in] * CROWD)))


def test_no_free_session_slot_within_the_wait_is_the_busy_page(client, app):
    from app.db import SessionSlots
    from app.deps import get_session

    app.dependency_overrides.pop(get_session)  # the real sessions, behind their slots
    app.state.session_slots = SessionSlots(size=0, wait=0.05)  # every slot taken
    response = client.get("/en/calendar/", follow_redirects=False)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "10"
    assert "no-store" in response.headers["cache-control"]
    assert client.get("/healthz").status_code == 200, "health needs no session slot"
