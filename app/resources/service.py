"""Local services, share packs, saved resources and packs shared into a parent's app.

Who may do what: any staff member of an organisation adds local services and makes
packs; only the author changes their own; the author or their organisation's admin
withdraws one. Withdrawn things are kept and say so, never vanish.
"""

import datetime as dt
import secrets
from urllib.parse import urlsplit

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.accounts.models import Organisation, Role, User
from app.forms import N_, FormError, Message
from app.notify import planning
from app.resources.directory import (
    EMAIL,
    LANGUAGE,
    TOPICS,
    Resource,
    local_id,
    local_ref,
    split_areas,
    valid_phone,
)
from app.resources.models import (
    LocalResource,
    PackDelivery,
    SavedResource,
    SharePack,
    SharePackItem,
)

CURATOR_ROLES = (Role.supporter, Role.agency_staff, Role.content_editor, Role.admin)
CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i: read aloud, typed by hand
CODE_LENGTH = 8
MAX_PACK_ITEMS = 12
LOCAL_LIMITS = {"name": 120, "summary": 600, "areas": 400, "phone": 32, "website": 300,
                "email": 254, "hours": 200}  # fmt: skip
PACK_LIMITS = {"title": 120, "note": 1000}


class NotFound(Exception):
    """No such resource or pack."""


class NotAllowed(Exception):
    """This person may not change or withdraw it."""


def can_curate(user: User | None) -> bool:
    """Staff of an organisation add local services and make share packs."""
    return user is not None and user.role in CURATOR_ROLES and user.organisation_id is not None


def _require_curator(user: User) -> None:
    if not can_curate(user):
        raise NotAllowed(user.id)


def may_withdraw(user: User, thing: "LocalResource | SharePack") -> bool:
    """The author, or an admin of the organisation it belongs to."""
    return user.id == thing.author_id or (
        user.organisation_admin and user.organisation_id == thing.organisation_id
    )


# Checking what was typed ---------------------------------------------------------------


def clean_website(value: str) -> str:
    """An http(s) address, with https:// added to a bare name like www.example.org; any
    other kind of link (javascript:, data:, a file) is refused."""
    value = value.strip()
    if value and "://" not in value and not value.lower().startswith(("javascript:", "data:")):
        value = "https://" + value
    parts = urlsplit(value)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or "." not in parts.hostname
        or parts.username
        or parts.password
        or any(ch.isspace() for ch in value)
    ):
        raise ValueError(value)
    return value


def _too_long(limit: int) -> Message:
    return Message(N_("Please keep this to %(count)s characters or fewer."), {"count": limit})


def clean_local(values: dict[str, str], *, topics: list[str], languages: list[str]) -> dict:
    """A local service's fields, checked; FormError says what to fix and keeps what was typed."""
    form = {name: (values.get(name) or "").strip() for name in LOCAL_LIMITS}
    errors: dict[str, str | Message] = {}
    if not form["name"]:
        errors["name"] = N_("Enter the name of the service.")
    if len(form["summary"]) < 10:
        errors["summary"] = N_("Say in a sentence or two what the service helps with.")
    chosen = [t for t in topics if t in TOPICS]
    if not chosen:
        errors["topics"] = N_("Choose at least one topic.")
    codes = [c.strip().lower() for c in languages if c.strip()]
    if any(not LANGUAGE.match(c) for c in codes):
        errors["languages"] = N_("Choose languages from the list.")
    areas = split_areas(form["areas"])
    if not areas:
        errors["areas"] = N_("Enter the postcode areas, districts or councils it covers.")
    if form["phone"] and not valid_phone(form["phone"]):
        errors["phone"] = N_("Enter a phone number using numbers only, like 01632 960 001.")
    if form["website"]:
        try:
            form["website"] = clean_website(form["website"])
        except ValueError:
            errors["website"] = N_("Enter a web address that starts with https://")
    if form["email"] and not EMAIL.match(form["email"]):
        errors["email"] = N_("Enter an email address like name@example.org.")
    if not (form["phone"] or form["website"] or form["email"]) and "phone" not in errors:
        errors["phone"] = N_("Give at least one way to contact the service.")
    for name, limit in LOCAL_LIMITS.items():
        if name not in errors and len(form[name]) > limit:
            errors[name] = _too_long(limit)
    if errors:
        raise FormError(errors)
    form["areas"] = ", ".join(areas)
    form["topics"] = ",".join(dict.fromkeys(chosen))
    form["languages"] = ",".join(dict.fromkeys(codes or ["en"]))
    return form


# Local services ------------------------------------------------------------------------


def local_resource(session: Session, *, resource_id: int) -> LocalResource:
    found = session.get(LocalResource, resource_id)
    if found is None:
        raise NotFound(resource_id)
    return found


