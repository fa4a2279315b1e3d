"""Email addresses and phone numbers, wherever a person types one, are checked by kept
libraries (email-validator, phonenumbers): a hostile address is refused in the person's
language with what they typed kept, never stored."""

import html

import pytest
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup
from sqlmodel import select

from app.accounts.models import Role, User
from app.contact import email_address, phone_number
from app.resources.models import LocalResource
from app.settings import ROOT
from app.team.models import TeamMember
from tests import factories
from tests.factories import GOOD_PASSPHRASE, post

HOSTILE = '"><script>x</script>@b.example'
EMAIL_ERRORS = {
    "team": "Enter an email address like name@example.org.",
    "local": "Enter an email address like name@example.org.",
    "sign-up": "Enter an email address like name@example.com, or leave it empty.",
}


def welsh(message: str) -> str:
    with open(ROOT / "app/locales/cy/LC_MESSAGES/messages.po", "rb") as po:
        found = read_po(po).get(message)
    assert found is not None and found.string, message
    return found.string


@pytest.mark.parametrize("value", [HOSTILE, "a@b", "name@@example.org", "x@localhost",
                                   "sam smith@example.org", "a" * 250 + "@b.example"])  # fmt: skip
def test_addresses_that_are_not_ones_are_refused(value):
    assert email_address(value) is None


def test_addresses_that_are_ones_are_kept():
    assert email_address(" Sam.Smith@Example.ORG ") == "Sam.Smith@example.org"
    assert email_address("jo@council.gov.uk") == "jo@council.gov.uk"


@pytest.mark.parametrize("value,short,ok", [
    ("020 7946 0000", False, True), ("0161 496 0000", False, True),
    ("+44 20 7946 0000", False, True),
    ("01632 960 001", False, True), ("07700 900123", False, True),  # Ofcom's drama ranges
    ("+33 1 23 45 67 89", False, True), ("0808 800 5000", False, True),
    ("999", False, False), ("999", True, True), ("116 123", True, True),
    ("12345", True, False), ("0207 946", False, False), ("call me", False, False),
    ("<script>", True, False), ("0" * 40, False, False),
])  # fmt: skip
def test_uk_numbers_and_short_numbers_where_they_belong(value, short, ok):
    assert (phone_number(value, short=short) is not None) is ok


def refused_in_welsh(response, field: str, message: str, typed: str) -> None:
    assert response.status_code == 400
    assert f'href="#f-{field}"' in response.text
    assert html.escape(welsh(message), quote=False) in response.text
    assert message not in response.text
    field_input = BeautifulSoup(response.text, "html.parser").select_one(f"[name={field}]")
    assert field_input["value"] == typed, "what was typed is kept"
    assert "<script>x</script>" not in response.text


def test_a_team_member_with_a_hostile_address_is_refused(client, db):
    parent = factories.user(db, Role.parent)
    factories.sign_in_as(client, db, parent)
    client.page("/cy/team/")
    response = post(client, "/cy/team/people", {"name": "Priya", "agency": "midwifery",
                                                 "email": HOSTILE})  # fmt: skip
    refused_in_welsh(response, "email", EMAIL_ERRORS["team"], HOSTILE)
    bad_phone = post(client, "/cy/team/people", {"name": "Priya", "agency": "midwifery",
                                                 "phone": "0207 946"})  # fmt: skip
    assert bad_phone.status_code == 400 and 'href="#f-phone"' in bad_phone.text
    assert not db.exec(select(TeamMember).where(TeamMember.parent_id == parent.id)).all()


def test_a_local_service_with_a_hostile_address_is_refused(client, db):
    charity = factories.organisation(db, "Riverside Charity")
    worker = factories.user(db, Role.supporter, display_name="Jo", organisation=charity)
    factories.sign_in_as(client, db, worker)
    client.page("/cy/resources/local/new")
    fields = {"name": "Drop-in", "summary": "A drop-in for parents.", "areas": "CF10",
              "topics": ["loss"], "languages": ["en"]}  # fmt: skip
    response = post(client, "/cy/resources/local/new", {**fields, "email": HOSTILE})
    refused_in_welsh(response, "email", EMAIL_ERRORS["local"], HOSTILE)
    assert not db.exec(select(LocalResource).where(LocalResource.name == "Drop-in")).all()
    made = post(client, "/cy/resources/local/new", {**fields, "phone": "116 123"})
    assert made.status_code == 303, "a short number is a service's number"


def test_signing_up_with_a_hostile_address_is_refused(client, db):
    client.page("/cy/sign-up")
    response = post(client, "/cy/sign-up", {"name": "Kai", "passphrase": GOOD_PASSPHRASE,
                                            "email": HOSTILE})  # fmt: skip
    refused_in_welsh(response, "email", EMAIL_ERRORS["sign-up"], HOSTILE)
    assert db.exec(select(User).where(User.username == "kai")).first() is None
