"""Consent: parents link supporters with chosen permissions, and every look is recorded."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from app.accounts.models import LINKABLE_ROLES, Organisation, Role, User
from app.accounts.secrets import normalise_code, readable_code, token_hash
from app.clock import as_utc
from app.consent.models import AccessRecord, Level, Permission, SupporterLink
from app.db import end_read
from app.forms import N_, FormError


class AccessDenied(Exception):
    """The person asking may not do this with these things."""


@dataclass(frozen=True)
class Access:
    """Who is asking, whose things they are, and the link that lets them (None: the parent)."""

    user: User
    parent: User
    link: SupporterLink | None

    @property
    def is_parent(self) -> bool:
        return self.link is None

    @property
    def query(self) -> str:
        """What to add to an address so it stays on this parent's things."""
        return "" if self.link is None else f"?parent={self.link.public_id}"

    def url(self, loc, path: str, **params) -> str:
        """The address of one of this parent's pages: `access.url(loc, "/calendar/",
        past="true")` is `/en/calendar/?parent=…&past=true` for a supporter. Parameters
        that are None are left out; `loc` is the page's locale (or its code)."""
        code = getattr(loc, "code", loc)
        query = [] if self.link is None else [("parent", self.link.public_id)]
        query += [(name, str(value)) for name, value in params.items() if value is not None]
        return f"/{code}{path}" + (f"?{urlencode(query)}" if query else "")

    def may(self, permission: Permission) -> bool:
        return self.link is None or self.link.allows(permission)


def _choose(permissions: set[str]) -> dict[str, bool]:
    chosen = {permission.value: permission.value in permissions for permission in Permission}
    # Adding or changing appointments means seeing them first.
    if chosen[Permission.edit_appointments]:
        chosen[Permission.see_appointments] = True
    return chosen


def invite_supporter(
    session: Session, *, parent: User, permissions: set[str], days: int, now: datetime
) -> tuple[SupporterLink, str]:
    """A pending link with the chosen permissions, and its one-time code (shown once)."""
    if parent.role != Role.parent:
        raise AccessDenied("only parents link supporters")
    unknown = permissions - {p.value for p in Permission}
    if unknown:
        raise FormError({"permissions": N_("Choose from the list what they may do.")})
    if not permissions:
        raise FormError({"permissions": N_("Tick at least one thing they may do.")})
    code = readable_code()
    link = SupporterLink(
        public_id=secrets.token_urlsafe(12),
        parent_id=parent.id,
        code_hash=token_hash(code),
        code_expires_at=now + timedelta(days=days),
        created_at=now,
        **_choose(permissions),
    )
    session.add(link)
    session.commit()
    return link, code


def redeem_code(session: Session, *, supporter: User, code: str, now: datetime) -> SupporterLink:
    """Joins a supporter to the parent who gave them this code; the code then stops working."""
    if supporter.role not in LINKABLE_ROLES:
        raise FormError({"code": N_("Only supporters and agency staff can be linked to a parent.")})
    link = session.exec(
        select(SupporterLink).where(SupporterLink.code_hash == token_hash(normalise_code(code)))
    ).first()
    if link is None:
        raise FormError(
            {
                "code": N_(
                    "We do not know that code. It may have been used already: each code "
                    "works once. Check it, or ask the parent for a new one."
                )
            }
        )
    if link.revoked_at is not None:
        raise FormError({"code": N_("The parent has cancelled that code.")})
    if as_utc(link.code_expires_at) <= now:
        raise FormError({"code": N_("That code has expired. Ask the parent for a new one.")})
    link.supporter_id = supporter.id
    link.accepted_at = now
    # Spent: a code works once, so a copy of it cannot link anyone else.
    link.code_hash = None
    link.code_expires_at = None
    session.commit()
    return link


def _parents_link(session: Session, *, parent: User, link_id: int) -> SupporterLink:
    link = session.get(SupporterLink, link_id)
    if link is None or link.parent_id != parent.id:
        raise AccessDenied("not this parent's link")
    return link


def change_permissions(
    session: Session, *, parent: User, link_id: int, permissions: set[str]
) -> SupporterLink:
    """New permissions for a link; they hold from the supporter's next request."""
    link = _parents_link(session, parent=parent, link_id=link_id)
    if link.revoked_at is not None:
        raise FormError({"permissions": N_("This person is no longer linked to you.")})
    for name, allowed in _choose(permissions & {p.value for p in Permission}).items():
        setattr(link, name, allowed)
    session.commit()
    return link


