"""A parent's mobile number and email address for texts and emails: checked, confirmed by
a one-time code sent through that channel, and only then used."""

import datetime as dt
import re
import secrets

from sqlmodel import Session, select

from app.accounts.secrets import token_hash
from app.clock import as_utc
from app.forms import N_, FormError
from app.notify.models import AddressKind, NotifyAddress

CODE_LIFETIME = dt.timedelta(minutes=15)
MAX_WRONG_CODES = 5  # then the code is void and a new one must be asked for
CODES_PER_HOUR = 3
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")


def normalise_phone(value: str) -> str:
    """A UK mobile number as +447…; anything else is refused with a message."""
    digits = re.sub(r"[\s\-().]", "", value or "")
    if digits.startswith("+44"):
        digits = "0" + digits[3:]
    elif digits.startswith("0044"):
        digits = "0" + digits[4:]
    elif digits.startswith("44") and len(digits) == 12:
        digits = "0" + digits[2:]
    if not re.fullmatch(r"07\d{9}", digits):
        raise FormError({"phone": N_("Enter a UK mobile number, like 07700 900982.")})
    return "+44" + digits[1:]


def normalise_email(value: str) -> str:
    value = (value or "").strip()
    if len(value) > 254 or not EMAIL.match(value):
        raise FormError({"email": N_("Enter an email address, like name@example.com.")})
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def find(session: Session, *, user_id: int, kind: AddressKind) -> NotifyAddress | None:
    query = select(NotifyAddress).where(
        NotifyAddress.user_id == user_id, NotifyAddress.kind == kind
    )
    return session.exec(query).first()


def usable(session: Session, *, user_id: int, kind: AddressKind) -> NotifyAddress | None:
    """The address if it is confirmed and has not failed for good."""
    address = find(session, user_id=user_id, kind=kind)
    if address is None or address.confirmed_at is None or address.failed_at is not None:
        return None
    return address


def new_code(address: NotifyAddress, *, now: dt.datetime) -> str:
    """A fresh six-digit code for the address (kept only as a hash), or a FormError when
    too many were asked for this hour."""
    window = as_utc(address.codes_window_at)
    if window is None or now - window >= dt.timedelta(hours=1):
        address.codes_window_at, address.codes_sent = now, 0
    if address.codes_sent >= CODES_PER_HOUR:
        wait = N_("We have sent you several codes. Please wait an hour and ask again.")
        raise FormError({"code": wait})
    code = f"{secrets.randbelow(1_000_000):06d}"
    address.code_hash = token_hash(f"{address.id}:{code}")
    address.code_expires_at = now + CODE_LIFETIME
    address.wrong_codes = 0
    address.codes_sent += 1
    return code


def check_code(address: NotifyAddress, code: str, *, now: dt.datetime) -> None:
    """Confirms the address if `code` is its current code; otherwise counts a wrong try
    and raises a FormError that says what to do."""
    code = re.sub(r"\s", "", code or "")
    expires = as_utc(address.code_expires_at)
    if address.code_hash is None or expires is None or expires <= now:
        raise FormError({"code": N_("That code has run out. Ask for a new one.")})
    if address.wrong_codes >= MAX_WRONG_CODES:
        raise FormError({"code": N_("Too many wrong codes. Ask for a new one.")})
    if not secrets.compare_digest(token_hash(f"{address.id}:{code}"), address.code_hash):
        address.wrong_codes += 1
        raise FormError({"code": N_("That code is not right. Check the message and try again.")})
    address.confirmed_at, address.code_hash, address.code_expires_at = now, None, None
    address.failed_at, address.failure = None, None
