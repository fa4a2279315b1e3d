"""Alembic builds the schema from empty on both databases, and it matches the models."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from alembic import command
from app.db import make_engine
from app.models import metadata
from tests.conftest import (
    TemporaryPostgres,
    alembic_config,
    migrate,
    require_postgres,
    settings_for,
)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request, tmp_path):
    """A brand-new empty database of each kind."""
    if request.param == "sqlite":
        engine = make_engine(settings_for(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path))
        yield engine
        engine.dispose()
        return
    require_postgres()
    with TemporaryPostgres() as url:
        engine = make_engine(settings_for(url, tmp_path))
        yield engine
        engine.dispose()


def test_upgrade_head_matches_the_models(empty_engine):
    migrate(empty_engine)
    with empty_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == [], f"models and migrations disagree: {differences}"


def test_downgrade_to_empty_and_up_again(empty_engine):
    migrate(empty_engine)
    with empty_engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}
    migrate(empty_engine)
    assert {"user", "organisation"} <= set(inspect(empty_engine).get_table_names())


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    engine = make_engine(settings_for(f"sqlite:///{tmp_path / 'wal.db'}", tmp_path))
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()
