"""Exactly once on PostgreSQL: two `python -m app.worker` processes share 2,000 due
notifications, then a worker is killed mid-batch and others restarted: none lost, none
doubled. The push service on loopback decrypts every message and counts each tag."""

import collections
import datetime as dt
import os
import subprocess
import sys
import time

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from app.calendar.models import Agency, Appointment
from app.db import make_engine
from app.notify.models import OutboxKind, OutboxMessage, OutboxStatus, PushSubscription
from app.notify.outbox import tag_for
from app.settings import ROOT
from tests import factories
from tests.conftest import migrate, settings_for

pytestmark = pytest.mark.postgres
USERS, PER_USER = 40, 50  # 2,000 messages a round
DEADLINE_SECONDS = 300  # a safety net for a hung run, not a measure of speed


def add_round(engine, push_service, round_no: int) -> set[str]:
    """USERS × PER_USER due reminders, each for an appointment of its own; their keys."""
    now = dt.datetime.now(dt.UTC)
    keys = set()
    with Session(engine) as db:
        for u in range(USERS):
            parent = factories.user(db, name=f"round{round_no}-parent{u}")
            endpoint, browser = push_service.subscribe(f"r{round_no}-u{u}")
            db.add(
                PushSubscription(
                    user_id=parent.id, endpoint=endpoint, p256dh=browser.p256dh, auth=browser.auth
                )
            )
            appointments = [
                Appointment(
                    parent_id=parent.id,
                    match_key=f"a{n}|",
                    agency=Agency.gp,
                    start=now + dt.timedelta(days=2, minutes=n),
                    end=now + dt.timedelta(days=2, minutes=n + 30),
                )
                for n in range(PER_USER)
            ]
            db.add_all(appointments)
            db.flush()
            for appointment in appointments:
                key = f"reminder:{appointment.id}:120:round{round_no}"
                keys.add(key)
                db.add(
                    OutboxMessage(
                        key=key,
                        user_id=parent.id,
                        kind=OutboxKind.reminder,
                        appointment_id=appointment.id,
                        due_at=now - dt.timedelta(minutes=1),
                        expires_at=appointment.start,
                    )
                )
        db.commit()
    return keys


LANES = 4  # sends in flight at once in each worker


def sent(engine) -> int:
    with Session(engine) as db:
        query = select(func.count()).where(OutboxMessage.status == OutboxStatus.sent)
        return db.exec(query).one()


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)


@pytest.fixture
def world(temporary_postgres, tmp_path, push_service):
    with temporary_postgres() as url:
        settings = settings_for(url, tmp_path)
        engine = make_engine(settings)
        migrate(engine)
        settings.vapid_key_pem()  # made once, shared by every worker through DATA_DIR
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "DATA_DIR": str(tmp_path),
            "SECRET_KEY": settings.secret_key,
            "VAPID_SUBJECT": settings.vapid_subject,
            "PUSH_ALLOW_LOOPBACK": "true",
        }
        workers: list[subprocess.Popen] = []

        def start() -> subprocess.Popen:
            worker = subprocess.Popen(
                [sys.executable, "-m", "app.worker", "--lanes", str(LANES),
                 "--idle-seconds", "0.2"],  # fmt: skip
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            workers.append(worker)
            return worker

        yield engine, start
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=30)
        engine.dispose()


def counted(push_service) -> collections.Counter:
    return collections.Counter(r.json["tag"] for r in push_service.received)


def test_two_workers_then_a_killed_one_deliver_each_message_exactly_once(world, push_service):
    engine, start = world
    first = add_round(engine, push_service, 1)
    assert len(first) == USERS * PER_USER == 2000
    pair = start(), start()
    wait_for(lambda: sent(engine) == 2000, "two workers to send 2,000")
    for worker in pair:
        worker.terminate()
        assert worker.wait(timeout=60) == 0, worker.stderr.read().decode()[-2000:]
    tags = counted(push_service)
    assert len(tags) == 2000 and set(tags.values()) == {1}, "each delivered exactly once"
    assert set(tags) == {tag_for(key) for key in first}
    assert all(r.vapid_ok for r in push_service.received)

    # A worker killed mid-batch: the push service answers 500 more, then holds every
    # request unanswered; once what it answered is committed, the worker is killed.
    second = add_round(engine, push_service, 2)
    push_service.hold_after = len(push_service.received) + 500
    doomed = start()
    assert push_service.holding.wait(DEADLINE_SECONDS), "the worker never reached the hold"
    # Every lane held: nothing else is in flight, so what was received is all that can be.
    wait_for(lambda: push_service.held >= LANES, "every lane to reach the hold")
    wait_for(lambda: sent(engine) == len(push_service.received), "answered sends to commit")
    doomed.kill()
    doomed.wait()
    push_service.hold_after = None
    push_service.release.set()  # the held requests end unanswered: never accepted
    # Lanes that passed the hold's check together may each have been answered: 2,500 or
    # a few more, every one of them committed before the kill.
    assert 2500 <= sent(engine) == len(push_service.received) < 4000, "killed mid-batch"

    start(), start()
    wait_for(lambda: sent(engine) == 4000, "restarted workers to send the rest")
    tags = counted(push_service)
    assert len(tags) == 4000 and set(tags.values()) == {1}, "none lost, none doubled"
    assert set(tags) == {tag_for(key) for key in first | second}
    with Session(engine) as db:
        left = db.exec(select(OutboxMessage).where(OutboxMessage.status != OutboxStatus.sent))
        assert left.all() == []
