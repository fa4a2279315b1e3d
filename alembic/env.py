"""Migrations run against the app's configured database, or a connection a test hands in."""

from sqlalchemy import Connection

from alembic import context
from app.db import make_engine
from app.models import metadata
from app.settings import Settings

config = context.config


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    engine = make_engine(Settings())
    with engine.connect() as connection:
        run(connection)
    engine.dispose()
