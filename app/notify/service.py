"""The notify room's service: what the pages and the data export call. Each function
keeps the person's choices or devices and re-plans their messages in one transaction."""

import datetime as dt

from sqlalchemy import update
from sqlmodel import Session, select

from app.accounts.models import User, UserSession
from app.accounts.secrets import token_hash
from app.clock import as_utc
from app.forms import N_, FormError
from app.i18n import locale_info
from app.notify import addresses, devices, planning, wording
from app.notify.channels import Channels
from app.notify.devices import list_devices
from app.notify.models import (
    WAY_CHOICES,
    AddressKind,
    Channel,
    NotificationPreferences,
    NotifyAddress,
    OutboxMessage,
    OutboxStatus,
    PushSubscription,
)
from app.notify.preferences import checked_quiet_hours, preferences, reminder_codes, store

# Re-exported for the pages: what they read as well as what they change.
__all__ = ["list_devices", "preferences", "reminder_codes"]


def save_preferences(
    session: Session,
    *,
    user_id: int,
    reminders: list[str],
    quiet_start: str,
    quiet_end: str,
    discreet: bool,
    now: dt.datetime,
    ways: dict[str, str] | None = None,
) -> NotificationPreferences:
    """Keeps the person's choices (and how each kind of message goes) and re-plans their
    reminders to match."""
    quiet = checked_quiet_hours(quiet_start, quiet_end)
    ways = checked_ways(ways or {})
    prefs = store(session, user_id=user_id, reminders=reminders, quiet=quiet, discreet=discreet)
    for name, way in ways.items():
        setattr(prefs, name, way)
    session.add(prefs)
    planning.plan_reminders(session, user_id=user_id, now=now)
    session.commit()
    return prefs


def subscribe(
    session: Session,
    *,
    user_id: int,
    endpoint: str,
    p256dh: str,
    auth: str,
    device: str,
    now: dt.datetime,
    allow_loopback: bool = False,
    session_token: str | None = None,
    keep_after_sign_out: bool = False,
) -> PushSubscription:
    """Keeps this browser's push address for the person. A browser belongs to whoever last
    turned notifications on in it: on a shared phone the last person's messages only."""
    from app.notify.webpush import check_subscription

    check_subscription(endpoint=endpoint, p256dh=p256dh, auth=auth, allow_loopback=allow_loopback)
    previous = devices.keep(
        session, user_id=user_id, endpoint=endpoint, p256dh=p256dh, auth=auth, device=device,
        now=now, session_hash=token_hash(session_token) if session_token else None,
        keep_after_sign_out=keep_after_sign_out,
    )  # fmt: skip
    if previous is not None:
        planning.plan_reminders(session, user_id=previous, now=now)
    planning.plan_reminders(session, user_id=user_id, now=now)
    session.commit()
    return next(d for d in list_devices(session, user_id=user_id) if d.endpoint == endpoint)


def remove_device(
    session: Session,
    *,
    user_id: int,
    now: dt.datetime,
    subscription_id: int | None = None,
    endpoint: str | None = None,
) -> bool:
    """Forgets one of the person's devices (by id, or by its push address)."""
    if not devices.forget(
        session, user_id=user_id, subscription_id=subscription_id, endpoint=endpoint
    ):
        return False
    planning.plan_reminders(session, user_id=user_id, now=now)
    session.commit()
    return True


def sign_out_device(session: Session, *, session_token: str, now: dt.datetime) -> None:
    """Signing out of a session stops the reminders it turned on in this browser, unless
    the parent ticked "keep reminders on this phone"."""
    for user_id in devices.forget_signed_out(session, session_hash=token_hash(session_token)):
        planning.plan_reminders(session, user_id=user_id, now=now)
    session.commit()


def sign_out_sessions(
    session: Session, *, user_id: int, now: dt.datetime, session_id: int | None = None
) -> None:
    """Ending one of the person's sessions from another device (or all of them) stops the
    reminders those sessions turned on, as signing out there would."""
    query = select(UserSession.token_hash).where(UserSession.user_id == user_id)
    if session_id is not None:
        query = query.where(UserSession.id == session_id)
    owners: set[int] = set()
    for hashed in session.exec(query).all():
        owners |= devices.forget_signed_out(session, session_hash=hashed)
    for owner in owners:
        planning.plan_reminders(session, user_id=owner, now=now)
    session.commit()


def kept_after_sign_out(session: Session, *, user_id: int, session_token: str | None) -> bool:
    """Whether a device this session turned on is to keep its reminders after sign-out."""
    if not session_token:
        return False
    hashed = token_hash(session_token)
    return any(
        d.keep_after_sign_out and d.session_hash == hashed
        for d in list_devices(session, user_id=user_id)
    )


# Texts and emails: addresses and their codes ---------------------------------------------

