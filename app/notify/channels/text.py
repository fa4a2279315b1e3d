"""Text messages through GOV.UK Notify. Notify carries only Latin letters (its sanitiser
turns other scripts into "?"), so texts are in English or Welsh, with a link that opens the
message's page in the person's own language. A per-parent daily cap and a monthly budget
for the site hold back texts past them."""

import datetime as dt
import logging

from sqlalchemy import func
from sqlmodel import Session, select

from app.localtime import at, zone
from app.notify import addresses, wording
from app.notify.channels import Delivery
from app.notify.channels.gov_notify import Notify
from app.notify.models import AddressKind, OutboxMessage, TextSent

log = logging.getLogger("next_steps.notify")
BUDGET_WARNING = 0.8


def day_start(now: dt.datetime) -> dt.datetime:
    return at(now.astimezone(zone()).date(), dt.time(0)).astimezone(dt.UTC)


def month_start(now: dt.datetime) -> dt.datetime:
    return at(now.astimezone(zone()).date().replace(day=1), dt.time(0)).astimezone(dt.UTC)


def count_since(session: Session, since: dt.datetime, *, user_id: int | None = None) -> int:
    query = select(func.count()).select_from(TextSent).where(TextSent.sent_at >= since)
    if user_id is not None:
        query = query.where(TextSent.user_id == user_id)
    return session.exec(query).one()


class TextChannel:
    name = "text"
    languages = ("en", "cy")

    def __init__(
        self, notify: Notify, *, template_id: str, origin: str, max_attempts: int,
        per_parent_per_day: int, monthly_budget: int,
    ) -> None:  # fmt: skip
        self.notify, self.template_id, self.origin = notify, template_id, origin.rstrip("/")
        self.max_attempts = max_attempts
        self.per_parent_per_day, self.monthly_budget = per_parent_per_day, monthly_budget

    def room(self, session: Session, *, user_id: int, now: dt.datetime) -> str | dt.datetime | None:
        """None when a text may go now; else when it may (the cap resets at midnight), or
        "budget" when the site's texts for the month are spent."""
        if count_since(session, day_start(now), user_id=user_id) >= self.per_parent_per_day:
            return day_start(now + dt.timedelta(days=1))
        if self.monthly_budget:
            used = count_since(session, month_start(now))
            if used >= self.monthly_budget:
                log.error("TEXT BUDGET SPENT: %s of %s texts this month; texts are held back "
                          "(TEXTS_MONTHLY_BUDGET)", used, self.monthly_budget)  # fmt: skip
                return "budget"
            if used + 1 >= self.monthly_budget * BUDGET_WARNING:
                log.warning("texts budget nearly spent: %s of %s this month "
                            "(TEXTS_MONTHLY_BUDGET)", used + 1, self.monthly_budget)  # fmt: skip
        return None

    def send_text(
        self, session: Session, *, user_id: int, number: str, body: str, reference: str,
        now: dt.datetime,
    ):  # fmt: skip
        answer = self.notify.sms(
            number=number, template_id=self.template_id, body=body, reference=reference
        )
        if answer.outcome == "sent":
            session.add(TextSent(user_id=user_id, sent_at=now))
        return answer

    def send(
        self, session: Session, *, message: OutboxMessage, words: wording.Message, now: dt.datetime
    ) -> Delivery:
        """One text to the person's confirmed number, within the caps."""
        address = addresses.usable(session, user_id=message.user_id, kind=AddressKind.phone)
        if address is None:
            return Delivery(skipped="no_number")
        room = self.room(session, user_id=message.user_id, now=now)
        if room == "budget":
            return Delivery(skipped="budget")
        if room is not None:
            return Delivery(defer_until=room)
        link = f"{self.origin}{words.url}" if self.origin else ""
        answer = self.send_text(
            session, user_id=message.user_id, number=address.value,
            body=wording.text(words, link=link), reference=str(message.id), now=now,
        )  # fmt: skip
        return delivered(session, answer, message=message, address=address, now=now)


def delivered(session, answer, *, message, address, now) -> Delivery:
    """What Notify's (or the mail server's) answer means for the row and the address."""
    if answer.outcome == "sent":
        message.provider_ref = answer.ref
        return Delivery(reached=True)
    if answer.outcome == "gone":
        # The number or mailbox does not exist: stop this channel and tell the parent.
        address.failed_at, address.failure = now, answer.error
        session.add(address)
        return Delivery(error=answer.error)
    return Delivery(retry=answer.outcome == "retry", error=answer.error)
