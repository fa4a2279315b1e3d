"""Accounts: signing up and in, sessions, recovery codes, staff invitations, suspension."""

import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, delete, select, update

from app.accounts import ratelimit
from app.accounts.models import (
    Organisation,
    OrganisationKind,
    RecoveryCode,
    Role,
    StaffInvitation,
    User,
    UserSession,
)
from app.accounts.secrets import (
    MAX_PASSPHRASE,
    MIN_PASSPHRASE,
    hash_passphrase,
    is_too_guessable,
    keyed_hash,
    needs_rehash,
    normalise_code,
    readable_code,
    token_hash,
    verify_passphrase,
)
from app.clock import as_utc
from app.contact import email_address, phone_number
from app.db import end_read
from app.forms import N_, FormError, Message
from app.settings import Settings

RECOVERY_CODE_COUNT = 10
NAME_MIN, NAME_MAX = 2, 40
DISPLAY_NAME_MAX = 80
# Touch a session's last-seen time at most this often, not on every request.
TOUCH_EVERY = timedelta(minutes=5)

# Letters and numbers of any script, joining marks, and the punctuation names use.
_NAME_PUNCTUATION = set(" -'’._")


class SignInRefused(Exception):
    """Too many wrong attempts: wait this many seconds (a passkey or recovery code still works)."""

    def __init__(self, seconds: int) -> None:
        super().__init__(f"wait {seconds}s")
        self.seconds = seconds


@dataclass(frozen=True)
class NewSession:
    token: str
    record: UserSession


# --- names, contact details, passphrases ---------------------------------------------


def clean_name(name: str) -> tuple[str, str]:
    """The sign-in key (case-folded) and the name as written; odd names are refused."""
    written = unicodedata.normalize("NFKC", name).strip()
    written = re.sub(r"\s+", " ", written)
    if len(written) < NAME_MIN:
        raise FormError({"name": N_("Enter a name of at least 2 letters or numbers.")})
    if len(written) > NAME_MAX:
        raise FormError(
            {"name": Message(N_("Use a name of %(max)s characters or fewer."), {"max": NAME_MAX})}
        )
    for ch in written:
        if ch in _NAME_PUNCTUATION:
            continue
        if unicodedata.category(ch)[0] not in {"L", "N", "M"}:
            raise FormError(
                {
                    "name": N_(
                        "Use only letters, numbers, spaces, dashes, dots and apostrophes "
                        "in your name."
                    )
                }
            )
    return written.casefold(), written


def clean_display_name(name: str) -> str:
    """A name shown to others: any printable text, escaped wherever it is shown."""
    written = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", name)).strip()
    if not written:
        raise FormError({"display_name": N_("Enter the name people will see.")})
    if len(written) > DISPLAY_NAME_MAX:
        raise FormError(
            {
                "display_name": Message(
                    N_("Use a name of %(max)s characters or fewer."), {"max": DISPLAY_NAME_MAX}
                )
            }
        )
    if any(unicodedata.category(ch) in {"Cc", "Cf", "Co", "Cs"} for ch in written):
        raise FormError({"display_name": N_("Remove the hidden or unusual characters.")})
    return written


def clean_contact(*, email: str, phone: str) -> tuple[str | None, str | None]:
    """Optional email and phone, checked for shape; empty means none."""
    errors = {}
    email = email.strip()
    phone = phone.strip()
    if email and not email_address(email):
        errors["email"] = N_("Enter an email address like name@example.com, or leave it empty.")
    if phone and not phone_number(phone):
        errors["phone"] = N_("Enter a phone number like 07700 900123, or leave it empty.")
    if errors:
        raise FormError(errors)
    return email or None, phone or None


