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


class FeedRefresher:
    """A daemon thread that refreshes due feeds every minute, or sooner when woken."""

    def __init__(self, engine: Engine, client: httpx.Client) -> None:
        self.engine, self.client = engine, client
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="feed-refresher", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Look now (a feed was just added) rather than at the next pass."""
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                run_once(self.engine, self.client)
            except Exception:  # a bad pass must not end the thread; the next one retries
                log.exception("feed refresh pass failed")
            self._wake.wait(PASS_SECONDS)
            self._wake.clear()


class NoRefresher:
    """Stands in when feeds are refreshed by a separate worker process."""

    def wake(self) -> None:
        pass


def main() -> None:
    import time

    from app.db import make_engine

    settings = Settings()
    engine, client = make_engine(settings), feed_client(settings)
    log.info("calendar worker started")
    while True:
        run_once(engine, client)
        time.sleep(PASS_SECONDS)


if __name__ == "__main__":
    main()