CODE_TEXT = N_("Your Next Steps code is %(code)s. It works for 15 minutes.")
CODE_SUBJECT = N_("Your Next Steps code")
NOT_SENT = N_("We could not send the code just now. Please try again in a few minutes.")
TOO_MANY_TEXTS = N_("You have had a lot of texts from us today. Please try again tomorrow.")
WAY_NAMES = ("reminders_by", "changes_by", "shared_by")
FIELD_OF = {AddressKind.phone: "phone", AddressKind.email: "email"}


def checked_ways(ways: dict[str, str]) -> dict[str, str]:
    """Each kind's way, one of WAY_CHOICES, else a FormError on that kind."""
    errors = {
        name: N_("Choose how we send these.")
        for name, way in ways.items()
        if name not in WAY_NAMES or way not in WAY_CHOICES
    }
    if errors:
        raise FormError(errors)
    return ways


def addresses_of(session: Session, *, user_id: int) -> dict[str, NotifyAddress | None]:
    """The person's phone and email rows (confirmed or waiting for their code)."""
    return {kind.value: addresses.find(session, user_id=user_id, kind=kind) for kind in AddressKind}


def _send_code(session, channel, *, address: NotifyAddress, code: str, locale: str, now):
    """The code, through the channel it confirms: a text in English or Welsh, an email in
    the person's language. Returns Notify's or the mail server's answer."""
    if address.kind == AddressKind.phone:
        t = locale_info(locale if locale in ("en", "cy") else "en").translations
        body = t.gettext(CODE_TEXT) % {"code": code}
        return channel.send_text(
            session, user_id=address.user_id, number=address.value, body=body,
            reference=f"code-{address.id}", now=now,
        )  # fmt: skip
    info = locale_info(locale)
    body = info.translations.gettext(CODE_TEXT) % {"code": code}
    subject = info.translations.gettext(CODE_SUBJECT)
    words = wording.Message(
        title=subject, body=body, url="", tag="", lang=info.code, dir=info.direction,
        urgency="high", expires_at=None,
    )  # fmt: skip
    subject, plain, html = wording.email(words, link="", open_label="")
    return channel.send_email(
        address=address.value, subject=subject, plain=plain, html=html, lang=info.code,
        reference=f"code-{address.id}",
    )  # fmt: skip


def add_address(
    session: Session, *, user_id: int, kind: AddressKind, value: str, channels: Channels,
    locale: str, now: dt.datetime,
) -> NotifyAddress:  # fmt: skip
    """Keeps a new number or address (replacing the old one) and sends it a one-time code
    through its own channel; nothing else goes to it until the code comes back. On a
    FormError nothing is kept."""
    try:
        return _add_address(
            session, user_id=user_id, kind=kind, value=value, channels=channels,
            locale=locale, now=now,
        )  # fmt: skip
    except FormError:
        session.rollback()
        raise


def _add_address(
    session: Session, *, user_id: int, kind: AddressKind, value: str, channels: Channels,
    locale: str, now: dt.datetime,
) -> NotifyAddress:  # fmt: skip
    channel = channels.text if kind == AddressKind.phone else channels.email
    name = FIELD_OF[kind]
    if channel is None:
        raise FormError({name: N_("This site does not send these.")})
    value = (
        addresses.normalise_phone(value) if kind == AddressKind.phone
        else addresses.normalise_email(value)
    )  # fmt: skip
    address = addresses.find(session, user_id=user_id, kind=kind)
    if address is None or address.value != value:
        if address is not None:
            _stop(session, user_id=user_id, kind=kind)
            session.delete(address)
            session.flush()
        address = NotifyAddress(user_id=user_id, kind=kind, value=value, created_at=now)
        session.add(address)
        session.flush()
    resend(session, address=address, channel=channel, locale=locale, now=now)
    planning.plan_reminders(session, user_id=user_id, now=now)
    session.commit()
    return address


def resend(session: Session, *, address: NotifyAddress, channel, locale: str, now) -> None:
    """A fresh code to the address (does not commit)."""
    name = FIELD_OF[address.kind]
    if address.kind == AddressKind.phone:
        room = channel.room(session, user_id=address.user_id, now=now)
        if room is not None:
            raise FormError({name: TOO_MANY_TEXTS})
    try:
        code = addresses.new_code(address, now=now)
    except FormError as error:
        raise FormError({name: error.errors["code"]}) from None
    session.add(address)
    session.flush()
    answer = _send_code(session, channel, address=address, code=code, locale=locale, now=now)
    if answer.outcome == "gone":
        raise FormError({name: N_("We could not send a message to that. Please check it.")})
    if answer.outcome != "sent":
        raise FormError({name: NOT_SENT})


def send_new_code(
    session: Session, *, user_id: int, kind: AddressKind, channels: Channels, locale: str,
    now: dt.datetime,
) -> None:  # fmt: skip
    """Another code for the number or address waiting to be confirmed."""
    address = addresses.find(session, user_id=user_id, kind=kind)
    channel = channels.text if kind == AddressKind.phone else channels.email
    if address is None or channel is None:
        return
    try:
        resend(session, address=address, channel=channel, locale=locale, now=now)
    except FormError:
        session.rollback()
        raise
    session.commit()