def check_passphrase(passphrase: str, *, related: list[str], field: str = "passphrase") -> None:
    """Refuses short, overlong, common or breached passphrases with a kind explanation."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise FormError(
            {
                field: Message(
                    N_(
                        "Use at least %(min)s characters. Three or four words you will "
                        "remember, like 'kettle river purple moon', work well."
                    ),
                    {"min": MIN_PASSPHRASE},
                )
            }
        )
    if len(passphrase) > MAX_PASSPHRASE:
        raise FormError(
            {field: Message(N_("Use %(max)s characters or fewer."), {"max": MAX_PASSPHRASE})}
        )
    if is_too_guessable(passphrase, related=related):
        raise FormError(
            {
                field: N_(
                    "Lots of people use this passphrase or one like it, so it would be easy "
                    "to guess. This is not your fault. Try three or four random words that "
                    "mean something only to you."
                )
            }
        )


def _name_taken(session: Session, key: str) -> bool:
    return session.exec(select(User.id).where(User.username == key)).first() is not None


# --- sign-up ---------------------------------------------------------------------------


def sign_up_parent(
    session: Session,
    *,
    name: str,
    passphrase: str,
    email: str = "",
    phone: str = "",
    locale: str | None = None,
) -> tuple[User, list[str]]:
    """A new parent account and its recovery codes (shown once, kept only hashed)."""
    errors: dict = {}
    key = written = ""
    for check in (
        lambda: clean_name(name),
        lambda: check_passphrase(passphrase, related=[name, email]),
        lambda: clean_contact(email=email, phone=phone),
    ):
        try:
            result = check()
            if isinstance(result, tuple) and not key:
                key, written = result
        except FormError as error:
            errors.update(error.errors)
    if key and _name_taken(session, key):
        errors["name"] = Message(N_("Someone already uses that name. Try another."))
    if errors:
        raise FormError(errors)
    email_value, phone_value = clean_contact(email=email, phone=phone)
    user = User(
        username=key,
        display_name=written,
        role=Role.parent,
        locale=locale,
        email=email_value,
        phone=phone_value,
        passphrase_hash=hash_passphrase(passphrase),
    )
    session.add(user)
    session.flush()
    codes = _replace_recovery_codes(session, user=user)
    session.commit()
    return user, codes


def _replace_recovery_codes(session: Session, *, user: User) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [readable_code() for _ in range(RECOVERY_CODE_COUNT)]
    for code in codes:
        session.add(RecoveryCode(user_id=user.id, code_hash=token_hash(code)))
    return codes


def new_recovery_codes(session: Session, *, user: User) -> list[str]:
    """A fresh set of recovery codes; the old ones stop working."""
    codes = _replace_recovery_codes(session, user=user)
    session.commit()
    return codes


def unused_recovery_codes(session: Session, *, user: User) -> int:
    """How many recovery codes the person has left."""
    return session.exec(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, col(RecoveryCode.used_at).is_(None))
    ).one()


# --- sign-in and its limits ------------------------------------------------------------


def _limits(settings: Settings, *, name_key: str, address: str) -> list[ratelimit.Limit]:
    secret = settings.signing_key()
    return [
        ratelimit.Limit(keyed_hash(secret, "account:" + name_key), settings.sign_in_account_limit),
        ratelimit.Limit(keyed_hash(secret, "address:" + address), settings.sign_in_address_limit),
    ]


def _window(settings: Settings) -> timedelta:
    return timedelta(seconds=settings.sign_in_window_seconds)


def account_key(name: str) -> str:
    """The form of a sign-in name that accounts are found by."""
    return unicodedata.normalize("NFKC", name).strip().casefold()[: NAME_MAX * 2]


def device_marker(settings: Settings, *, name: str) -> str:
    """What a known-device cookie holds about the account: a keyed hash, never the name."""
    return keyed_hash(settings.signing_key(), "device-account:" + account_key(name))


def sign_in(
    session: Session,
    *,
    name: str,
    passphrase: str,
    address: str,
    settings: Settings,
    now: datetime,
    device: str | None = None,
) -> User:
    """The account whose name and passphrase these are; limited per account and address.

    `device` is the id from a known-device cookie this browser got when it last signed
    in to this account: its tries count against that device alone, so a guesser hammering
    the name (or sharing the parent's network address) cannot keep the parent out."""
    key = account_key(name)
    if not key or not passphrase:
        raise FormError({"name": N_("Enter your name and your passphrase.")})
    if device:
        limits = [
            ratelimit.Limit(
                keyed_hash(settings.signing_key(), "device:" + device),
                settings.sign_in_account_limit,
            )
        ]
    else:
        limits = _limits(settings, name_key=key, address=address)
    wait = ratelimit.seconds_to_wait(session, limits=limits, window=_window(settings), now=now)
    if wait:
        raise SignInRefused(wait)
    user = session.exec(select(User).where(User.username == key)).first()
    stored_hash = user.passphrase_hash if user else None
    end_read(session)  # the hash takes a core for a moment: no lock held meanwhile
    if not verify_passphrase(stored_hash, passphrase[:MAX_PASSPHRASE]):
        ratelimit.record_failure(session, limits=limits, window=_window(settings), now=now)
        session.commit()
        raise FormError(
            {
                "name": N_(
                    "That name and passphrase do not match an account. Check them and try again."
                )
            }
        )
    if user.suspended_at is not None:
        raise FormError(
            {
                "name": N_(
                    "This account is paused by your organisation. Ask your organisation's admin."
                )
            }
        )
    ratelimit.forget(session, key_hash=limits[0].key_hash)
    if device:
        account_limit = _limits(settings, name_key=key, address=address)[0]
        ratelimit.forget(session, key_hash=account_limit.key_hash)
    if needs_rehash(user.passphrase_hash):
        user.passphrase_hash = hash_passphrase(passphrase)
    session.commit()
    return user


def recover_account(
    session: Session,
    *,
    name: str,
    code: str,
    new_passphrase: str,
    address: str,
    settings: Settings,
    now: datetime,
) -> User:
    """Uses one recovery code to set a new passphrase and ends every other session.

    Codes cannot be guessed, so only the per-address limit applies: someone hammering the
    account name cannot stop its owner from recovering it.
    """
    key = unicodedata.normalize("NFKC", name).strip().casefold()[: NAME_MAX * 2]
    limits = _limits(settings, name_key=key, address=address)[1:]
    wait = ratelimit.seconds_to_wait(session, limits=limits, window=_window(settings), now=now)
    if wait:
        raise SignInRefused(wait)
    user = session.exec(select(User).where(User.username == key)).first()
    stored = None
    if user is not None:
        stored = session.exec(
            select(RecoveryCode).where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == token_hash(normalise_code(code)),
                col(RecoveryCode.used_at).is_(None),
            )
        ).first()
    if stored is None:
        ratelimit.record_failure(session, limits=limits, window=_window(settings), now=now)
        session.commit()
        raise FormError(
            {"code": N_("That name and recovery code do not match, or the code was used already.")}
        )
    check_passphrase(new_passphrase, related=[user.username], field="passphrase")
    stored.used_at = now
    user.passphrase_hash = hash_passphrase(new_passphrase)
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    ratelimit.forget(session, key_hash=_limits(settings, name_key=key, address=address)[0].key_hash)
    session.commit()
    return user


