"""Test harness: every integration test runs on SQLite and on PostgreSQL, schema by Alembic.

Each backend's database is created once per run by `alembic upgrade head` and dropped at
the end; each test runs inside a transaction that is rolled back.
"""

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from alembic.config import Config
from argon2 import PasswordHasher, profiles
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlmodel import Session

from alembic import command
from app.accounts import secrets
from app.db import make_engine
from app.deps import get_session
from app.main import create_app
from app.settings import ROOT, Settings
from tests.pages import PageClient
from tests.shared_fields import share as share_fastapi_fields

share_fastapi_fields()  # built once per process, not per app: see tests/shared_fields.py

# Passphrases are hashed with argon2-cffi's cheapest profile here (the library offers it for
# tests): each hash with the real one takes a quarter of a second of CPU and 64 MiB, and the
# suite signs in hundreds of times. What the hash is made with is checked in
# tests/accounts/test_sign_up_and_in.py; the crowd in tests/hostile/test_crowds.py, where
# the cost is the point, puts the real one back (`real_passphrase_hashing`).
secrets._hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)


@pytest.fixture
def real_passphrase_hashing(monkeypatch):
    """The hashing the app ships with, for a test where its cost matters."""
    monkeypatch.setattr(secrets, "_hasher", PasswordHasher.from_parameters(secrets.PARAMETERS))
    secrets._dummy_hash.cache_clear()
    yield
    secrets._dummy_hash.cache_clear()


TEST_POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"
BACKENDS = ["sqlite", "postgresql"]


def postgres_unavailable_reason() -> str | None:
    """Why PostgreSQL can't be used here, or None when it can."""
    try:
        with psycopg.connect(TEST_POSTGRES_URL, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return f"PostgreSQL at {make_url(TEST_POSTGRES_URL).render_as_string()} unreachable: {exc}"


def require_postgres() -> None:
    """Skip on a laptop without PostgreSQL; fail in CI (REQUIRE_POSTGRES=1)."""
    reason = postgres_unavailable_reason()
    if reason:
        if REQUIRE_POSTGRES:
            pytest.fail(reason + " (REQUIRE_POSTGRES=1)")
        pytest.skip(reason)


def alembic_config() -> Config:
    return Config(str(ROOT / "alembic.ini"))


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the database to `revision` with Alembic, on the given engine."""
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


class TemporaryPostgres:
    """A database of its own on the test server, created and dropped by the tests."""

    def __init__(self) -> None:
        self.name = f"next_steps_test_{uuid.uuid4().hex[:10]}"
        self.url = make_url(TEST_POSTGRES_URL).set(database=self.name).render_as_string(False)

    def __enter__(self) -> str:
        with psycopg.connect(TEST_POSTGRES_URL, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{self.name}"')
            # A test database is dropped at the end: no commit need wait for the disk.
            admin.execute(f'ALTER DATABASE "{self.name}" SET synchronous_commit = off')
        return self.url

    def __exit__(self, *exc) -> None:
        with psycopg.connect(TEST_POSTGRES_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def temporary_postgres():
    """A factory of temporary PostgreSQL databases (context managers yielding their URL)."""
    require_postgres()
    return TemporaryPostgres


def settings_for(url: str, data_dir: Path, **overrides) -> Settings:
    return Settings(
        database_url=url,
        data_dir=data_dir,
        secret_key="test-" + "k" * 40,
        quick_exit_url="http://127.0.0.1:9/neutral",
        **{
            "feed_refresh_in_process": False,
            "notify_in_process": False,
            "vapid_subject": "mailto:tests@nextsteps.example",
            **overrides,
        },
    )


#: Left untranslated in a copy of the content, so that English fallbacks stay tested
#: however many languages are complete.
FALLBACK_LOCALES = ("ar", "ur", "cy", "pl")
UNTRANSLATED_GUIDES = ("complaints", "care-proceedings", "whos-who")
UNTRANSLATED_TERMS = ("advocate", "core-group", "solicitor")


@pytest.fixture(scope="session")
def partial_content_dir(tmp_path_factory) -> Path:
    """The content with a few guides and glossary terms not yet in `FALLBACK_LOCALES`."""
    root = tmp_path_factory.mktemp("partial") / "content"
    shutil.copytree(ROOT / "app" / "content", root)
    for locale in FALLBACK_LOCALES:
        for folder, slugs in (
            ("explainers", UNTRANSLATED_GUIDES),
            ("glossary", UNTRANSLATED_TERMS),
        ):
            for slug in slugs:
                (root / locale / folder / f"{slug}.md").unlink(missing_ok=True)
    return root


@pytest.fixture
def partial_client(settings, engine, db, partial_content_dir) -> Iterator[PageClient]:
    """`client`, on content with some guides and terms left in English (see above)."""
    app = create_app(
        settings.model_copy(update={"content_dir": partial_content_dir}), engine=engine
    )
    app.dependency_overrides[get_session] = lambda: db
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield PageClient(test_client)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def migrated_url(backend, tmp_path_factory) -> Iterator[str]:
    """A database of the current backend, migrated to head, for the whole run."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.db'}"
        return
    require_postgres()
    with TemporaryPostgres() as url:
        yield url


@pytest.fixture(scope="session")
def settings(migrated_url, tmp_path_factory) -> Settings:
    return settings_for(migrated_url, tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="session")
def engine(settings) -> Iterator[Engine]:
    engine = make_engine(settings)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine) -> Iterator[Session]:
    """A session whose commits land in a savepoint of a transaction rolled back afterwards."""
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    yield session
    session.close()
    transaction.rollback()
    connection.close()


@pytest.fixture
def app(settings, engine, db) -> FastAPI:
    app = create_app(settings, engine=engine)
    app.dependency_overrides[get_session] = lambda: db
    return app


@pytest.fixture
def client(app) -> Iterator[PageClient]:
    """A test client whose page helpers check every page's HTML (see tests/pages.py)."""
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield PageClient(test_client)


@pytest.fixture
def clock(app):
    """The app's clock, fixed at a known moment and moved by the test."""
    from tests.factories import Clock

    app.state.clock = Clock()
    return app.state.clock


#: The longest files first (by their measured time on 2 cores, longest first), so that with
#: `--dist loadfile` the workers start on them and the many short files fill in around them:
#: longest-first keeps every core busy to the end. The Makefile passes
#: `--no-loadscope-reorder`: xdist's default reorders files by how many tests they hold,
#: which put these one-test files last and left one core idle for minutes at the end.
LONGEST_FIRST = (
    "tests/browser/test_every_page.py",
    "tests/browser/test_every_page_parent.py",
    "tests/hostile/test_crowds.py",
    "tests/notify/test_workers_postgres.py",
    "tests/browser/test_every_page_advocate.py",
    "tests/browser/test_alongside.py",
    "tests/deploy/test_backup.py",
    "tests/browser/test_every_page_worker.py",
    "tests/consent/test_gate.py",
    "tests/browser/test_birth_plan.py",
    "tests/browser/test_accounts.py",
    "tests/browser/test_offline.py",
    "tests/browser/test_journey.py",
    "tests/translation/test_round_trip.py",
    "tests/pwa/test_budget.py",
    "tests/hostile/test_calendar_bounds.py",
    "tests/deploy/test_journey_logs.py",
    "tests/browser/test_channels.py",
    "tests/browser/test_calendar.py",
    "tests/letters/test_read.py",
)


def pytest_collection_modifyitems(config, items) -> None:
    def rank(item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: a file's tests keep their order
