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
import json
import logging
import random
import threading
from collections.abc import Callable

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.background import Idle, PeriodicThread
from app.calendar.models import AppointmentChange
from app.clock import as_utc, utcnow
from app.db import for_writing
from app.notify import wording
from app.notify.channels import Channel, Channels, Delivery
from app.notify.channels.push import PushChannel
from app.notify.models import Channel as ModelChannel
from app.notify.models import OutboxKind, OutboxMessage, OutboxStatus
from app.notify.outbox import claim_one
from app.notify.planning import outside_quiet_hours
from app.notify.preferences import preferences
from app.notify.webpush import Sender
from app.settings import Settings

log = logging.getLogger("next_steps.notify")
PASS_SECONDS = 30
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600
_now = utcnow

__all__ = ["claim_one", "deliver", "run_lane", "run_pass", "Notifier", "NoNotifier"]


def backoff(attempt: int, *, retry_after: float | None = None) -> dt.timedelta:
    """Exponential back-off with jitter (half to all of the step), never sooner than the
    service's Retry-After."""
    step = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempt - 1))
    wait = random.uniform(step / 2, step)
    return dt.timedelta(seconds=max(wait, retry_after or 0))


def channel_for(
    message: OutboxMessage, *, sender: Sender | None, settings: Settings,
    channels: Channels | None = None,
) -> Channel | None:  # fmt: skip
    """The channel this outbox row goes by, or None when this site does not have it."""
    if message.channel == ModelChannel.push:
        if channels is not None and channels.push is not None:
            return channels.push
        if sender is None:
            return None
        return PushChannel(
            sender, ttl_seconds=settings.push_ttl_seconds, max_attempts=settings.push_max_attempts
        )
    return channels.get(message.channel) if channels is not None else None


def fallback_wait(
    session: Session, *, message: OutboxMessage, settings: Settings, now: dt.datetime
) -> str | dt.datetime | None:
    """A "push, then text" row: "shown" when a phone showed the push, a time to wait until
    when the push went out (or is still to go) less than the fallback delay ago, else None
    (send the text now)."""
    if not json.loads(message.data or "{}").get("after_push"):
        return None
    push = session.exec(
        select(OutboxMessage).where(OutboxMessage.key == message.key.removesuffix(":text"))
    ).first()
    if push is None:
        return None
    if push.shown_at is not None:
        return "shown"
    minutes = (
        settings.fallback_reminder_minutes
        if message.kind == OutboxKind.reminder
        else settings.fallback_changes_minutes
    )
    if push.status == OutboxStatus.pending:
        return now + dt.timedelta(minutes=minutes)
    if push.sent_at is None:
        return None  # the push could not go at all: the text goes now
    ready = as_utc(push.sent_at) + dt.timedelta(minutes=minutes)
    return ready if ready > now else None


def deliver(
    session: Session,
    *,
    message: OutboxMessage,
    sender: Sender | None,
    settings: Settings,
    now: dt.datetime,
    channels: Channels | None = None,
) -> str:
    """Send one claimed message by its channel, record what happened and commit (which
    unlocks it). Returns the message's status."""
    channel = channel_for(message, sender=sender, settings=settings, channels=channels)
    only = getattr(channel, "languages", None)
    words = wording.render(
        session, message=message, locales=settings.locale_list, now=now, only=only
    )
    expires = as_utc(message.expires_at) if message.expires_at else None
    reason = (
        "not_owed" if words is None
        else "expired" if expires and expires <= now
        else "channel_off" if channel is None
        else None
    )  # fmt: skip
    result = None
    if reason is None:
        wait = fallback_wait(session, message=message, settings=settings, now=now)
        if wait == "shown":
            reason = "shown"
        elif wait is not None:
            result = Delivery(defer_until=wait)
        else:
            result = channel.send(session, message=message, words=words, now=now)
            reason = result.skipped
    if reason:
        message.status = OutboxStatus.sent if message.sent_at else OutboxStatus.cancelled
        message.last_error = message.last_error if message.sent_at else reason
        session.add(message)
        session.commit()
        return message.status
    if result.defer_until is not None:
        prefs = preferences(session, user_id=message.user_id)
        later = outside_quiet_hours(result.defer_until, prefs, deadline=expires)
        if expires is not None and later >= expires:
            message.status, message.last_error = OutboxStatus.cancelled, "too_late"
        else:
            message.due_at = later
        session.add(message)
        session.commit()
        return message.status
    if result.reached and message.sent_at is None:
        message.sent_at = now
    if result.error:
        message.last_error = result.error
    if result.retry:
        message.attempts += 1
        if message.attempts >= channel.max_attempts:
            message.status = OutboxStatus.sent if message.sent_at else OutboxStatus.failed
        else:
            message.due_at = now + backoff(message.attempts, retry_after=result.retry_after)
    else:
        message.status = OutboxStatus.sent if message.sent_at else OutboxStatus.failed
    if message.status == OutboxStatus.sent and words.change_ids:
        for change in session.exec(
            select(AppointmentChange).where(AppointmentChange.id.in_(words.change_ids))  # type: ignore[union-attr]
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
    channels: Channels | None = None,
) -> int:
    """Claim and send due messages one by one until none are due; returns how many.
    On SQLite each claim takes the write lock first (BEGIN IMMEDIATE), so no other writer
    can get in between the send and its record: a message Notify or a push service took is
    never sent again because our commit met "database is locked"."""
    done = 0
    with Session(for_writing(engine)) as session:
        while limit is None or done < limit:
            message = claim_one(session, now=clock())
            if message is None:
                session.rollback()
                break
            try:
                deliver(
                    session, message=message, sender=sender, settings=settings, now=clock(),
                    channels=channels,
                )  # fmt: skip
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
    channels: Channels | None = None,
) -> int:
    """Every due message, by `lanes` lanes side by side (1 with SQLite); returns how many."""
    if engine.dialect.name != "postgresql" or lanes <= 1:
        return run_lane(engine, sender, settings, clock=clock, channels=channels)
    counts = [0] * lanes

    def lane(index: int) -> None:
        counts[index] = run_lane(engine, sender, settings, clock=clock, channels=channels)

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

    def __init__(
        self, engine: Engine, sender: Sender | None, settings: Settings,
        channels: Channels | None = None,
    ) -> None:  # fmt: skip
        self.sender = sender
        super().__init__(
            lambda: run_pass(engine, sender, settings, channels=channels), name="notifier",
            seconds=PASS_SECONDS, join_seconds=30,
        )  # fmt: skip

    def stop(self) -> None:
        super().stop()
        if self.sender is not None:
            self.sender.close()


NoNotifier = Idle
