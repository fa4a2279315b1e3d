"""Refreshing due calendar feeds: a thread inside the app, or `python -m app.calendar.worker`.

Each pass claims the feeds that are due (SKIP LOCKED on PostgreSQL, so several workers
share the work without fetching one feed twice) and refreshes them one by one.
"""

import datetime as dt
import logging
import threading

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.background import Idle, PeriodicThread
from app.calendar import service
from app.calendar.feeds import AddressPolicy, guarded_client
from app.settings import Settings

log = logging.getLogger("next_steps.calendar")
PASS_SECONDS = 60


def feed_client(settings: Settings) -> httpx.Client:
    return guarded_client(policy=AddressPolicy(allow_loopback=settings.feeds_allow_loopback))


def run_once(engine: Engine, client: httpx.Client) -> int:
    """One pass over the due feeds; returns how many were tried."""
    with Session(engine) as session:
        return service.refresh_due(session, client=client, now=dt.datetime.now(dt.UTC))


class FeedRefresher(PeriodicThread):
    """Refreshes due feeds every minute, or sooner when woken (a feed was just added)."""

    def __init__(self, engine: Engine, client: httpx.Client) -> None:
        super().__init__(
            lambda: run_once(engine, client), name="feed-refresher", seconds=PASS_SECONDS,
            join_seconds=10,
        )  # fmt: skip


NoRefresher = Idle


def main() -> None:
    import signal

    from app import localtime, logs
    from app.db import make_engine

    settings = Settings()
    logs.configure(settings.log_format, settings.log_level)
    localtime.configure(settings.timezone)
    engine, client = make_engine(settings), feed_client(settings)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    log.info("calendar worker started")
    while not stop.is_set():
        try:
            run_once(engine, client)
        except Exception:
            log.exception("feed refresh pass failed")
        stop.wait(PASS_SECONDS)
    client.close()
    engine.dispose()


if __name__ == "__main__":
    main()
