"""Demo data for `make run`: never loaded in production. Safe to run again and again.

The passphrases are public (they are in the README), which is why `PRODUCTION` refuses them.
"""

import datetime as dt
import sys

from sqlmodel import Session, select

from app.accounts.models import OrganisationKind, Role
from app.accounts.service import get_or_create_organisation, get_or_create_user
from app.calendar import demo as calendar_demo
from app.calendar import service as calendar
from app.consent.models import Permission, SupporterLink
from app.db import make_engine
from app.notify import addresses
from app.notify.models import AddressKind, NotifyAddress
from app.notify.preferences import preferences
from app.position.models import PathwayPosition
from app.resources import service as resources
from app.resources.directory import load_national
from app.settings import Settings

DEMO_PASSPHRASES = {
    "demo-parent": "demo parent kettle river",
    "demo-advocate": "demo advocate purple lantern",
    "demo-worker": "demo worker orange harbour",
}


class ProductionRefused(RuntimeError):
    """Demo accounts have public passphrases: never on a real deployment."""


def load_demo_data(session: Session, *, settings: Settings, origin: str | None = None) -> None:
    """The demo parent, advocate (linked with every permission) and worker, and their charity."""
    if settings.production:
        raise ProductionRefused("PRODUCTION is on: demo accounts are never loaded")
    charity = get_or_create_organisation(
        session, name="Demo Family Support Charity", kind=OrganisationKind.charity
    )
    parent = get_or_create_user(
        session,
        username="demo-parent",
        display_name="Sam",
        role=Role.parent,
        passphrase=DEMO_PASSPHRASES["demo-parent"],
    )
    advocate = get_or_create_user(
        session,
        username="demo-advocate",
        display_name="Alex (advocate)",
        role=Role.supporter,
        organisation=charity,
        passphrase=DEMO_PASSPHRASES["demo-advocate"],
    )
    worker = get_or_create_user(
        session,
        username="demo-worker",
        display_name="Jo (family support worker)",
        role=Role.supporter,
        organisation=charity,
        organisation_admin=True,
        passphrase=DEMO_PASSPHRASES["demo-worker"],
    )
    link = session.exec(
        select(SupporterLink).where(
            SupporterLink.parent_id == parent.id, SupporterLink.supporter_id == advocate.id
        )
    ).first()
    if link is None:
        link = SupporterLink(public_id="demo-sam", parent_id=parent.id, supporter_id=advocate.id)
        session.add(link)
    link.revoked_at = None
    for permission in Permission:
        setattr(link, permission.value, True)
    session.commit()
    if settings.demo_channels:
        load_demo_channels(session, parent=parent)
    load_demo_resources(session, settings=settings, parent=parent, advocate=advocate, worker=worker)
    load_demo_position(session, parent=parent)
    if origin:
        load_demo_calendar(session, parent_id=parent.id, origin=origin)


DEMO_PACK_TITLE = "Legal help and someone to talk to"
DEMO_PHONE = "+447700900123"  # a number Ofcom keeps for drama: it reaches nobody
DEMO_EMAIL = "sam@nextsteps.example"


def load_demo_channels(session: Session, *, parent) -> None:
    """With DEMO_CHANNELS, Sam has a confirmed number and address (the demo's stand-in gets
    what is sent to them, at /demo-messages): reminders by push then text, changed
    appointments by text, things shared with Sam by email."""
    now = dt.datetime.now(dt.UTC)
    for kind, value in ((AddressKind.phone, DEMO_PHONE), (AddressKind.email, DEMO_EMAIL)):
        if addresses.find(session, user_id=parent.id, kind=kind) is None:
            session.add(NotifyAddress(user_id=parent.id, kind=kind, value=value,
                                      confirmed_at=now, created_at=now))  # fmt: skip
    prefs = preferences(session, user_id=parent.id)
    prefs.reminders_by, prefs.changes_by, prefs.shared_by = "push_then_text", "text", "email"
    session.add(prefs)
    session.commit()


def load_demo_position(session: Session, *, parent) -> None:
    """Sam had the child protection conference and is on a plan: so the map says
    "You are here" and the core group and review conference dates can be counted."""
    if session.exec(select(PathwayPosition).where(PathwayPosition.parent_id == parent.id)).first():
        return
    held = dt.date.today() - dt.timedelta(days=5)
    session.add(
        PathwayPosition(
            parent_id=parent.id,
            step="child-protection-plan",
            happened_on=held,
            nation="england",
            set_by_id=parent.id,
            set_by_name=parent.display_name,
        )  # fmt: skip
    )
    session.commit()


def load_demo_resources(session: Session, *, settings: Settings, parent, advocate, worker) -> None:
    """A local service Jo added for the demo area, and a pack Alex put in Sam's app."""
    now = dt.datetime.now(dt.UTC)
    local = resources.organisation_local(session, organisation_id=worker.organisation_id)
    if not local:
        resources.save_local(
            session, author=worker, now=now,
            values={
                "name": "Demo Family Drop-in",
                "summary": "A free drop-in for parents. Talk to a family support worker. "
                "Bring your baby if you like.",
                "areas": "CF10, CF11, Cardiff", "phone": "01632 960 001",
                "website": "https://nextsteps.example/demo-drop-in",
                "hours": "Tuesdays and Thursdays, 10am to 1pm",
            },
            topics=["family_rights", "mental_health"], languages=["en", "cy"], free=True,
        )  # fmt: skip
    if any(p.title == DEMO_PACK_TITLE for p in resources.packs_for(session, user=advocate)):
        return
    national = load_national(settings.content_dir)
    pack = resources.make_pack(
        session, author=advocate, national=national, title=DEMO_PACK_TITLE,
        note="Sam, here are the numbers we talked about. Call the advice line before Tuesday.",
        refs=["family-rights-group-advice-line", "civil-legal-advice", "samaritans"],
        locale="en", now=now,
    )  # fmt: skip
    resources.deliver_pack(session, pack=pack, parent=parent, sender=advocate, now=now)


def load_demo_calendar(session: Session, *, parent_id: int, origin: str) -> None:
    """Four agencies' feeds served by the app itself. Each starts with what it said 'before',
    so the first refresh shows the moved core group in its history."""
    now = dt.datetime.now(dt.UTC)
    known = {s.feed_url for s in calendar.parent_sources(session, parent_id=parent_id)}
    for name, label in calendar_demo.FEEDS.items():
        url = f"{origin}/demo-feeds/{name}.ics"
        if url in known:
            continue
        source = calendar.add_feed(
            session, parent_id=parent_id, url=url, agency=name, label=label, now=now
        )
        earlier = calendar_demo.demo_feed(name, now.date(), first_version=True)
        calendar.load_feed_body(
            session, source=source, body=earlier, now=now - dt.timedelta(days=1)
        )


def _origin() -> str | None:
    """`--origin http://127.0.0.1:8000`: where the app will serve the demo feeds."""
    if "--origin" in sys.argv:
        return sys.argv[sys.argv.index("--origin") + 1].rstrip("/")
    return None


def main() -> None:
    settings = Settings()
    if settings.production:
        print("PRODUCTION is on: demo data is never loaded.", file=sys.stderr)
        raise SystemExit(1)
    engine = make_engine(settings)
    with Session(engine) as session:
        load_demo_data(session, settings=settings, origin=_origin())
    engine.dispose()
    print("Demo data loaded: demo-parent, demo-advocate, demo-worker (passphrases: README).")


if __name__ == "__main__":
    main()
