"""Local services, packs, saved lists and packs shared into a parent's app, on SQLite and
PostgreSQL: who may change what, what is refused, and that nothing withdrawn vanishes."""

import datetime as dt

import pytest
from sqlmodel import select

from app.accounts.models import Role
from app.forms import FormError
from app.notify.models import OutboxKind, OutboxMessage
from app.resources import service
from app.resources.directory import clean_filters, find, load_national, local_ref
from app.resources.models import PackDelivery
from app.resources.service import NotAllowed, NotFound
from app.settings import ROOT
from tests import factories
from tests.notify.conftest import push_service  # noqa: F401 - a fixture used below
from tests.notify.test_outbox import device, send_due, sender  # noqa: F401 - fixtures

NATIONAL = load_national(ROOT / "app" / "content")
NOW = dt.datetime(2026, 12, 4, 10, 0, tzinfo=dt.UTC)
DROP_IN = {
    "name": "Riverside Family Drop-in",
    "summary": "A free drop-in for parents and babies, with a family support worker.",
    "areas": "CF10, Cardiff",
    "phone": "01632 960 001",
    "website": "https://riverside.example/drop-in",
}


@pytest.fixture
def staff(db):
    """Two workers of one charity (one its admin), and a worker of another."""
    charity = factories.organisation(db, "Riverside Charity")
    other = factories.organisation(db, "Hillside Charity")
    return {
        "jo": factories.user(db, Role.supporter, display_name="Jo", organisation=charity),
        "kim": factories.user(db, Role.supporter, display_name="Kim", organisation=charity),
        "admin": factories.user(db, Role.supporter, display_name="Ada", organisation=charity,
                                organisation_admin=True),
        "other": factories.user(db, Role.supporter, display_name="Oli", organisation=other),
        "other_admin": factories.user(db, Role.supporter, display_name="Ola", organisation=other,
                                      organisation_admin=True),
    }  # fmt: skip


def add_local(db, author, **changes):
    return service.save_local(
        db, author=author, values=DROP_IN | changes, topics=["family_rights"],
        languages=["en", "pl"], free=True, now=NOW,
    )  # fmt: skip


def test_a_worker_adds_a_local_service_that_parents_in_its_area_find(db, staff):
    row = add_local(db, staff["jo"])
    assert row.checked_on == NOW.date() and row.author_name == "Jo"
    every = service.directory(db, national=NATIONAL)
    names = {key: key for key in ("family_rights",)}
    near = find(every, clean_filters(area="CF10 1AA"), topic_names=names)
    assert near[0].name == "Riverside Family Drop-in"
    assert near[0].organisation_name == "Riverside Charity"
    far = find(every, clean_filters(area="LS1 1AA"), topic_names=names)
    assert "Riverside Family Drop-in" not in {r.name for r in far}


def test_only_the_author_changes_a_local_service(db, staff):
    row = add_local(db, staff["jo"])
    changed = service.save_local(
        db, author=staff["jo"], values=DROP_IN | {"hours": "Tuesdays 10am to 1pm"},
        topics=["family_rights", "loss"], languages=["en"], free=None, now=NOW,
        resource_id=row.id,
    )  # fmt: skip
    assert changed.hours == "Tuesdays 10am to 1pm" and changed.topics == "family_rights,loss"
    for who in ("kim", "admin", "other", "other_admin"):
        with pytest.raises(NotAllowed):
            service.save_local(
                db, author=staff[who], values=DROP_IN | {"name": "Taken over"},
                topics=["housing"], languages=["en"], free=None, now=NOW, resource_id=row.id,
            )  # fmt: skip
    db.refresh(row)
    assert row.name == "Riverside Family Drop-in"


