"""Accounts and organisations: creating them and finding them."""

from sqlmodel import Session, select

from app.accounts.models import Organisation, OrganisationKind, Role, User


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
    locale: str | None = None,
) -> User:
    """The user with this username, created if it is new."""
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        user = User(
            username=username,
            display_name=display_name,
            role=role,
            organisation_id=organisation.id if organisation else None,
            locale=locale,
        )
        session.add(user)
        session.flush()
    return user
