"""The devices (browsers' push subscriptions) a parent allowed to notify."""

import datetime as dt

from sqlmodel import Session, select

from app.notify.models import PushSubscription


def has_devices(session: Session, *, user_id: int) -> bool:
    query = select(PushSubscription.id).where(PushSubscription.user_id == user_id).limit(1)
    return session.exec(query).first() is not None


def list_devices(session: Session, *, user_id: int) -> list[PushSubscription]:
    query = select(PushSubscription).where(PushSubscription.user_id == user_id)
    return list(session.exec(query.order_by(PushSubscription.created_at, PushSubscription.id)))


def keep(
    session: Session, *, user_id: int, endpoint: str, p256dh: str, auth: str, device: str,
    now: dt.datetime, session_hash: str | None = None, keep_after_sign_out: bool = False,
) -> int | None:  # fmt: skip
    """Stores this browser's push address for the person (a browser belongs to whoever last
    turned notifications on in it); returns the user it belonged to before, if another."""
    found = session.exec(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    subscription = found.first()
    previous = subscription.user_id if subscription else None
    if subscription is None:
        subscription = PushSubscription(user_id=user_id, endpoint=endpoint, p256dh="", auth="")
    subscription.user_id, subscription.p256dh, subscription.auth = user_id, p256dh, auth
    subscription.device = device[:120]
    subscription.session_hash = session_hash
    subscription.keep_after_sign_out = keep_after_sign_out
    subscription.created_at = subscription.created_at or now
    session.add(subscription)
    session.flush()
    return previous if previous != user_id else None


def forget(
    session: Session, *, user_id: int, subscription_id: int | None = None,
    endpoint: str | None = None,
) -> bool:  # fmt: skip
    """Deletes one of the person's subscriptions (by id, or by its push address)."""
    query = select(PushSubscription).where(PushSubscription.user_id == user_id)
    if subscription_id is not None:
        query = query.where(PushSubscription.id == subscription_id)
    elif endpoint:
        query = query.where(PushSubscription.endpoint == endpoint)
    else:
        return False
    subscription = session.exec(query).first()
    if subscription is None:
        return False
    session.delete(subscription)
    session.flush()
    return True


def forget_signed_out(session: Session, *, session_hash: str) -> set[int]:
    """Deletes the subscriptions this session turned on that were not to be kept after
    sign-out; returns whose they were."""
    query = select(PushSubscription).where(
        PushSubscription.session_hash == session_hash,
        PushSubscription.keep_after_sign_out == False,  # noqa: E712
    )
    owners = set()
    for subscription in session.exec(query):
        owners.add(subscription.user_id)
        session.delete(subscription)
    session.flush()
    return owners