def test_the_author_or_their_organisations_admin_withdraws_and_nothing_vanishes(db, staff):
    row = add_local(db, staff["jo"])
    for who in ("kim", "other", "other_admin"):
        with pytest.raises(NotAllowed):
            service.withdraw_local(db, user=staff[who], resource_id=row.id, now=NOW)
    pack = service.make_pack(
        db, author=staff["jo"], national=NATIONAL, title="Near you", note="",
        refs=[local_ref(row.id), "samaritans"], locale="en", now=NOW,
    )  # fmt: skip
    service.withdraw_local(db, user=staff["admin"], resource_id=row.id, now=NOW)
    db.refresh(row)
    assert row.withdrawn_at is not None and row.withdrawn_by_name == "Ada"
    assert local_ref(row.id) not in {r.ref for r in service.directory(db, national=NATIONAL)}
    # The pack still lists it, marked, rather than silently dropping it.
    held = service.pack_resources(db, national=NATIONAL, pack=pack)
    assert [(r.name, r.withdrawn) for r in held] == [
        ("Riverside Family Drop-in", True), ("Samaritans", False),
    ]  # fmt: skip
    with pytest.raises(NotAllowed):
        service.save_local(
            db, author=staff["jo"], values=DROP_IN, topics=["loss"], languages=["en"],
            free=None, now=NOW, resource_id=row.id,
        )  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"summary": "Help"}, "summary"),
        ({"areas": " , "}, "areas"),
        ({"phone": "call 0800"}, "phone"),
        ({"phone": "12"}, "phone"),
        ({"website": "javascript:alert(1)"}, "website"),
        ({"website": "data:text/html,<script>alert(1)</script>"}, "website"),
        ({"email": "not an email"}, "email"),
        ({"phone": "", "website": "", "email": ""}, "phone"),
        ({"name": "x" * 121}, "name"),
    ],
)
def test_bad_details_are_refused_with_what_to_fix(db, staff, changes, field):
    with pytest.raises(FormError) as error:
        add_local(db, staff["jo"], **changes)
    assert field in error.value.errors


def test_topics_and_languages_must_come_from_the_lists(db, staff):
    with pytest.raises(FormError) as error:
        service.save_local(
            db, author=staff["jo"], values=DROP_IN, topics=["knitting"],
            languages=["<b>", "en"], free=None, now=NOW,
        )  # fmt: skip
    assert set(error.value.errors) == {"topics", "languages"}


def test_a_parent_cannot_add_services_or_make_packs(db):
    parent = factories.user(db)
    with pytest.raises(NotAllowed):
        add_local(db, parent)
    with pytest.raises(NotAllowed):
        service.make_pack(
            db, author=parent, national=NATIONAL, title="Mine", note="", refs=["samaritans"],
            locale="en", now=NOW,
        )  # fmt: skip


def test_a_pack_gets_a_short_unguessable_code_and_keeps_the_order_picked(db, staff):
    pack = service.make_pack(
        db, author=staff["jo"], national=NATIONAL, title="  Legal help  ", note="Call today.",
        refs=["family-rights-group-advice-line", "civil-legal-advice", "samaritans",
              "civil-legal-advice", "no-such-service"],
        locale="pl", now=NOW,
    )  # fmt: skip
    assert pack.title == "Legal help" and pack.locale == "pl"
    assert len(pack.code) == 8 and set(pack.code) <= set(service.CODE_ALPHABET)
    assert service.pack_refs(db, pack=pack) == [
        "family-rights-group-advice-line", "civil-legal-advice", "samaritans",
    ]  # fmt: skip
    assert service.pack_by_code(db, code=pack.code.upper()).id == pack.id
    other = service.make_pack(
        db, author=staff["kim"], national=NATIONAL, title="Other", note="", refs=["samaritans"],
        locale="en", now=NOW,
    )  # fmt: skip
    assert other.code != pack.code


def test_a_pack_needs_a_title_and_a_service(db, staff):
    with pytest.raises(FormError) as error:
        service.make_pack(
            db, author=staff["jo"], national=NATIONAL, title=" ", note="n" * 1001,
            refs=["no-such-service"], locale="en", now=NOW,
        )  # fmt: skip
    assert set(error.value.errors) == {"title", "note", "pick"}


def test_only_the_author_changes_a_pack_and_its_admin_may_withdraw_it(db, staff):
    pack = service.make_pack(
        db, author=staff["jo"], national=NATIONAL, title="Help", note="", refs=["samaritans"],
        locale="en", now=NOW,
    )  # fmt: skip
    for who in ("kim", "admin", "other"):
        with pytest.raises(NotAllowed):
            service.change_pack(
                db, author=staff[who], national=NATIONAL, code=pack.code, title="Mine",
                note="", refs=["shout"], now=NOW,
            )  # fmt: skip
    service.change_pack(
        db, author=staff["jo"], national=NATIONAL, code=pack.code, title="Help tonight",
        note="Any time.", refs=["shout", "samaritans"], now=NOW,
    )  # fmt: skip
    assert service.pack_refs(db, pack=pack) == ["shout", "samaritans"]
    for who in ("kim", "other", "other_admin"):
        with pytest.raises(NotAllowed):
            service.withdraw_pack(db, user=staff[who], code=pack.code, now=NOW)
    service.withdraw_pack(db, user=staff["admin"], code=pack.code, now=NOW)
    assert service.pack_by_code(db, code=pack.code).withdrawn_by_name == "Ada"
    with pytest.raises(NotAllowed):
        service.change_pack(
            db, author=staff["jo"], national=NATIONAL, code=pack.code, title="Back",
            note="", refs=["shout"], now=NOW,
        )  # fmt: skip
    assert {p.code for p in service.packs_for(db, user=staff["admin"])} == {pack.code}
    assert service.packs_for(db, user=staff["kim"]) == []