# --- sessions --------------------------------------------------------------------------


def start_session(
    session: Session,
    *,
    user: User,
    shared_device: bool,
    device: str,
    settings: Settings,
    now: datetime,
    replacing: str | None = None,
) -> NewSession:
    """A brand-new session id for a sign-in (the one the browser had, if any, ends)."""
    if replacing:
        session.execute(delete(UserSession).where(UserSession.token_hash == token_hash(replacing)))
    token = secrets.token_urlsafe(32)
    lifetime = (
        timedelta(minutes=settings.shared_device_session_minutes)
        if shared_device
        else timedelta(days=settings.session_days)
    )
    record = UserSession(
        token_hash=token_hash(token),
        user_id=user.id,
        shared_device=shared_device,
        device=device[:120],
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime,
    )
    session.add(record)
    session.commit()
    return NewSession(token=token, record=record)


def session_user(
    session: Session, *, token: str, settings: Settings, now: datetime
) -> tuple[User, UserSession] | None:
    """The live session for a cookie token and its user; idle sessions slide forward."""
    row = session.exec(
        select(UserSession, User)
        .join(User, col(User.id) == UserSession.user_id)
        .where(UserSession.token_hash == token_hash(token))
    ).first()
    if row is None:
        return None
    record, user = row
    if as_utc(record.expires_at) <= now or user.suspended_at is not None:
        # A page load that has only read: the removal waits its turn (see end_read).
        end_read(session, then_write=True)
        session.delete(record)
        session.commit()
        return None
    if not record.shared_device and now - as_utc(record.last_seen_at) > TOUCH_EVERY:
        end_read(session, then_write=True)
        record.last_seen_at = now
        record.expires_at = now + timedelta(days=settings.session_days)
        session.commit()
    return user, record


