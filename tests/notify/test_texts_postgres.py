"""Two `python -m app.worker` processes on PostgreSQL and 'push, then text' messages whose
push was not shown: each text goes exactly once (the loopback Notify counts them)."""

import collections
import datetime as dt
import json
import os
import subprocess
import sys
import time

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from app.calendar.models import Agency, Appointment
from app.db import make_engine
from app.notify.models import (
    AddressKind,
    Channel,
    NotifyAddress,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
)
from app.settings import ROOT
from tests import factories
from tests.conftest import migrate, settings_for
from tests.notify.notify_service import API_KEY

pytestmark = pytest.mark.postgres
PARENTS = 30
DEADLINE_SECONDS = 120  # a safety net for a hung run, not a measure of speed


def add_unshown(engine) -> set[str]:
    """Each parent: a reminder whose push went an hour ago and was never shown, and its
    'then text' row, due now."""
    now = dt.datetime.now(dt.UTC)
    refs = set()
    with Session(engine) as db:
        for n in range(PARENTS):
            parent = factories.user(db, name=f"fallback-{n}")
            db.add(NotifyAddress(user_id=parent.id, kind=AddressKind.phone,
                                 value=f"+4477009{n:05d}", confirmed_at=now))  # fmt: skip
            visit = Appointment(parent_id=parent.id, match_key="a|", agency=Agency.gp,
                                start=now + dt.timedelta(hours=3),
                                end=now + dt.timedelta(hours=4))  # fmt: skip
            db.add(visit)
            db.flush()
            key = f"reminder:{visit.id}:120:pg"
            common = {"user_id": parent.id, "kind": OutboxKind.reminder,
                      "appointment_id": visit.id, "expires_at": visit.start}  # fmt: skip
            db.add(OutboxMessage(key=key, channel=Channel.push, status=OutboxStatus.sent,
                                 due_at=now - dt.timedelta(hours=1), ack=f"ack-{n}",
                                 sent_at=now - dt.timedelta(hours=1), **common))  # fmt: skip
            text = OutboxMessage(key=f"{key}:text", channel=Channel.text,
                                 data=json.dumps({"after_push": True}),
                                 due_at=now - dt.timedelta(minutes=1), **common)  # fmt: skip
            db.add(text)
            db.flush()
            refs.add(str(text.id))
        db.commit()
    return refs


def texts_sent(engine) -> int:
    with Session(engine) as db:
        query = select(func.count()).where(
            OutboxMessage.channel == Channel.text, OutboxMessage.status == OutboxStatus.sent
        )
        return db.exec(query).one()


def test_two_workers_send_each_fallback_text_once(
    temporary_postgres, tmp_path, notify_service
):
    with temporary_postgres() as url:
        settings = settings_for(url, tmp_path)
        engine = make_engine(settings)
        migrate(engine)
        refs = add_unshown(engine)
        env = {
            **os.environ,
            "DATABASE_URL": url, "DATA_DIR": str(tmp_path), "SECRET_KEY": settings.secret_key,
            "VAPID_SUBJECT": settings.vapid_subject, "NOTIFY_API_KEY": API_KEY,
            "NOTIFY_BASE_URL": notify_service.base_url, "NOTIFY_SMS_TEMPLATE_ID": "sms",
            "PUBLIC_ORIGIN": "https://nextsteps.example",
            "FALLBACK_REMINDER_MINUTES": "30", "TEXTS_MONTHLY_BUDGET": "0",
        }  # fmt: skip
        workers = [
            subprocess.Popen(
                [sys.executable, "-m", "app.worker", "--lanes", "4", "--idle-seconds", "0.2"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            )  # fmt: skip
            for _ in range(2)
        ]
        try:
            deadline = time.monotonic() + DEADLINE_SECONDS
            while texts_sent(engine) < PARENTS:
                assert time.monotonic() < deadline, "gave up waiting for the texts"
                time.sleep(0.1)
        finally:
            for worker in workers:
                worker.terminate()
                worker.wait(timeout=30)
            engine.dispose()
        counted = collections.Counter(r.reference for r in notify_service.texts())
        assert set(counted) == refs and set(counted.values()) == {1}, "each text exactly once"
        assert notify_service.refused_tokens == 0
