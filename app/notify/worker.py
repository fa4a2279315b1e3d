"""Sending due notifications: a thread inside the app (SQLite), or any number of
`python -m app.worker` processes (PostgreSQL).

Each lane claims one due message at a time and keeps it locked (`FOR UPDATE SKIP LOCKED`
on PostgreSQL) while it is sent, then records the outcome and commits. Other lanes and
other processes skip locked rows, so no message is sent twice at once. A worker that dies
mid-send loses its connection, the database rolls back and unlocks its row at once, and
the next worker sends it: nothing is lost, and nothing a push service acknowledged before
the commit is repeated (the window between the service's answer and our commit is a
millisecond; a copy sent in it carries the same tag and Topic, so the phone shows it once).
"""

import datetime as dt
import logging
import random
import threading
from collections.abc import Callable

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.accounts.models import as_utc
from app.background import Idle, PeriodicThread
from app.calendar.models import AppointmentChange
from app.notify import outbox
from app.notify.models import OutboxMessage, OutboxStatus, PushSubscription
from app.notify.webpush import Outcome, Push, Sender
from app.settings import Settings

log = logging.getLogger("next_steps.notify")
PASS_SECONDS = 30
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def backoff(attempt: int, *, retry_after: float | None = None) -> dt.timedelta:
    """Exponential back-off with jitter (half to all of the step), never sooner than the
    push service's Retry-After."""
    step = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempt - 1))
    wait = random.uniform(step / 2, step)
    return dt.timedelta(seconds=max(wait, retry_after or 0))


def claim_one(session: Session, *, now: dt.datetime) -> OutboxMessage | None:
    """The next due message, locked for this transaction; rows others hold are skipped."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.pending, OutboxMessage.due_at <= now)
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return session.exec(query).first()


def _ids(text: str) -> set[int]:
    return {int(i) for i in text.split(",") if i}


def deliver(
    session: Session,
    *,
    message: OutboxMessage,
    sender: Sender,
    settings: Settings,
    now: dt.datetime,
) -> str:
    """Send one claimed message to each of its person's devices, record what happened and
    commit (which unlocks it). Returns the message's status."""
    rendered = outbox.render(session, message=message, locales=settings.locale_list, now=now)
    expires = as_utc(message.expires_at) if message.expires_at else None
    finished = _ids(message.finished_for)
    devices = [
        s
        for s in session.exec(
            select(PushSubscription).where(PushSubscription.user_id == message.user_id)
        )
        if s.id not in finished
    ]
    reason = (
        "not_owed" if rendered is None
        else "expired" if expires and expires <= now
        else "no_device" if not devices
        else None
    )  # fmt: skip
    if reason:
        message.status = OutboxStatus.sent if message.sent_at else OutboxStatus.cancelled
        message.last_error = message.last_error if message.sent_at else reason
        session.add(message)
        session.commit()
        return message.status
    ttl = settings.push_ttl_seconds
    if expires:
        ttl = max(0, min(ttl, int((expires - now).total_seconds())))
    topic = outbox.tag_for(message.key).replace("-", "")[:32]
    pushes = [
        Push(d.endpoint, d.p256dh, d.auth, rendered.payload, ttl, rendered.urgency, topic)
        for d in devices
    ]
    results = sender.send_many(pushes)
    retry_after: list[float] = []
    retrying = False
    for device, result in zip(devices, results, strict=True):
        if result.outcome == Outcome.sent:
            finished.add(device.id)
            device.last_success_at = now
            session.add(device)
            if message.sent_at is None:
                message.sent_at = now
        elif result.outcome == Outcome.gone:
            # The browser unsubscribed: forget exactly this address, nothing else.
            session.execute(
                delete(PushSubscription).where(PushSubscription.endpoint == device.endpoint)
            )
        elif result.outcome == Outcome.refused:
            finished.add(device.id)
            message.last_error = result.error
            if result.status == 403:
                log.error(
                    "PUSH REFUSED (403) for subscription %s: the push service does not accept "
                    "our VAPID signature. Check VAPID_PRIVATE_KEY has not changed since the "
                    "browser subscribed. The subscription is kept.",
                    device.id,
                )
            else:
                log.warning("push refused (%s) for subscription %s", result.error, device.id)
        else:
            retrying = True
            message.last_error = result.error
            if result.retry_after is not None:
                retry_after.append(result.retry_after)
    message.finished_for = ",".join(str(i) for i in sorted(finished))
    if retrying:
        message.attempts += 1
        if message.attempts >= settings.push_max_attempts:
            message.status = OutboxStatus.sent if message.sent_at else OutboxStatus.failed
        else:
            wait = backoff(message.attempts, retry_after=max(retry_after, default=None))
            message.due_at = now + wait
    else:
        message.status = OutboxStatus.sent if message.sent_at else OutboxStatus.failed
    if message.status == OutboxStatus.sent and rendered.change_ids:
        for change in session.exec(
            select(AppointmentChange).where(AppointmentChange.id.in_(rendered.change_ids))  # type: ignore[union-attr]
        ):
            change.notified_at = change.notified_at or now
            session.add(change)
    session.add(message)
    session.commit()
    return message.status


def run_lane(
    engine: Engine,
    sender: Sender,
    settings: Settings,
    *,
    clock: Callable[[], dt.datetime] = _now,
    limit: int | None = None,
) -> int:
    """Claim and send due messages one by one until none are due; returns how many."""
    done = 0
    with Session(engine) as session:
        while limit is None or done < limit:
            message = claim_one(session, now=clock())
            if message is None:
                session.rollback()
                break
            try:
                deliver(session, message=message, sender=sender, settings=settings, now=clock())
            except Exception:
                session.rollback()
                log.exception("sending notification %s failed", message.id)
                break
            done += 1
    return done


def run_pass(
    engine: Engine,
    sender: Sender,
    settings: Settings,
    *,
    lanes: int = 1,
    clock: Callable[[], dt.datetime] = _now,
) -> int:
    """Every due message, by `lanes` lanes side by side (1 with SQLite); returns how many."""
    if engine.dialect.name != "postgresql" or lanes <= 1:
        return run_lane(engine, sender, settings, clock=clock)
    counts = [0] * lanes

    def lane(index: int) -> None:
        counts[index] = run_lane(engine, sender, settings, clock=clock)

    threads = [
        threading.Thread(target=lane, args=(i,), name=f"push-lane-{i}") for i in range(lanes)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts)


class Notifier(PeriodicThread):
    """Sends due notifications every PASS_SECONDS, or sooner when woken."""

    def __init__(self, engine: Engine, sender: Sender, settings: Settings) -> None:
        self.sender = sender
        super().__init__(
            lambda: run_pass(engine, sender, settings), name="notifier", seconds=PASS_SECONDS,
            join_seconds=30,
        )  # fmt: skip

    def stop(self) -> None:
        super().stop()
        self.sender.close()


NoNotifier = Idle
