"""Factories for accounts, links and signed-in clients, straight through the services."""

from datetime import UTC, datetime, timedelta

from itsdangerous import URLSafeSerializer
from sqlmodel import Session

from app.accounts import service
from app.accounts.models import Organisation, OrganisationKind, Role, User
from app.consent import service as consent
from app.consent.models import SupporterLink
from app.deps import SESSION_COOKIE

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
GOOD_PASSPHRASE = "kettle river purple moon"


class Clock:
    """The app's clock in tests: starts at START and moves only when told."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


_counter = iter(range(10**9))


def organisation(db: Session, name: str | None = None) -> Organisation:
    return service.get_or_create_organisation(
        db, name=name or f"Org {next(_counter)}", kind=OrganisationKind.charity
    )


def user(
    db: Session,
    role: Role = Role.parent,
    *,
    name: str | None = None,
    display_name: str | None = None,
    passphrase: str | None = None,
    organisation: Organisation | None = None,
    organisation_admin: bool = False,
) -> User:
    """A user; staff roles get an organisation of their own unless one is given."""
    name = name or f"{role.value}-{next(_counter)}"
    if organisation is None and role != Role.parent:
        organisation = globals()["organisation"](db)
    made = service.get_or_create_user(
        db,
        username=name,
        display_name=display_name or name.title(),
        role=role,
        organisation=organisation,
        organisation_admin=organisation_admin,
        passphrase=passphrase,
    )
    db.commit()
    return made


def link(
    db: Session, parent: User, supporter: User, permissions: set[str], *, revoked: bool = False
) -> SupporterLink:
    """A live (or revoked) link between a parent and a supporter."""
    # A code needs at least one permission; a link left with none is a parent's later change.
    made, code = consent.invite_supporter(
        db, parent=parent, permissions=permissions or {"see_appointments"}, days=7, now=START
    )
    consent.redeem_code(db, supporter=supporter, code=code, now=START)
    if not permissions:
        consent.change_permissions(db, parent=parent, link_id=made.id, permissions=set())
    if revoked:
        consent.revoke(db, parent=parent, link_id=made.id, now=START)
    return made


def session_token(db: Session, who: User, settings, *, shared: bool = False) -> str:
    """A session for this user, as if they had signed in; returns the cookie's token."""
    return service.start_session(
        db, user=who, shared_device=shared, device="Test", settings=settings, now=START
    ).token


def sign_in_as(client, db: Session, who: User | None) -> None:
    """Puts this user's session cookie (or none) on the test client."""
    client.cookies.delete(SESSION_COOKIE)
    if who is not None:
        settings = client.http.app.state.settings
        client.cookies.set(SESSION_COOKIE, session_token(db, who, settings))


def csrf(client) -> str:
    """A valid CSRF token, set as the cookie; send it as the `csrftoken` form field."""
    signer = URLSafeSerializer(client.http.app.state.settings.signing_key(), "csrftoken")
    token = signer.dumps("test-token")
    # The server may have set one too (for its own domain); keep exactly one.
    client.cookies.delete("csrftoken")
    client.cookies.set("csrftoken", token)
    return token


def post(client, url: str, data: dict | None = None, **kwargs):
    """A form POST with a valid CSRF token, not following redirects."""
    token = csrf(client)
    return client.post(
        url, data={**(data or {}), "csrftoken": token}, follow_redirects=False, **kwargs
    )
