"""The database engine and sessions: SQLite (WAL, foreign keys) or PostgreSQL (psycopg 3)."""

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from functools import cache

import anyio
from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlmodel import create_engine

from app.settings import Settings


def make_engine(settings: Settings) -> Engine:
    """An engine for the configured database; SQLite gets WAL mode and foreign keys."""
    url = settings.sqlalchemy_url
    if url.startswith("sqlite"):
        if url.startswith("sqlite:///") and ":memory:" not in url:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 15},
            pool_size=POOL_SIZE,
            max_overflow=POOL_OVERFLOW,
            pool_timeout=POOL_TIMEOUT,
            hide_parameters=True,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # pool_pre_ping replaces connections that died while the server was away, so the app
    # recovers by itself once the database is back. Routes run in AnyIO's worker threads
    # (40 by default), so 10 + 30 connections mean a request never waits for a connection
    # longer than for a thread; one that still waits POOL_TIMEOUT seconds is answered 503
    # with Retry-After (main.py), never 500. Each instance may open 40 connections: keep
    # instances × 40 (plus workers) under PostgreSQL's max_connections (100 by default).
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=POOL_SIZE,
        max_overflow=POOL_OVERFLOW,
        pool_timeout=POOL_TIMEOUT,
        connect_args={"connect_timeout": 3},
        # A database error's text would otherwise quote the values of the row (names,
        # appointment notes) into whatever logs it.
        hide_parameters=True,
    )


POOL_SIZE, POOL_OVERFLOW, POOL_TIMEOUT = 10, 30, 10
# Requests holding a database session at once, per process: fewer than the pool's 40
# connections (the in-process workers and /readyz keep theirs) and than AnyIO's 40 threads.
# Others wait their turn on the event loop, holding neither a thread nor a connection,
# for up to SESSION_WAIT seconds before the busy page (503, Retry-After).
SESSION_SLOTS, SESSION_WAIT = 32, 45.0
# Every wait for a turn (a session slot, a passphrase hash) ends this long after the request
# asked for its session, so the busy page comes inside nginx's 60 s proxy_read_timeout.
ANSWER_WITHIN = 50.0
_deadline: ContextVar[float | None] = ContextVar("deadline", default=None)


def seconds_left(most: float) -> float:
    """How long this request may still wait for a turn: at most `most`, and never past
    its deadline (outside a request, `most`)."""
    deadline = _deadline.get()
    return most if deadline is None else max(0.0, min(most, deadline - time.monotonic()))


class DatabaseBusy(Exception):
    """Every session slot stayed taken for SESSION_WAIT seconds: the busy page, not a 500."""


class SessionSlots:
    """At most `size` requests hold a database session at once; the rest queue in turn.

    Without it a crowd deadlocks: FastAPI runs each sync dependency and the route in
    separate trips to the thread pool, so a request that has its connection can wait for
    a thread while every thread waits for a connection, until the pool's timeout."""

    def __init__(self, size: int = SESSION_SLOTS, wait: float = SESSION_WAIT) -> None:
        self.size, self.wait = size, wait
        self._loop: asyncio.AbstractEventLoop | None = None
        self._free: anyio.Semaphore | None = None

    def _semaphore(self) -> anyio.Semaphore:
        # One per event loop: a test client runs the same app on a loop of its own.
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._free is None:
            self._loop, self._free = loop, anyio.Semaphore(self.size)
        return self._free

    @asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        free = self._semaphore()
        # Set in the request's own context: the route's worker thread gets a copy of it.
        _deadline.set(time.monotonic() + ANSWER_WITHIN)
        # AnyIO's scoped timeout and semaphore never lose a slot to a timeout that fires
        # as the slot is granted (asyncio.wait_for can, before Python 3.12).
        with anyio.move_on_after(self.wait) as waited:
            await free.acquire()
        if waited.cancelled_caught:
            raise DatabaseBusy()
        try:
            yield
        finally:
            free.release()


def for_writing(engine: Engine) -> Engine:
    """The engine for a request that will write. On SQLite its transactions start with
    BEGIN IMMEDIATE: a transaction that reads and then writes would otherwise fail at once
    ("database is locked") when another writer got in between, as busy_timeout cannot help
    a stale snapshot; taking the write lock first makes it wait its turn instead."""
    if engine.dialect.name != "sqlite":
        return engine
    return engine.execution_options(sqlite_immediate=True)


def end_read(session, *, then_write: bool = False) -> None:
    """On SQLite, ends a transaction that has only read, so that slow work to follow (a
    passphrase hash) holds no lock: a POST's BEGIN IMMEDIATE takes the write lock at its
    first read. `then_write` starts the next transaction with BEGIN IMMEDIATE too, for a
    GET about to write: in a plain transaction that write would fail at once ("database is
    locked", a stale snapshot) had another request written since, instead of waiting its
    turn (busy_timeout). Call it before any change."""
    if session.get_bind().dialect.name != "sqlite" or session.new or session.dirty or (
        session.deleted
    ):  # fmt: skip
        return
    session.commit()
    if then_write:
        session.connection(execution_options={"sqlite_immediate": True})


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Python's sqlite3 starts transactions lazily and mishandles SAVEPOINT (a RELEASE can
    # commit everything); SQLAlchemy's documented fix is to let it begin them itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


def _sqlite_begin(connection) -> None:
    immediate = connection.get_execution_options().get("sqlite_immediate")
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def is_unavailable(exc: Exception) -> bool:
    """True when an error means the database cannot be reached, not that a query was wrong."""
    return isinstance(exc, (OperationalError, InterfaceError)) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    )


def check_database(engine: Engine) -> bool:
    """Whether the database answers a trivial query now."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError:
        return False
    return True


@cache
def _revisions() -> tuple[frozenset[str], frozenset[str]]:
    """This build's newest Alembic revisions, and every revision it knows."""
    from alembic.script import ScriptDirectory

    from app.settings import ROOT

    scripts = ScriptDirectory(str(ROOT / "alembic"))
    return frozenset(scripts.get_heads()), frozenset(r.revision for r in scripts.walk_revisions())


def schema_state(engine: Engine) -> str:
    """Where the database's schema stands for this build: "current" (at its head),
    "newer" (migrated past it, by a later build: fine while migrations follow "add, then
    use, then remove"), "behind" (migrations still to run) or "unavailable"."""
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return "behind"
            applied = {
                row[0]
                for row in connection.execute(text("SELECT version_num FROM alembic_version"))
            }
    except DBAPIError:
        return "unavailable"
    heads, known = _revisions()
    if applied == heads:
        return "current"
    return "behind" if applied <= known else "newer"