def list_sessions(session: Session, *, user: User) -> list[UserSession]:
    """The person's signed-in browsers, most recently used first."""
    return list(
        session.exec(
            select(UserSession)
            .where(UserSession.user_id == user.id)
            .order_by(col(UserSession.last_seen_at).desc())
        ).all()
    )


def end_session(session: Session, *, token: str) -> None:
    """Signs this browser out on the server."""
    session.execute(delete(UserSession).where(UserSession.token_hash == token_hash(token)))
    session.commit()


def end_one_session(session: Session, *, user: User, session_id: int) -> None:
    """Ends one of the person's own sessions."""
    session.execute(
        delete(UserSession).where(UserSession.id == session_id, UserSession.user_id == user.id)
    )
    session.commit()


def end_all_sessions(session: Session, *, user: User) -> None:
    """Signs the person out everywhere, this browser included."""
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    session.commit()


# --- staff invitations and suspension ------------------------------------------------


INVITABLE_ROLES = (Role.supporter, Role.agency_staff, Role.content_editor)


def _require_organisation_admin(admin: User) -> None:
    if not admin.organisation_admin or admin.organisation_id is None:
        raise PermissionError("not an organisation admin")


def invite_staff(
    session: Session, *, admin: User, role: str, settings: Settings, now: datetime
) -> str:
    """A one-time code for a new staff account in the admin's organisation."""
    _require_organisation_admin(admin)
    if role not in {r.value for r in INVITABLE_ROLES}:
        raise FormError({"role": N_("Choose what this person does.")})
    code = readable_code(groups=4)
    session.add(
        StaffInvitation(
            organisation_id=admin.organisation_id,
            invited_by_id=admin.id,
            role=Role(role),
            code_hash=token_hash(code),
            expires_at=now + timedelta(days=settings.invitation_days),
            created_at=now,
        )
    )
    session.commit()
    return code


def staff_invitation(session: Session, *, code: str, now: datetime) -> StaffInvitation:
    """The usable invitation for this code; a used, expired or unknown code is refused."""
    invitation = session.exec(
        select(StaffInvitation).where(StaffInvitation.code_hash == token_hash(normalise_code(code)))
    ).first()
    if invitation is None:
        raise FormError(
            {"code": N_("We do not know that invitation code. Check it and try again.")}
        )
    if invitation.used_at is not None:
        raise FormError({"code": N_("That invitation has been used already. Ask for a new one.")})
    if as_utc(invitation.expires_at) <= now:
        raise FormError({"code": N_("That invitation has expired. Ask for a new one.")})
    return invitation