def own_local(session: Session, *, author: User, resource_id: int) -> LocalResource:
    """The author's own live local service, to change; anyone else's is NotAllowed."""
    found = local_resource(session, resource_id=resource_id)
    if found.author_id != author.id or found.withdrawn_at is not None:
        raise NotAllowed(resource_id)
    return found


def save_local(
    session: Session,
    *,
    author: User,
    values: dict[str, str],
    topics: list[str],
    languages: list[str],
    free: bool | None,
    now: dt.datetime,
    resource_id: int | None = None,
) -> LocalResource:
    """Adds a local service for the author's organisation, or changes the author's own."""
    _require_curator(author)
    if resource_id is not None:
        found = own_local(session, author=author, resource_id=resource_id)
    form = clean_local(values, topics=topics, languages=languages)
    if resource_id is None:
        found = LocalResource(
            organisation_id=author.organisation_id,
            author_id=author.id,
            author_name=author.display_name[:120],
            created_at=now,
            checked_on=now.date(),
            **form,
        )
        session.add(found)
    else:
        for name, value in form.items():
            setattr(found, name, value)
    found.free = free
    found.checked_on = now.date()
    found.updated_at = now
    session.commit()
    return found


def _withdraw(session: Session, *, thing: LocalResource | SharePack, user: User, now) -> None:
    """Marks a pack or local service withdrawn, by whom; kept, never deleted."""
    if not may_withdraw(user, thing):
        raise NotAllowed(thing.id)
    if thing.withdrawn_at is None:
        thing.withdrawn_at, thing.withdrawn_by_name = now, user.display_name[:120]
        session.commit()


def withdraw_local(session: Session, *, user: User, resource_id: int, now: dt.datetime) -> None:
    """Takes a local service out of the directory; packs that hold it say it was withdrawn."""
    _withdraw(session, thing=local_resource(session, resource_id=resource_id), user=user, now=now)


def organisation_local(session: Session, *, organisation_id: int) -> list[LocalResource]:
    """An organisation's local services, live ones first, by name."""
    query = select(LocalResource).where(LocalResource.organisation_id == organisation_id)
    rows = session.exec(query.order_by(col(LocalResource.name), col(LocalResource.id))).all()
    return sorted(rows, key=lambda row: row.withdrawn_at is not None)


def _as_resource(row: LocalResource, organisation_name: str) -> Resource:
    return Resource(
        ref=local_ref(row.id),
        name=row.name,
        summary=row.summary,
        topics=tuple(t for t in row.topics.split(",") if t),
        languages=tuple(c for c in row.languages.split(",") if c),
        checked_on=row.checked_on,
        phone=row.phone,
        website=row.website,
        email=row.email,
        hours=row.hours,
        free=row.free,
        nations=(),
        areas=tuple(split_areas(row.areas)),
        organisation_name=organisation_name,
        withdrawn=row.withdrawn_at is not None,
    )


def _local_resources(session: Session, *conditions) -> list[Resource]:
    """Local services meeting the conditions, with their organisation's name, by name."""
    rows = session.exec(
        select(LocalResource, Organisation.name)
        .join(Organisation, col(Organisation.id) == LocalResource.organisation_id)
        .where(*conditions)
        .order_by(col(LocalResource.name), col(LocalResource.id))
    ).all()
    return [_as_resource(row, organisation_name) for row, organisation_name in rows]


def directory(session: Session, *, national: dict[str, Resource]) -> list[Resource]:
    """Every live service: the local ones (by name), then the national ones in file order."""
    live = _local_resources(session, col(LocalResource.withdrawn_at).is_(None))
    return live + list(national.values())


def resolve(
    session: Session, *, national: dict[str, Resource], refs: list[str]
) -> dict[str, Resource]:
    """The services these refs name, withdrawn ones included (marked); unknown refs left out."""
    ids = [i for i in (local_id(ref) for ref in refs) if i is not None]
    found = {ref: national[ref] for ref in refs if ref in national}
    if ids:
        found |= {r.ref: r for r in _local_resources(session, col(LocalResource.id).in_(ids))}
    return found


# Share packs ---------------------------------------------------------------------------


def _new_code(session: Session) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if session.exec(select(SharePack.id).where(SharePack.code == code)).first() is None:
            return code


