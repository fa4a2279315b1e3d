"""A daemon thread that runs one pass of work every so often, or at once when woken: how
the app refreshes feeds and sends notifications in-process when the database is SQLite."""

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("next_steps")


class PeriodicThread:
    """Runs `run_pass` every `seconds`, or sooner after `wake()`, until `stop()`."""

    def __init__(
        self, run_pass: Callable[[], object], *, name: str, seconds: float, join_seconds: float
    ) -> None:
        self.run_pass, self.name, self.seconds, self.join_seconds = (
            run_pass, name, seconds, join_seconds,
        )  # fmt: skip
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Look now rather than at the next pass."""
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout=self.join_seconds)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_pass()
            except Exception:  # a bad pass must not end the thread; the next one retries
                log.exception("%s pass failed", self.name)
            self._wake.wait(self.seconds)
            self._wake.clear()


class Idle:
    """Stands in when the work is done by separate worker processes (or is off)."""

    def wake(self) -> None:
        pass

    def stop(self) -> None:
        pass
