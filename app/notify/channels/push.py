"""Web Push as a channel: the message's JSON for the service worker, sent to each of the
person's devices that has not had it yet (webpush.py does the protocol)."""

import datetime as dt
import json
import logging

from sqlalchemy import delete
from sqlmodel import Session, select

from app.notify.channels import Delivery
from app.notify.models import OutboxMessage, PushSubscription
from app.notify.webpush import Outcome, Push, Sender
from app.notify.wording import Message

log = logging.getLogger("next_steps.notify")
MAX_PAYLOAD = 3000  # bytes of JSON before encryption; push services allow about 4 KB


def payload(words: Message, *, ack: str | None = None) -> bytes:
    """The JSON the service worker shows, kept under MAX_PAYLOAD bytes. `id` is what it
    sends back once shown (a random token: no personal data)."""
    data = {
        "title": words.title[:120],
        "body": words.body,
        "url": words.url,
        "tag": words.tag,
        "lang": words.lang,
        "dir": words.dir,
    }
    if ack:
        data["id"] = ack
    encoded = json.dumps(data, ensure_ascii=False).encode()
    while len(encoded) > MAX_PAYLOAD:
        overflow = len(encoded) - MAX_PAYLOAD
        data["body"] = data["body"][: max(0, len(data["body"]) - overflow - 3)].rstrip() + "…"
        encoded = json.dumps(data, ensure_ascii=False).encode()
    return encoded


def _ids(text: str) -> set[int]:
    return {int(i) for i in text.split(",") if i}


class PushChannel:
    name = "push"
    languages = None

    def __init__(self, sender: Sender, *, ttl_seconds: int, max_attempts: int) -> None:
        self.sender = sender
        self.ttl_seconds = ttl_seconds
        self.max_attempts = max_attempts

    def send(
        self, session: Session, *, message: OutboxMessage, words: Message, now: dt.datetime
    ) -> Delivery:
        """To every device of the person not yet finished with this message; each device
        that took it, or refused it for good, is noted on the row so a retry skips it."""
        finished = _ids(message.finished_for)
        devices = [
            s
            for s in session.exec(
                select(PushSubscription).where(PushSubscription.user_id == message.user_id)
            )
            if s.id not in finished
        ]
        if not devices:
            return Delivery(skipped="no_device")
        ttl = self.ttl_seconds
        if words.expires_at:
            ttl = max(0, min(ttl, int((words.expires_at - now).total_seconds())))
        topic = words.tag.replace("-", "")[:32]
        body = payload(words, ack=message.ack)
        pushes = [
            Push(d.endpoint, d.p256dh, d.auth, body, ttl, words.urgency, topic) for d in devices
        ]
        results = self.sender.send_many(pushes)
        retry_after: list[float] = []
        reached = retrying = False
        error = None
        for device, result in zip(devices, results, strict=True):
            if result.outcome == Outcome.sent:
                finished.add(device.id)
                device.last_success_at = now
                session.add(device)
                reached = True
            elif result.outcome == Outcome.gone:
                # The browser unsubscribed: forget exactly this address, nothing else.
                session.execute(
                    delete(PushSubscription).where(PushSubscription.endpoint == device.endpoint)
                )
            elif result.outcome == Outcome.refused:
                finished.add(device.id)
                error = result.error
                if result.status == 403:
                    log.error(
                        "PUSH REFUSED (403) for subscription %s: the push service does not "
                        "accept our VAPID signature. Check VAPID_PRIVATE_KEY has not changed "
                        "since the browser subscribed. The subscription is kept.",
                        device.id,
                    )
                else:
                    log.warning("push refused (%s) for subscription %s", result.error, device.id)
            else:
                retrying = True
                error = result.error
                if result.retry_after is not None:
                    retry_after.append(result.retry_after)
        message.finished_for = ",".join(str(i) for i in sorted(finished))
        return Delivery(
            reached=reached, retry=retrying, retry_after=max(retry_after, default=None),
            error=error,
        )  # fmt: skip
