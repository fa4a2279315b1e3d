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
    skipped: str | None = None  # not sent and not owed on this channel (no address, …)
    defer_until: dt.datetime | None = None  # not yet (a cap): due again then


class Channel(Protocol):
    name: str
    max_attempts: int
    languages: tuple[str, ...] | None  # the languages it can carry; None: any

    def send(
        self, session: Session, *, message: OutboxMessage, words: Message, now: dt.datetime
    ) -> Delivery: ...


@dataclass
class Channels:
    """The channels this site has (None: not set up), built once from settings."""

    push: Channel | None = None
    text: Channel | None = None
    email: Channel | None = None

    def get(self, name: str) -> Channel | None:
        return getattr(self, str(name), None)


def build(settings, *, push_sender=None) -> Channels:
    """The site's channels from its settings: push with a VAPID subject; texts with a
    Notify key and template (or the demo's stand-in); email by Notify or SMTP."""
    from app.notify.channels.email import EmailChannel
    from app.notify.channels.gov_notify import Notify
    from app.notify.channels.push import PushChannel
    from app.notify.channels.smtp import Smtp
    from app.notify.channels.text import TextChannel

    found = Channels()
    if push_sender is not None:
        found.push = PushChannel(
            push_sender, ttl_seconds=settings.push_ttl_seconds,
            max_attempts=settings.push_max_attempts,
        )  # fmt: skip
    key, base_url = settings.notify_api_key, settings.notify_base_url
    if settings.demo_channels and not key:
        from app.notify.demo import DEMO_KEY, demo_base_url

        key, base_url = DEMO_KEY, demo_base_url(settings)
    notify = (
        Notify(key, base_url=base_url, timeout=settings.channel_timeout_seconds) if key else None
    )
    origin = settings.public_origin
    if notify is not None and (settings.notify_sms_template_id or settings.demo_channels):
        found.text = TextChannel(
            notify, template_id=settings.notify_sms_template_id or "demo-sms", origin=origin,
            max_attempts=settings.channel_max_attempts,
            per_parent_per_day=settings.texts_per_parent_per_day,
            monthly_budget=settings.texts_monthly_budget,
        )  # fmt: skip
    by = settings.email_by
    if by == "smtp":
        smtp = Smtp(
            host=settings.smtp_host, port=settings.smtp_port, user=settings.smtp_user,
            password=settings.smtp_password, sender=settings.smtp_from, tls=settings.smtp_tls,
            timeout=settings.channel_timeout_seconds,
        )  # fmt: skip
        found.email = EmailChannel(
            smtp=smtp, origin=origin, max_attempts=settings.channel_max_attempts
        )
    elif by == "notify" and notify is not None:
        found.email = EmailChannel(
            notify=notify, template_id=settings.notify_email_template_id or "demo-email",
            origin=origin, max_attempts=settings.channel_max_attempts,
        )  # fmt: skip
    return found