def clean_pack(
    session: Session,
    *,
    national: dict[str, Resource],
    title: str,
    note: str,
    refs: list[str],
) -> tuple[str, str, list[str]]:
    """A pack's title, note and picked services, checked."""
    title, note = title.strip(), note.strip()
    picked = list(dict.fromkeys(ref for ref in refs if ref))
    known = resolve(session, national=national, refs=picked)
    errors: dict[str, str | Message] = {}
    if not title:
        errors["title"] = N_("Give the pack a title, like “Legal help near you”.")
    elif len(title) > PACK_LIMITS["title"]:
        errors["title"] = _too_long(PACK_LIMITS["title"])
    if len(note) > PACK_LIMITS["note"]:
        errors["note"] = _too_long(PACK_LIMITS["note"])
    live = [ref for ref in picked if ref in known and not known[ref].withdrawn]
    if not live:
        errors["pick"] = N_("Pick at least one service for the pack.")
    elif len(live) > MAX_PACK_ITEMS:
        errors["pick"] = Message(
            N_("A pack can hold up to %(count)s services. Take some out."),
            {"count": MAX_PACK_ITEMS},
        )
    if errors:
        raise FormError(errors)
    return title, note, live


def make_pack(
    session: Session,
    *,
    author: User,
    national: dict[str, Resource],
    title: str,
    note: str,
    refs: list[str],
    locale: str,
    now: dt.datetime,
) -> SharePack:
    """A new pack with its short code, in the author's organisation."""
    _require_curator(author)
    title, note, live = clean_pack(session, national=national, title=title, note=note, refs=refs)
    organisation = session.get(Organisation, author.organisation_id)
    pack = SharePack(
        code=_new_code(session),
        organisation_id=author.organisation_id,
        author_id=author.id,
        author_name=author.display_name[:120],
        organisation_name=organisation.name[:200],
        title=title,
        note=note,
        locale=locale,
        created_at=now,
        updated_at=now,
    )
    session.add(pack)
    session.flush()
    _set_items(session, pack=pack, refs=live)
    session.commit()
    return pack


def _set_items(session: Session, *, pack: SharePack, refs: list[str]) -> None:
    for item in session.exec(select(SharePackItem).where(SharePackItem.pack_id == pack.id)):
        session.delete(item)
    session.flush()
    for position, ref in enumerate(refs):
        session.add(SharePackItem(pack_id=pack.id, position=position, ref=ref))


def pack_by_code(session: Session, *, code: str) -> SharePack:
    found = session.exec(select(SharePack).where(SharePack.code == code.lower())).first()
    if found is None:
        raise NotFound(code)
    return found


def organisation_pack(session: Session, *, user: User, code: str) -> SharePack:
    """A pack of the person's own organisation, for its page of links and sending."""
    _require_curator(user)
    pack = pack_by_code(session, code=code)
    if pack.organisation_id != user.organisation_id:
        raise NotAllowed(code)
    return pack


def own_pack(session: Session, *, author: User, code: str) -> SharePack:
    """The author's own pack, to change; anyone else's is NotAllowed."""
    pack = pack_by_code(session, code=code)
    if pack.author_id != author.id:
        raise NotAllowed(code)
    return pack


def change_pack(
    session: Session,
    *,
    author: User,
    national: dict[str, Resource],
    code: str,
    title: str,
    note: str,
    refs: list[str],
    now: dt.datetime,
) -> SharePack:
    """The author changes their pack's title, note or services; the link stays the same."""
    pack = own_pack(session, author=author, code=code)
    if pack.withdrawn_at is not None:
        raise NotAllowed(code)
    title, note, live = clean_pack(session, national=national, title=title, note=note, refs=refs)
    pack.title, pack.note, pack.updated_at = title, note, now
    _set_items(session, pack=pack, refs=live)
    session.commit()
    return pack


def withdraw_pack(session: Session, *, user: User, code: str, now: dt.datetime) -> SharePack:
    """The author or their organisation's admin withdraws a pack; its link then says so."""
    pack = pack_by_code(session, code=code)
    _withdraw(session, thing=pack, user=user, now=now)
    return pack


def pack_refs(session: Session, *, pack: SharePack) -> list[str]:
    query = select(SharePackItem.ref).where(SharePackItem.pack_id == pack.id)
    return list(session.exec(query.order_by(col(SharePackItem.position))).all())


def pack_resources(
    session: Session, *, national: dict[str, Resource], pack: SharePack
) -> list[Resource]:
    """The pack's services in the author's order (a withdrawn local one stays, marked)."""
    refs = pack_refs(session, pack=pack)
    found = resolve(session, national=national, refs=refs)
    return [found[ref] for ref in refs if ref in found]


def packs_for(session: Session, *, user: User) -> list[SharePack]:
    """The person's own packs, and for an organisation admin every pack of the organisation."""
    query = select(SharePack)
    if user.organisation_admin and user.organisation_id is not None:
        query = query.where(SharePack.organisation_id == user.organisation_id)
    else:
        query = query.where(SharePack.author_id == user.id)
    return list(
        session.exec(query.order_by(col(SharePack.created_at).desc(), col(SharePack.id).desc()))
    )