def revoke(session: Session, *, parent: User, link_id: int, now: datetime) -> SupporterLink:
    """Ends a link (or cancels an unused code) at once."""
    link = _parents_link(session, parent=parent, link_id=link_id)
    if link.revoked_at is None:
        link.revoked_at = now
        link.code_hash = None
        session.commit()
    return link


@dataclass(frozen=True)
class LinkView:
    link: SupporterLink
    person: User | None
    organisation: Organisation | None


def links_for_parent(session: Session, *, parent: User) -> list[LinkView]:
    """The parent's team: live links, unused codes and ended links, newest first."""
    rows = session.exec(
        select(SupporterLink, User, Organisation)
        .join(User, col(User.id) == SupporterLink.supporter_id, isouter=True)
        .join(Organisation, col(Organisation.id) == User.organisation_id, isouter=True)
        .where(SupporterLink.parent_id == parent.id)
        .order_by(col(SupporterLink.created_at).desc(), col(SupporterLink.id).desc())
    ).all()
    return [LinkView(link, person, organisation) for link, person, organisation in rows]


def parents_for_supporter(session: Session, *, supporter: User) -> list[LinkView]:
    """The parents who have linked this supporter and not revoked it."""
    rows = session.exec(
        select(SupporterLink, User)
        .join(User, col(User.id) == SupporterLink.parent_id)
        .where(
            SupporterLink.supporter_id == supporter.id,
            col(SupporterLink.revoked_at).is_(None),
        )
        .order_by(col(User.display_name))
    ).all()
    return [LinkView(link, parent, None) for link, parent in rows]


def resolve_access(
    session: Session, *, user: User, selector: str | None, need: Permission | Level
) -> Access:
    """Whether this user may do `need` with the things of the parent the selector names.

    Without a selector the things are the user's own, so only a parent passes. With one,
    the link must belong to this user, be live, and (for a permission) allow it.
    """
    if not selector:
        if user.role == Role.parent:
            return Access(user=user, parent=user, link=None)
        raise AccessDenied("not a parent, and no parent chosen")
    if need == Level.owner:
        raise AccessDenied("only the parent")
    link = session.exec(
        select(SupporterLink).where(SupporterLink.public_id == selector[:24])
    ).first()
    if link is None or link.supporter_id != user.id or not link.live:
        raise AccessDenied("no live link")
    if user.role not in LINKABLE_ROLES:
        raise AccessDenied("role cannot be linked")
    if isinstance(need, Permission) and not link.allows(need):
        raise AccessDenied("permission not given")
    parent = session.get(User, link.parent_id)
    return Access(user=user, parent=parent, link=link)


def record_access(
    session: Session,
    *,
    access: Access,
    need: Permission | Level,
    method: str,
    path: str,
    now: datetime,
) -> None:
    """Counts one load of a parent's page: the same person, page and hour is one visit."""
    hour = now.replace(minute=0, second=0, microsecond=0)
    same_visit = (
        AccessRecord.parent_id == access.parent.id,
        AccessRecord.actor_id == access.user.id,
        AccessRecord.permission == need.value,
        AccessRecord.method == method[:8],
        AccessRecord.path == path[:300],
        col(AccessRecord.at) >= hour,
        col(AccessRecord.at) < hour + timedelta(hours=1),
    )
    # A page load that has only read: the count waits its turn (see end_read).
    end_read(session, then_write=True)
    # One statement adds to the visit, so two loads at once both count; should both find
    # no visit yet, the hour has two rows, each true.
    counted = session.execute(
        update(AccessRecord)
        .where(*same_visit)
        .values(times=AccessRecord.times + 1, last_at=now)
        .execution_options(synchronize_session=False)
    )
    if counted.rowcount == 0:
        organisation = (
            session.get(Organisation, access.user.organisation_id)
            if access.user.organisation_id
            else None
        )
        session.add(
            AccessRecord(
                parent_id=access.parent.id,
                actor_id=access.user.id,
                actor_name=access.user.display_name[:120],
                organisation_name=organisation.name if organisation else None,
                permission=need.value,
                method=method[:8],
                path=path[:300],
                at=now,
                last_at=now,
            )
        )
    session.commit()


def access_records(session: Session, *, parent: User, limit: int = 200) -> list[AccessRecord]:
    """The visits to this parent's things, latest first."""
    return list(
        session.exec(
            select(AccessRecord)
            .where(AccessRecord.parent_id == parent.id)
            .order_by(
                func.coalesce(AccessRecord.last_at, AccessRecord.at).desc(),
                col(AccessRecord.id).desc(),
            )
            .limit(limit)
        ).all()
    )
