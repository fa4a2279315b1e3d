"""The outbox's mechanics: rows added once by their unique key, due rows claimed one at a
time (`FOR UPDATE SKIP LOCKED` on PostgreSQL), and the tag a message carries."""

import datetime as dt
import hashlib

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from app.notify.models import OutboxMessage, OutboxStatus


def insert_new(session: Session, rows: list[dict]) -> None:
    """Adds rows whose key is new; a key already there (from any transaction) is left."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(OutboxMessage).values(rows).on_conflict_do_nothing(index_elements=["key"])
    )


def claim_one(session: Session, *, now: dt.datetime) -> OutboxMessage | None:
    """The next due message, locked for this transaction; rows others hold are skipped."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.pending, OutboxMessage.due_at <= now)
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return session.exec(query).first()


def tag_for(key: str) -> str:
    """The notification's tag: a second copy replaces the first on the device."""
    return "ns-" + hashlib.sha256(key.encode()).hexdigest()[:16]
