"""Email addresses and phone numbers as people type them, checked by kept libraries.

email-validator (pydantic's companion) checks an address's syntax as RFC 5322 and 6531
allow it, without looking the domain up (no network from a form). phonenumbers (Google's
libphonenumber data) reads a number as a UK one unless it starts with + and a country
code; short numbers (999, 111, 116 123) are accepted only where a service's number may be
one. Ofcom keeps two ranges for drama and examples (01632 960xxx, 07700 900xxx) that
libphonenumber calls invalid; our hints and demos use them, so they are accepted too.
"""

import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from phonenumbers import shortnumberinfo

MAX_EMAIL = 254
MAX_PHONE = 32
_DRAMA = re.compile(r"^(?:1632960|7700900)\d{3}$")


def email_address(value: str) -> str | None:
    """The address with its domain in lower case, or None when it is not one."""
    value = value.strip()
    if not value or len(value) > MAX_EMAIL:
        return None
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def phone_number(value: str, *, short: bool = False) -> str | None:
    """The number as typed (spaces tidied), or None when it is not a UK or international
    number (nor, with `short`, a UK short number such as 999 or 116 123)."""
    value = " ".join(value.split())
    if not value or len(value) > MAX_PHONE or not re.fullmatch(r"\+?[0-9 ()-]+", value):
        return None
    try:
        number = phonenumbers.parse(value, "GB")
    except phonenumbers.NumberParseException:
        return None
    national = str(number.national_number)
    if (
        phonenumbers.is_valid_number(number)
        or (number.country_code == 44 and _DRAMA.match(national))
        or (short and shortnumberinfo.is_valid_short_number_for_region(number, "GB"))
    ):
        return value
    return None