# A parent's saved resources ------------------------------------------------------------


def saved_refs(session: Session, *, user: User) -> list[str]:
    query = select(SavedResource.ref).where(SavedResource.user_id == user.id)
    return list(session.exec(query.order_by(col(SavedResource.saved_at), col(SavedResource.id))))


def save_resource(
    session: Session, *, user: User, national: dict[str, Resource], ref: str, now: dt.datetime
) -> None:
    """Keeps a service in the person's "My saved"; saving it twice keeps it once."""
    found = resolve(session, national=national, refs=[ref])
    if ref not in found or found[ref].withdrawn:
        raise NotFound(ref)
    if ref not in saved_refs(session, user=user):
        session.add(SavedResource(user_id=user.id, ref=ref, saved_at=now))
        try:
            session.commit()
        except IntegrityError:
            session.rollback()  # a second tap got there first: it is saved once


def unsave_resource(session: Session, *, user: User, ref: str) -> None:
    """Takes a service off the person's "My saved"."""
    for row in session.exec(
        select(SavedResource).where(SavedResource.user_id == user.id, SavedResource.ref == ref)
    ):
        session.delete(row)
    session.commit()


# Packs shared into a parent's app ------------------------------------------------------


def deliver_pack(
    session: Session, *, pack: SharePack, parent: User, sender: User, now: dt.datetime
) -> PackDelivery:
    """Puts a pack under the parent's "Shared with you" and queues its notification, in one
    transaction. Sending the same pack again brings it back to the top, with one notice."""
    if pack.withdrawn_at is not None or pack.organisation_id != sender.organisation_id:
        raise NotAllowed(pack.code)
    try:
        return _deliver(session, pack=pack, parent=parent, sender=sender, now=now)
    except IntegrityError:
        session.rollback()  # sent twice at once: the other sending made the row; use it
        return _deliver(session, pack=pack, parent=parent, sender=sender, now=now)


def _deliver(
    session: Session, *, pack: SharePack, parent: User, sender: User, now: dt.datetime
) -> PackDelivery:
    delivery = session.exec(
        select(PackDelivery).where(
            PackDelivery.pack_id == pack.id, PackDelivery.parent_id == parent.id
        )
    ).first()
    if delivery is None:
        delivery = PackDelivery(pack_id=pack.id, parent_id=parent.id, sent_by_name="")
    delivery.sent_by_id, delivery.sent_by_name = sender.id, sender.display_name[:120]
    delivery.sent_at, delivery.hidden_at = now, None
    session.add(delivery)
    session.flush()
    planning.queue_shared_notice(session, user_id=parent.id, delivery_id=delivery.id, now=now)
    session.commit()
    return delivery


def deliveries_for(
    session: Session,
    *,
    parent: User,
    organisation_id: int | None = None,
    include_hidden: bool = False,
) -> list[tuple[PackDelivery, SharePack]]:
    """The packs shared into the parent's app, newest first: all of them for the parent,
    only those from their own organisation for a worker the parent has linked."""
    query = (
        select(PackDelivery, SharePack)
        .join(SharePack, col(SharePack.id) == PackDelivery.pack_id)
        .where(PackDelivery.parent_id == parent.id)
    )
    if organisation_id is not None:
        query = query.where(SharePack.organisation_id == organisation_id)
    if not include_hidden:
        query = query.where(col(PackDelivery.hidden_at).is_(None))
    order = (col(PackDelivery.sent_at).desc(), col(PackDelivery.id).desc())
    return list(session.exec(query.order_by(*order)).all())


def hide_delivery(session: Session, *, parent: User, delivery_id: int, now: dt.datetime) -> None:
    """The parent takes a shared pack off their list."""
    delivery = session.get(PackDelivery, delivery_id)
    if delivery is None or delivery.parent_id != parent.id:
        raise NotFound(delivery_id)
    delivery.hidden_at = now
    session.commit()


def export(session: Session, *, parent: User, national: dict[str, Resource]) -> dict:
    """The parent's saved services and the packs shared with them, as plain data."""
    refs = saved_refs(session, user=parent)
    found = resolve(session, national=national, refs=refs)
    return {
        "saved": [
            {"name": found[ref].name, "phone": found[ref].phone, "website": found[ref].website}
            for ref in refs
            if ref in found
        ],
        "shared_with_me": [
            {
                "title": pack.title,
                "note": pack.note,
                "from": delivery.sent_by_name,
                "organisation": pack.organisation_name,
                "sent_at": delivery.sent_at.isoformat(),
                "taken_off_my_list": delivery.hidden_at is not None,
                "services": [r.name for r in pack_resources(session, national=national, pack=pack)],
            }
            for delivery, pack in deliveries_for(session, parent=parent, include_hidden=True)
        ],
    }