def accept_staff_invitation(
    session: Session,
    *,
    code: str,
    name: str,
    display_name: str,
    passphrase: str,
    now: datetime,
) -> User:
    """A staff account from an invitation, in the inviting organisation; the code is spent."""
    invitation = staff_invitation(session, code=code, now=now)
    errors: dict = {}
    key = ""
    try:
        key, _ = clean_name(name)
    except FormError as error:
        errors.update(error.errors)
    try:
        shown = clean_display_name(display_name)
    except FormError as error:
        errors.update(error.errors)
    try:
        check_passphrase(passphrase, related=[name, display_name])
    except FormError as error:
        errors.update(error.errors)
    if key and _name_taken(session, key):
        errors["name"] = Message(N_("Someone already uses that name. Try another."))
    if errors:
        raise FormError(errors)
    user = User(
        username=key,
        display_name=shown,
        role=invitation.role,
        organisation_id=invitation.organisation_id,
        passphrase_hash=hash_passphrase(passphrase),
    )
    invitation.used_at = now
    session.add(user)
    session.commit()
    return user


def organisation_of(session: Session, *, user: User) -> Organisation | None:
    """The organisation a staff member belongs to, if any."""
    return session.get(Organisation, user.organisation_id) if user.organisation_id else None


def organisation_staff(session: Session, *, admin: User) -> list[User]:
    """Everyone in the admin's organisation, by name."""
    _require_organisation_admin(admin)
    return list(
        session.exec(
            select(User)
            .where(User.organisation_id == admin.organisation_id)
            .order_by(col(User.display_name))
        ).all()
    )


def set_suspended(
    session: Session, *, admin: User, staff_id: int, suspended: bool, now: datetime
) -> User:
    """Pauses a staff account at once (its sessions end) or lets it back in."""
    _require_organisation_admin(admin)
    staff = session.get(User, staff_id)
    if staff is None or staff.organisation_id != admin.organisation_id or staff.id == admin.id:
        raise PermissionError("not this admin's staff")
    staff.suspended_at = now if suspended else None
    if suspended:
        session.execute(delete(UserSession).where(UserSession.user_id == staff.id))
    session.commit()
    return staff


# --- deletion --------------------------------------------------------------------------


def delete_account(session: Session, *, user: User, settings: Settings) -> None:
    """Removes the person and everything about them.

    Every table that points at a user does so with ON DELETE CASCADE (their sessions,
    codes, passkeys, links, the record of looks at their things, and the features built
    later); the wrong-attempt counters are keyed by a hash of the name, so go by hand.
    """
    secret = settings.signing_key()
    ratelimit.forget(session, key_hash=keyed_hash(secret, "account:" + user.username))
    session.execute(
        update(StaffInvitation)
        .where(StaffInvitation.invited_by_id == user.id)
        .values(invited_by_id=None)
    )
    session.delete(user)
    session.commit()


# --- set-up helpers for demo data and tests ----------------------------------------


def get_or_create_organisation(
    session: Session, *, name: str, kind: OrganisationKind
) -> Organisation:
    """The organisation with this name, created if it is new."""
    organisation = session.exec(select(Organisation).where(Organisation.name == name)).first()
    if organisation is None:
        organisation = Organisation(name=name, kind=kind)
        session.add(organisation)
        session.flush()
    return organisation


def get_or_create_user(
    session: Session,
    *,
    username: str,
    display_name: str,
    role: Role,
    organisation: Organisation | None = None,
    organisation_admin: bool = False,
    locale: str | None = None,
    passphrase: str | None = None,
) -> User:
    """The user with this username, created if it is new (the passphrase is set either way)."""
    key = username.casefold()
    user = session.exec(select(User).where(User.username == key)).first()
    if user is None:
        user = User(
            username=key,
            display_name=display_name,
            role=role,
            organisation_id=organisation.id if organisation else None,
            organisation_admin=organisation_admin,
            locale=locale,
        )
        session.add(user)
    if passphrase is not None and not (
        user.passphrase_hash and verify_passphrase(user.passphrase_hash, passphrase)
    ):
        user.passphrase_hash = hash_passphrase(passphrase)
    session.flush()
    return user