def test_saving_twice_keeps_one_and_unknown_services_are_refused(db):
    parent = factories.user(db)
    service.save_resource(db, user=parent, national=NATIONAL, ref="shelter-cymru", now=NOW)
    service.save_resource(db, user=parent, national=NATIONAL, ref="shelter-cymru", now=NOW)
    service.save_resource(db, user=parent, national=NATIONAL, ref="samaritans", now=NOW)
    assert service.saved_refs(db, user=parent) == ["shelter-cymru", "samaritans"]
    with pytest.raises(NotFound):
        service.save_resource(db, user=parent, national=NATIONAL, ref="local-999999", now=NOW)
    service.unsave_resource(db, user=parent, ref="shelter-cymru")
    assert service.saved_refs(db, user=parent) == ["samaritans"]


def test_a_shared_pack_arrives_with_one_notice_decrypted_by_the_push_service(
    db, staff, sender, settings, push_service  # noqa: F811 - fixtures imported above
):
    parent = factories.user(db, display_name="Sam")
    device(db, parent, push_service)
    pack = service.make_pack(
        db, author=staff["jo"], national=NATIONAL, title="Legal help for Sam", note="",
        refs=["civil-legal-advice"], locale="en", now=NOW,
    )  # fmt: skip
    delivery = service.deliver_pack(db, pack=pack, parent=parent, sender=staff["jo"], now=NOW)
    [queued] = db.exec(select(OutboxMessage).where(OutboxMessage.user_id == parent.id)).all()
    assert queued.kind == OutboxKind.shared
    # Discreet by default: a lock screen can be seen by anyone.
    assert send_due(db, sender, settings, NOW) == ["sent"]
    [got] = push_service.received
    assert got.vapid_ok
    assert got.json["title"] == "Something new for you"
    assert "Legal" not in got.text and "Jo" not in got.text
    assert got.json["url"] == "/en/resources/shared"
    # Sent again later: back at the top of the list, and one more notice.
    service.deliver_pack(db, pack=pack, parent=parent, sender=staff["jo"], now=NOW.replace(hour=12))
    assert len(db.exec(select(PackDelivery).where(PackDelivery.parent_id == parent.id)).all()) == 1
    assert [d.id for d, _ in service.deliveries_for(db, parent=parent)] == [delivery.id]
    assert send_due(db, sender, settings, NOW.replace(hour=12)) == ["sent"]


def test_a_withdrawn_pack_cannot_be_sent_and_its_waiting_notice_is_dropped(
    db, staff, sender, settings, push_service  # noqa: F811 - fixtures imported above
):
    parent = factories.user(db)
    device(db, parent, push_service)
    pack = service.make_pack(
        db, author=staff["jo"], national=NATIONAL, title="Help", note="", refs=["samaritans"],
        locale="en", now=NOW,
    )  # fmt: skip
    service.deliver_pack(db, pack=pack, parent=parent, sender=staff["jo"], now=NOW)
    service.withdraw_pack(db, user=staff["jo"], code=pack.code, now=NOW)
    send_due(db, sender, settings, NOW)
    assert push_service.received == []
    with pytest.raises(NotAllowed):
        service.deliver_pack(db, pack=pack, parent=parent, sender=staff["jo"], now=NOW)


def test_a_worker_sends_only_their_own_organisations_packs(db, staff):
    parent = factories.user(db)
    pack = service.make_pack(
        db, author=staff["jo"], national=NATIONAL, title="Help", note="", refs=["samaritans"],
        locale="en", now=NOW,
    )  # fmt: skip
    with pytest.raises(NotAllowed):
        service.deliver_pack(db, pack=pack, parent=parent, sender=staff["other"], now=NOW)
    service.deliver_pack(db, pack=pack, parent=parent, sender=staff["kim"], now=NOW)
    mine = service.deliveries_for(db, parent=parent, organisation_id=staff["kim"].organisation_id)
    theirs = service.deliveries_for(
        db, parent=parent, organisation_id=staff["other"].organisation_id
    )
    assert [p.code for _, p in mine] == [pack.code] and theirs == []
