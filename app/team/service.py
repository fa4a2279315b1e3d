"""My team: the professionals working with a parent, who to ask about what, and how to
reach them. Added by the parent or a linked supporter, or filled from a linked staff
member's account."""

import datetime as dt

from sqlmodel import Session, col, select

from app.accounts.models import Organisation, OrganisationKind, User
from app.calendar.models import Agency, CalendarSource, SourceEvent, SourceKind
from app.consent.models import SupporterLink
from app.contact import email_address, phone_number
from app.forms import N_, FormError, Message
from app.team.models import TeamMember

FIELDS = ("name", "job", "agency", "phone", "email", "working_hours", "ask_about")
LIMITS = {
    "name": 120,
    "job": 120,
    "phone": 32,
    "email": 254,
    "working_hours": 200,
    "ask_about": 300,
}

# An organisation's kind says which agency its staff most likely work for; the person
# adding them sees it and can change it.
AGENCY_OF_KIND = {
    OrganisationKind.local_authority: Agency.childrens_social_care,
    OrganisationKind.probation_service: Agency.probation,
    OrganisationKind.charity: Agency.voluntary_sector,
}


class NotFound(Exception):
    """No such team member (or link) for this parent."""


def members(session: Session, *, parent: User, agency: str | None = None) -> list[TeamMember]:
    """The parent's professionals: the key worker first, then by name."""
    query = select(TeamMember).where(TeamMember.parent_id == parent.id)
    if agency in {a.value for a in Agency}:
        query = query.where(TeamMember.agency == Agency(agency))
    return list(
        session.exec(
            query.order_by(
                col(TeamMember.key_worker).desc(), col(TeamMember.name), col(TeamMember.id)
            )
        ).all()
    )


def member(session: Session, *, parent: User, member_id: int) -> TeamMember:
    """One of the parent's professionals, or NotFound."""
    found = session.get(TeamMember, member_id)
    if found is None or found.parent_id != parent.id:
        raise NotFound(member_id)
    return found


def clean(values: dict[str, str]) -> dict:
    """The fields from a form, checked; FormError says what to fix and keeps what was typed."""
    form = {name: (values.get(name) or "").strip() for name in FIELDS}
    errors: dict[str, str | Message] = {}
    if not form["name"]:
        errors["name"] = N_("Enter their name.")
    if form["agency"] not in {a.value for a in Agency}:
        errors["agency"] = N_("Choose where they work from the list.")
    if form["phone"] and not phone_number(form["phone"]):
        errors["phone"] = N_("Enter a phone number using numbers only, like 01632 960 001.")
    if form["email"] and not email_address(form["email"]):
        errors["email"] = N_("Enter an email address like name@example.org.")
    for name, limit in LIMITS.items():
        if name not in errors and len(form[name]) > limit:
            errors[name] = Message(
                N_("Please keep this to %(count)s characters or fewer."), {"count": limit}
            )
    if errors:
        raise FormError(errors)
    return form


def save_member(
    session: Session,
    *,
    parent: User,
    author: User,
    values: dict[str, str],
    key_worker: bool,
    now: dt.datetime,
    member_id: int | None = None,
) -> TeamMember:
    """Adds a professional to the parent's team, or changes one. There is one key worker."""
    form = clean(values)
    if member_id is None:
        found = TeamMember(
            parent_id=parent.id, added_by_name=author.display_name[:120], created_at=now, **form
        )
        session.add(found)
    else:
        found = member(session, parent=parent, member_id=member_id)
        for name, value in form.items():
            setattr(found, name, value)
    found.agency = Agency(form["agency"])
    found.key_worker = key_worker
    found.updated_at = now
    if key_worker:
        for other in members(session, parent=parent):
            if other is not found and other.key_worker:
                other.key_worker = False
    session.commit()
    return found


def remove_member(session: Session, *, parent: User, member_id: int) -> None:
    """Takes a professional off the parent's team."""
    session.delete(member(session, parent=parent, member_id=member_id))
    session.commit()


def _agency_of(session: Session, *, parent: User, person: User) -> Agency:
    """The agency a linked staff member books the parent's appointments for, or their
    organisation's likely agency, or `other`."""
    booked = session.exec(
        select(CalendarSource.agency)
        .join(SourceEvent, col(SourceEvent.source_id) == CalendarSource.id)
        .where(
            CalendarSource.parent_id == parent.id,
            CalendarSource.kind == SourceKind.agency_api,
            col(SourceEvent.uid).startswith(f"agency-{person.id}-"),
        )
    ).first()
    if booked is not None:
        return booked
    organisation = (
        session.get(Organisation, person.organisation_id) if person.organisation_id else None
    )
    return AGENCY_OF_KIND.get(organisation.kind, Agency.other) if organisation else Agency.other


def from_link(session: Session, *, parent: User, link_id: int) -> dict[str, str]:
    """The add form filled from the account of someone the parent has linked."""
    link = session.get(SupporterLink, link_id)
    if link is None or link.parent_id != parent.id or not link.live:
        raise NotFound(link_id)
    person = session.get(User, link.supporter_id)
    return {
        "name": person.display_name,
        "agency": _agency_of(session, parent=parent, person=person).value,
        "phone": person.phone or "",
        "email": person.email or "",
    }


def export(session: Session, *, parent: User) -> list[dict]:
    """The parent's professionals as plain data, for their own download."""
    return [
        {name: getattr(found, name) for name in FIELDS}
        | {"agency": found.agency.value, "key_worker": found.key_worker}
        for found in members(session, parent=parent)
    ]


def phones_by_agency(session: Session, *, parent: User) -> dict[str, TeamMember]:
    """For each agency, the first person in My team with a number to ring (key worker first)."""
    found: dict[str, TeamMember] = {}
    for person in members(session, parent=parent):
        if person.phone and person.agency.value not in found:
            found[person.agency.value] = person
    return found
