"""Passkeys (WebAuthn): registration and sign-in ceremonies, challenges kept in the database."""

import json
import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, select
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, parse_client_data_json
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from app.accounts.models import ChallengePurpose, Passkey, User, WebAuthnChallenge
from app.clock import as_utc

CEREMONY_TIME = timedelta(minutes=5)
RP_NAME = "Next Steps"


class PasskeyFailed(Exception):
    """The browser's answer did not check out; nothing was changed."""


def _store_challenge(
    session: Session,
    *,
    challenge: bytes,
    purpose: ChallengePurpose,
    user: User | None,
    now: datetime,
) -> None:
    session.execute(delete(WebAuthnChallenge).where(WebAuthnChallenge.expires_at <= now))
    session.add(
        WebAuthnChallenge(
            challenge=challenge,
            purpose=purpose,
            user_id=user.id if user else None,
            expires_at=now + CEREMONY_TIME,
        )
    )
    session.commit()


def _take_challenge(
    session: Session, *, credential: dict, purpose: ChallengePurpose, now: datetime
) -> WebAuthnChallenge:
    """The stored challenge the browser answered; spent whether or not the answer checks out."""
    try:
        client_data = parse_client_data_json(
            base64url_to_bytes(credential["response"]["clientDataJSON"])
        )
    except (KeyError, TypeError, ValueError, WebAuthnException) as error:
        raise PasskeyFailed("unreadable answer") from error
    stored = session.exec(
        select(WebAuthnChallenge).where(
            WebAuthnChallenge.challenge == client_data.challenge,
            WebAuthnChallenge.purpose == purpose,
        )
    ).first()
    if stored is None or as_utc(stored.expires_at) <= now:
        raise PasskeyFailed("unknown or expired challenge")
    session.delete(stored)
    session.commit()
    return stored


def registration_options(session: Session, *, user: User, rp_id: str, now: datetime) -> str:
    """Options (JSON) for the browser to create a passkey for this person."""
    if user.webauthn_handle is None:
        user.webauthn_handle = secrets.token_bytes(32)
    existing = session.exec(select(Passkey.credential_id).where(Passkey.user_id == user.id)).all()
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=RP_NAME,
        user_id=user.webauthn_handle,
        user_name=user.username,
        user_display_name=user.display_name,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=cid) for cid in existing],
    )
    _store_challenge(
        session,
        challenge=options.challenge,
        purpose=ChallengePurpose.register,
        user=user,
        now=now,
    )
    return options_to_json(options)


def register(
    session: Session,
    *,
    user: User,
    credential: dict,
    name: str,
    rp_id: str,
    origin: str,
    now: datetime,
) -> Passkey:
    """Checks the browser's new credential and keeps it for this person."""
    stored = _take_challenge(
        session, credential=credential, purpose=ChallengePurpose.register, now=now
    )
    if stored.user_id != user.id:
        raise PasskeyFailed("challenge for someone else")
    try:
        verified = verify_registration_response(
            credential=json.dumps(credential),
            expected_challenge=stored.challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as error:
        raise PasskeyFailed(str(error)) from error
    passkey = Passkey(
        user_id=user.id,
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        name=name.strip()[:80],
        created_at=now,
    )
    session.add(passkey)
    session.commit()
    return passkey


def authentication_options(session: Session, *, rp_id: str, now: datetime) -> str:
    """Options (JSON) for signing in with any passkey this site made (no name needed)."""
    options = generate_authentication_options(
        rp_id=rp_id, user_verification=UserVerificationRequirement.PREFERRED
    )
    _store_challenge(
        session,
        challenge=options.challenge,
        purpose=ChallengePurpose.authenticate,
        user=None,
        now=now,
    )
    return options_to_json(options)


def authenticate(
    session: Session, *, credential: dict, rp_id: str, origin: str, now: datetime
) -> User:
    """The person whose passkey signed this challenge."""
    stored = _take_challenge(
        session, credential=credential, purpose=ChallengePurpose.authenticate, now=now
    )
    try:
        credential_id = base64url_to_bytes(credential["rawId"])
    except (KeyError, TypeError, ValueError) as error:
        raise PasskeyFailed("no credential id") from error
    passkey = session.exec(select(Passkey).where(Passkey.credential_id == credential_id)).first()
    if passkey is None:
        raise PasskeyFailed("unknown passkey")
    try:
        verified = verify_authentication_response(
            credential=json.dumps(credential),
            expected_challenge=stored.challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as error:
        raise PasskeyFailed(str(error)) from error
    user = session.get(User, passkey.user_id)
    if user is None or user.suspended_at is not None:
        raise PasskeyFailed("account paused")
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = now
    session.commit()
    return user


def list_passkeys(session: Session, *, user: User) -> list[Passkey]:
    """The person's passkeys, oldest first."""
    return list(
        session.exec(
            select(Passkey).where(Passkey.user_id == user.id).order_by(col(Passkey.created_at))
        ).all()
    )


def remove_passkey(session: Session, *, user: User, passkey_id: int) -> None:
    """Forgets one of the person's passkeys."""
    session.execute(delete(Passkey).where(Passkey.id == passkey_id, Passkey.user_id == user.id))
    session.commit()