def confirm_address(
    session: Session, *, user_id: int, kind: AddressKind, code: str, now: dt.datetime
) -> None:
    """The code typed back: the address is confirmed and messages may go to it. A wrong
    code is counted (five void it) and kept even though the form shows an error."""
    address = addresses.find(session, user_id=user_id, kind=kind)
    if address is None:
        raise FormError({"code": N_("Enter your number or address first.")})
    try:
        addresses.check_code(address, code, now=now)
    except FormError:
        session.add(address)
        session.commit()
        raise
    session.add(address)
    session.flush()
    planning.plan_reminders(session, user_id=user_id, now=now)
    session.commit()


def _stop(session: Session, *, user_id: int, kind: AddressKind) -> None:
    """Every waiting message on that address's channel is cancelled, now."""
    channel = Channel.text if kind == AddressKind.phone else Channel.email
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.user_id == user_id,
            OutboxMessage.channel == channel,
            OutboxMessage.status == OutboxStatus.pending,
        )
        .values(status=OutboxStatus.cancelled, last_error="address_removed")
    )


def remove_address(session: Session, *, user_id: int, kind: AddressKind, now: dt.datetime) -> None:
    """Forgets the number or address; nothing more goes to it, from this moment."""
    address = addresses.find(session, user_id=user_id, kind=kind)
    _stop(session, user_id=user_id, kind=kind)
    if address is not None:
        session.delete(address)
    session.flush()
    planning.plan_reminders(session, user_id=user_id, now=now)
    session.commit()


def recent_deliveries(session: Session, *, user_id: int, limit: int = 5) -> list[OutboxMessage]:
    """The person's latest texts and emails, with what Notify last said of each."""
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.user_id == user_id,
            OutboxMessage.channel != Channel.push,
            OutboxMessage.status.in_([OutboxStatus.sent, OutboxStatus.failed]),  # type: ignore[union-attr]
        )
        .order_by(OutboxMessage.id.desc())  # type: ignore[union-attr]
        .limit(limit)
    )
    return list(session.exec(query))


# Acknowledgements and delivery statuses -----------------------------------------------

ACK_LENGTH = 40
STATUSES = {"delivered", "permanent-failure", "temporary-failure", "technical-failure",
            "sending", "created", "pending"}  # fmt: skip


def acknowledge(session: Session, *, ack: str, now: dt.datetime) -> bool:
    """A phone showed the push message with this id: its "then text" need not go."""
    if not ack or len(ack) > ACK_LENGTH:
        return False
    message = session.exec(select(OutboxMessage).where(OutboxMessage.ack == ack)).first()
    if message is None:
        return False
    message.shown_at = message.shown_at or now
    session.add(message)
    session.commit()
    return True


def record_status(session: Session, *, ref: str, status: str, now: dt.datetime) -> bool:
    """Notify's word on one text or email (its callback). A permanent failure stops that
    channel for the address, and the parent sees why on the notifications page."""
    if not ref or status not in STATUSES:
        return False
    message = session.exec(
        select(OutboxMessage).where(OutboxMessage.provider_ref == ref[:64])
    ).first()
    if message is None:
        return False
    message.delivery_status = status
    session.add(message)
    if status == "permanent-failure":
        kind = AddressKind.phone if message.channel == Channel.text else AddressKind.email
        address = addresses.find(session, user_id=message.user_id, kind=kind)
        if address is not None and address.failed_at is None:
            address.failed_at, address.failure = now, "permanent_failure"
            session.add(address)
            _stop(session, user_id=message.user_id, kind=kind)
            session.flush()
            planning.plan_reminders(session, user_id=message.user_id, now=now)
    session.commit()
    return True


def export(session: Session, *, user: User) -> dict:
    """The person's notification choices and the devices that get them (never their keys)."""
    prefs = preferences(session, user_id=user.id)

    def when(value):
        return as_utc(value).isoformat() if value else None

    return {
        "reminders": [choice for choice in prefs.reminders.split(",") if choice],
        "quiet_hours": {"from": prefs.quiet_start, "to": prefs.quiet_end}
        if prefs.quiet_start and prefs.quiet_end
        else None,
        "discreet_wording": prefs.discreet,
        "how_each_kind_is_sent": {name: getattr(prefs, name) for name in WAY_NAMES},
        "phone_and_email": [
            {
                "kind": address.kind.value,
                "address": address.value,
                "confirmed_at": when(address.confirmed_at),
                "failed_at": when(address.failed_at),
            }
            for address in addresses_of(session, user_id=user.id).values()
            if address is not None
        ],
        "devices": [
            {
                "device": device.device,
                "added_at": when(device.created_at),
                "last_reached_at": when(device.last_success_at),
            }
            for device in list_devices(session, user_id=user.id)
        ],
    }
