"""/readyz: 200 only when the database answers and its schema is this build's (or a later
build's, which "add, then use, then remove" keeps safe); never cached."""

import pytest
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.db import make_engine
from app.main import create_app
from app.settings import ROOT
from tests.conftest import migrate, settings_for


def test_ready_when_migrated_to_head(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "schema": "current"}
    assert response.headers["cache-control"] == "no-store"


def readiness(tmp_path, url: str, prepare=None) -> tuple[int, dict]:
    settings = settings_for(url, tmp_path)
    engine = make_engine(settings)
    if prepare:
        prepare(engine)
    with TestClient(create_app(settings, engine=engine)) as client:
        response = client.get("/readyz")
    engine.dispose()
    return response.status_code, response.json()


def test_not_ready_before_migrations_or_while_they_are_behind(tmp_path):
    assert readiness(tmp_path, f"sqlite:///{tmp_path / 'empty.db'}") == (
        503, {"status": "not ready", "schema": "behind"},
    )  # fmt: skip
    head = ScriptDirectory(str(ROOT / "alembic")).get_current_head()
    previous = ScriptDirectory(str(ROOT / "alembic")).get_revision(head).down_revision
    status, body = readiness(
        tmp_path, f"sqlite:///{tmp_path / 'old.db'}", lambda engine: migrate(engine, previous)
    )
    assert (status, body["schema"]) == (503, "behind")


def test_ready_against_a_schema_a_later_build_migrated(tmp_path):
    def later(engine):
        migrate(engine)
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = 'f00dfeedbeef'"))

    assert readiness(tmp_path, f"sqlite:///{tmp_path / 'later.db'}", later) == (
        200, {"status": "ready", "schema": "newer"},
    )  # fmt: skip


@pytest.mark.postgres
def test_not_ready_while_the_database_is_away(tmp_path):
    # Nothing listens on the discard port: refused at once.
    status, body = readiness(tmp_path, "postgresql://postgres@127.0.0.1:9/none")
    assert (status, body["schema"]) == (503, "unavailable")
