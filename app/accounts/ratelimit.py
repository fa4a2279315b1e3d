"""Limits on wrong sign-in attempts that grow for a guesser, kept in the database.

Every app instance counts the same rows, so limits hold across instances. Only wrong
attempts are stored, and only attempts the limit let through: a refused attempt does not
extend the wait, so an account is never locked for good. The first `allowed` wrong tries
cost nothing; each further set of `allowed` doubles the wait (window, 2 × window, …), at
most MAX_WAIT, and wrong tries are forgotten after HORIZON or a right passphrase. A
browser the person signed in from before is counted on its own (see service.sign_in), so
a guesser elsewhere never keeps the owner out.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, select

from app.accounts.models import SignInFailure
from app.clock import as_utc

HORIZON = timedelta(hours=24)
MAX_WAIT = timedelta(minutes=15)


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
            .where(SignInFailure.attempted_at > now - HORIZON)
            .order_by(col(SignInFailure.attempted_at))
        ).all()
        if len(times) >= limit.allowed:
            # Each full set of wrong tries doubles the wait, counted from the oldest try of
            # the latest set, so the wait slides as the first one did.
            sets = len(times) // limit.allowed
            delay = min(window * 2 ** min(sets - 1, 20), max(MAX_WAIT, window))
            frees_at = as_utc(times[len(times) - limit.allowed]) + delay
            wait = max(wait, math.ceil((frees_at - now).total_seconds()))
    return max(wait, 0)


def record_failure(
    session: Session, *, limits: list[Limit], window: timedelta, now: datetime
) -> None:
    """Counts a wrong attempt against each key, and forgets attempts older than HORIZON."""
    session.execute(delete(SignInFailure).where(SignInFailure.attempted_at <= now - HORIZON))
    for limit in limits:
        session.add(SignInFailure(key_hash=limit.key_hash, attempted_at=now))


def forget(session: Session, *, key_hash: str) -> None:
    """Clears the wrong attempts counted against a key (after a right one, or a deletion)."""
    session.execute(delete(SignInFailure).where(SignInFailure.key_hash == key_hash))
