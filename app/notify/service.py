"""The notify room's service: what the pages and the data export call. Each function
keeps the person's choices or devices and re-plans their messages in one transaction."""

import datetime as dt

from sqlmodel import Session

from app.accounts.models import User
from app.accounts.secrets import token_hash
from app.clock import as_utc
from app.notify import devices, planning
from app.notify.devices import list_devices
from app.notify.models import NotificationPreferences, PushSubscription
from app.notify.preferences import checked_quiet_hours, preferences, reminder_codes, store

__all__ = [
    "export", "kept_after_sign_out", "list_devices", "preferences", "reminder_codes",
    "remove_device", "save_preferences", "sign_out_device", "subscribe",
]  # fmt: skip


def save_preferences(
    session: Session,
    *,
    user_id: int,
    reminders: list[str],
    quiet_start: str,
    quiet_end: str,
    discreet: bool,
    now: dt.datetime,
) -> NotificationPreferences:
    """Keeps the person's choices and re-plans their reminders to match."""
    quiet = checked_quiet_hours(quiet_start, quiet_end)
    prefs = store(session, user_id=user_id, reminders=reminders, quiet=quiet, discreet=discreet)
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


def kept_after_sign_out(session: Session, *, user_id: int, session_token: str | None) -> bool:
    """Whether a device this session turned on is to keep its reminders after sign-out."""
    if not session_token:
        return False
    hashed = token_hash(session_token)
    return any(
        d.keep_after_sign_out and d.session_hash == hashed
        for d in list_devices(session, user_id=user_id)
    )


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
        "devices": [
            {
                "device": device.device,
                "added_at": when(device.created_at),
                "last_reached_at": when(device.last_success_at),
            }
            for device in list_devices(session, user_id=user.id)
        ],
    }
