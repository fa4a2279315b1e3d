"""For tests of a page load (a GET) that reads and then writes, on an SQLite file of its own.

Its transaction is a plain BEGIN: should another connection (the in-process worker) commit
after the read, the write fails at once ("database is locked", a stale snapshot), which no
busy_timeout can wait out. `another_writer_after_reading` makes that happen every time,
wherever in the code the read is. The shared test session is one connection, and
PostgreSQL reads each statement afresh, so neither shows it.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.db import make_engine
from app.settings import Settings
from tests.conftest import migrate, settings_for


def file_database(tmp_path: Path) -> tuple[Settings, Engine]:
    """Settings and a migrated engine for an SQLite file, as `make run` has."""
    settings = settings_for(f"sqlite:///{tmp_path / 'app.db'}", tmp_path)
    engine = make_engine(settings)
    migrate(engine)
    return settings, engine


@contextmanager
def another_writer_after_reading(engine: Engine, table: str, change: str) -> Iterator[list]:
    """Right after the first SELECT from `table`, another connection commits `change`: a
    real one (`SET x = x` changes nothing, and SQLite would not notice). Yields a list that
    holds that SELECT once it has happened."""
    reading = re.compile(rf"^\s*SELECT\b.*\bFROM {table}\b", re.DOTALL)
    seen: list[str] = []

    def after(connection, cursor, statement, parameters, context, executemany) -> None:
        if seen or not reading.search(statement):
            return
        seen.append(statement)
        with engine.begin() as other:
            other.exec_driver_sql(change)

    event.listen(engine, "after_cursor_execute", after)
    try:
        yield seen
    finally:
        event.remove(engine, "after_cursor_execute", after)
