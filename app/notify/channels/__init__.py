"""The channels a message can go by, behind one small interface: `send` one claimed
outbox row's words to this person and say what happened. The worker owns the outbox row's
status, retries and back-off; a channel owns its addresses and its service's answers."""

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from sqlmodel import Session

from app.notify.models import OutboxMessage
from app.notify.wording import Message


@dataclass(frozen=True)
class Delivery:
    """What one try of one message on one channel came to."""

    reached: bool = False  # at least one of the person's addresses took it, this time
    retry: bool = False  # a passing fault: try again after back-off
    retry_after: float | None = None  # seconds the service asked us to wait, if it said
    error: str | None = None  # a short code for the outbox row (never personal data)
    nobody: bool = False  # the person has no address left on this channel


class Channel(Protocol):
    name: str
    max_attempts: int

    def send(
        self, session: Session, *, message: OutboxMessage, words: Message, now: dt.datetime
    ) -> Delivery: ...
