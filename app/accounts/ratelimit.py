"""Sliding-window limits on wrong sign-in attempts, kept in the database.

Every app instance counts the same rows, so limits hold across instances. Only wrong
attempts are stored, and only attempts the limit let through: a refused attempt does not
extend the wait, so an account is never locked for good — at worst a guesser gets
`limit` tries per window.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, select

from app.accounts.models import SignInFailure, as_utc


@dataclass(frozen=True)
class Limit:
    key_hash: str
    allowed: int


def seconds_to_wait(
    session: Session, *, limits: list[Limit], window: timedelta, now: datetime
) -> int:
    """0 when another attempt may be made now, else how many seconds until one may."""
    wait = 0
    for limit in limits:
        times = session.exec(
            select(SignInFailure.attempted_at)
            .where(SignInFailure.key_hash == limit.key_hash)
            .where(SignInFailure.attempted_at > now - window)
            .order_by(col(SignInFailure.attempted_at))
        ).all()
        if len(times) >= limit.allowed:
            # Free again once enough of the oldest attempts leave the window.
            frees_at = as_utc(times[len(times) - limit.allowed]) + window
            wait = max(wait, math.ceil((frees_at - now).total_seconds()))
    return max(wait, 0)


def record_failure(
    session: Session, *, limits: list[Limit], window: timedelta, now: datetime
) -> None:
    """Counts a wrong attempt against each key, and forgets attempts older than the window."""
    session.execute(delete(SignInFailure).where(SignInFailure.attempted_at <= now - window))
    for limit in limits:
        session.add(SignInFailure(key_hash=limit.key_hash, attempted_at=now))


def forget(session: Session, *, key_hash: str) -> None:
    """Clears the wrong attempts counted against a key (after a right one, or a deletion)."""
    session.execute(delete(SignInFailure).where(SignInFailure.key_hash == key_hash))
