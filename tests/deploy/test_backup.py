"""Backup, lose everything, restore, and the app works: on PostgreSQL (pg_dump and
pg_restore, custom format) and on SQLite (the online backup API), with the data folder's
keys. The real scripts (deploy/backup, deploy/restore) and a real gunicorn instance; the
parent signs in through it and sees their appointment, and phones' subscriptions still
hold (the same VAPID key)."""

import datetime as dt
import stat
import subprocess
import tarfile
import uuid

import psycopg
import pytest
from sqlalchemy.engine import make_url
from sqlmodel import Session

from app.calendar import service as calendar
from app.db import make_engine
from app.notify.webpush import public_key
from app.settings import ROOT
from tests import factories
from tests.conftest import TEST_POSTGRES_URL, migrate, require_postgres, settings_for
from tests.deploy.live import Browser, app_env, free_port, gunicorn, wait_until_ready

PASSPHRASE = "lantern orchard velvet tide"


def run(script: str, *args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(ROOT / "deploy" / script), *args], env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


def seed(url: str, data_dir) -> tuple[str, str]:
    """A parent with an appointment, and the keys made as a first start makes them."""
    settings = settings_for(url, data_dir)
    settings = settings.model_copy(update={"secret_key": ""})  # kept in the data folder
    engine = make_engine(settings)
    migrate(engine)
    with Session(engine) as db:
        parent = factories.user(db, name="restored-parent", passphrase=PASSPHRASE)
        calendar.add_manual(
            db, parent_id=parent.id, agency="midwifery", summary="Scan at Riverside Unit",
            date=(dt.date.today() + dt.timedelta(days=3)).isoformat(), start_time="10:00",
            end_time="11:00", now=dt.datetime.now(dt.UTC),
        )  # fmt: skip
    engine.dispose()
    return settings.signing_key(), settings.vapid_key_pem()


@pytest.fixture(params=["postgresql", "sqlite"])
def database(request, tmp_path):
    """(url, drop, recreate): a database of the backend, and how to lose and remake it."""
    if request.param == "sqlite":
        path = tmp_path / "live" / "next_steps.db"
        path.parent.mkdir()

        def drop():
            for suffix in ("", "-wal", "-shm"):
                path.with_name(path.name + suffix).unlink(missing_ok=True)

        yield f"sqlite:///{path}", drop, lambda: None
        return
    require_postgres()
    name = f"next_steps_backup_{uuid.uuid4().hex[:10]}"

    def admin(sql: str) -> None:
        with psycopg.connect(TEST_POSTGRES_URL, autocommit=True) as connection:
            connection.execute(sql)

    admin(f'CREATE DATABASE "{name}"')
    try:
        yield (
            make_url(TEST_POSTGRES_URL).set(database=name).render_as_string(False),
            lambda: admin(f'DROP DATABASE "{name}" WITH (FORCE)'),
            lambda: admin(f'CREATE DATABASE "{name}"'),
        )
    finally:
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_backup_then_lose_everything_then_restore_and_sign_in(database, tmp_path):
    url, drop, recreate = database
    data_dir, backups = tmp_path / "data", tmp_path / "backups"
    secret, vapid = seed(url, data_dir)
    env = app_env(url, data_dir)

    made = run("backup", "--keep", "2", str(backups), env=env)
    assert made.returncode == 0, made.stderr
    (archive,) = backups.glob("next-steps-*.tar.gz")
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600, "it holds every parent's data"
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    assert {"manifest.json", "keys/secret_key", "keys/vapid_private_key.pem"} <= names
    assert ("database.pgdump" if url.startswith("postgresql") else "next_steps.db") in names

    # The machine is lost: the database and the data folder with its keys.
    drop()
    for key in data_dir.iterdir():
        key.unlink()
    recreate()

    restored = run("restore", str(archive), env=env)
    assert restored.returncode == 0, restored.stderr
    assert "alembic upgrade head" in restored.stdout
    assert (data_dir / "secret_key").read_text().strip() == secret
    assert (data_dir / "vapid_private_key.pem").read_text().strip() == vapid.strip()
    assert stat.S_IMODE((data_dir / "secret_key").stat().st_mode) == 0o600
    # Restoring over a live database is refused unless asked for.
    again = run("restore", str(archive), env=env)
    assert again.returncode == 2 and "already has tables" in again.stderr
    upgrade = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "alembic"), "upgrade", "head"], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert upgrade.returncode == 0, upgrade.stderr

    port = free_port()
    server = gunicorn("restored", port, env, tmp_path)
    try:
        wait_until_ready(f"http://127.0.0.1:{port}/readyz", server)
        browser = Browser(f"http://127.0.0.1:{port}")
        signed_in = browser.sign_in("restored-parent", PASSPHRASE)
        assert signed_in.status_code == 303, signed_in.text[-2000:]
        calendar_page = browser.get("/en/calendar/")
        assert calendar_page.status_code == 200
        assert "Scan at Riverside Unit" in calendar_page.text
        key = browser.get("/push/public-key").json()["publicKey"]
        assert key == public_key(vapid), "phones' subscriptions still match"
        browser.close()
    finally:
        server.stop()
