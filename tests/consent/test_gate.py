"""The one gate: every private route, every role, linked / unlinked / revoked.

The test walks the app's route table. A route is public, the signed-in person's own
account, or goes through `ParentAccess`; a route that is none of these fails the test, so
a route added later without the gate cannot slip through. Each gated route is then asked
by every kind of person, and what the gate itself says it needs decides the answer —
so the calendar's and birth plan's routes are checked the moment they are added.
"""

from dataclasses import dataclass

import pytest
from fastapi.routing import APIRoute
from sqlmodel import select

from app.accounts.models import Role
from app.consent.models import AccessRecord, Level, Permission
from app.deps import (
    OptionalParentAccess,
    ParentAccess,
    get_curator,
    get_current_user,
    get_organisation_admin,
)
from app.routes.agency_api import api_user, booking_access
from tests import factories
from tests.factories import csrf

PUBLIC = {
    ("GET", "/"),
    ("GET", "/{locale}/cover-your-tracks"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/{locale}/"),
    ("GET", "/{locale}"),
    ("GET", "/{locale}/language"),
    ("GET", "/{locale}/sign-up"),
    ("POST", "/{locale}/sign-up"),
    ("GET", "/{locale}/sign-up/staff"),
    ("POST", "/{locale}/sign-up/staff"),
    ("GET", "/{locale}/sign-in"),
    ("POST", "/{locale}/sign-in"),
    ("GET", "/{locale}/sign-in/recover"),
    ("POST", "/{locale}/sign-in/recover"),
    ("POST", "/{locale}/sign-in/passkey/options"),
    ("POST", "/{locale}/sign-in/passkey"),
    # Ends whatever session the browser has; harmless without one.
    ("POST", "/{locale}/account/sign-out"),
    # Redirects to the gated page with the same query.
    ("GET", "/{locale}/team"),
    ("GET", "/{locale}/account"),
    # Reading needs no account.
    ("GET", "/{locale}/explainers/"),
    ("GET", "/{locale}/explainers/{slug}"),
    ("GET", "/{locale}/glossary/"),
    ("GET", "/{locale}/glossary/{term}"),
    ("GET", "/{locale}/search"),
    ("GET", "/{locale}/pathway/{step}"),
    # The secret in the address is the key to the parent's merged calendar.
    ("GET", "/calendar/{token}.ics"),
    # Demo agencies' feeds, only served with DEMO_FEEDS.
    ("GET", "/demo-feeds/{name}.ics"),
    # The offline shell: the service worker, the manifest, the offline page, and how to
    # install the app and save data. The same for everyone; nothing of anyone's in them.
    ("GET", "/sw.js"),
    ("GET", "/manifest.webmanifest"),
    ("GET", "/offline"),
    ("GET", "/{locale}/install"),
    # The VAPID public key browsers subscribe with: public by design.
    ("GET", "/push/public-key"),
    # The service worker says it showed a message: the message's random id is the key, and
    # all it can do is stop that message's fallback text.
    ("POST", "/notify/shown"),
    # GOV.UK Notify's delivery statuses: refused without the bearer token in settings.
    ("POST", "/notify/callbacks/status"),
    # The demo's Notify stand-in and its inbox, only with DEMO_CHANNELS (never production).
    ("POST", "/v2/notifications/{kind}"),
    ("GET", "/{locale}/demo-messages"),
    # A professional opens a parent's shared birth plan with no account: the secret in
    # the address (kept hashed, revocable, each opening shown to the parent) is the key.
    ("GET", "/{locale}/birth-plan/shared/{token}"),
    # The directory of services, and share packs by their short link: made to be passed on.
    ("GET", "/{locale}/resources/"),
    ("GET", "/{locale}/resources"),
    ("GET", "/{locale}/share/{code}"),
    ("GET", "/{locale}/share/{code}/print"),
    ("GET", "/s/{code}"),
}

# The signed-in person's own account: nothing here belongs to a parent they do not own.
OWN_ACCOUNT = {
    ("GET", "/{locale}/account/"),
    ("GET", "/{locale}/account/sessions"),
    ("POST", "/{locale}/account/sessions/{session_id}/end"),
    ("POST", "/{locale}/account/sessions/end-all"),
    ("POST", "/{locale}/account/recovery-codes"),
    ("POST", "/{locale}/account/passkeys/options"),
    ("POST", "/{locale}/account/passkeys"),
    ("POST", "/{locale}/account/passkeys/{passkey_id}/remove"),
    ("GET", "/{locale}/account/parents"),
    ("GET", "/{locale}/account/parents/link"),
    ("POST", "/{locale}/account/parents/link"),
    ("GET", "/{locale}/account/organisation"),
    ("POST", "/{locale}/account/organisation/invite"),
    ("POST", "/{locale}/account/organisation/staff/{staff_id}/{action}"),
    ("GET", "/{locale}/account/api-tokens"),
    ("POST", "/{locale}/account/api-tokens"),
    ("POST", "/{locale}/account/api-tokens/{token_id}/revoke"),
    # A person's own saved services.
    ("GET", "/{locale}/resources/saved"),
    ("POST", "/{locale}/resources/saved"),
    ("POST", "/{locale}/resources/saved/remove"),
    # A worker's own packs and their organisation's local services: no parent's things
    # (sending a pack to a parent goes through the gate, /resources/shared?parent=).
    ("GET", "/{locale}/resources/packs/"),
    ("GET", "/{locale}/resources/packs/new"),
    ("POST", "/{locale}/resources/packs/new"),
    ("GET", "/{locale}/resources/packs/{code}"),
    ("GET", "/{locale}/resources/packs/{code}/edit"),
    ("POST", "/{locale}/resources/packs/{code}/edit"),
    ("POST", "/{locale}/resources/packs/{code}/withdraw"),
    ("GET", "/{locale}/resources/local/new"),
    ("POST", "/{locale}/resources/local/new"),
    ("GET", "/{locale}/resources/local/{resource_id}"),
    ("POST", "/{locale}/resources/local/{resource_id}"),
    ("POST", "/{locale}/resources/local/{resource_id}/withdraw"),
}

# The agency API: a token's own list of parents, and bookings behind the API's gate (the
# same consent check, with a token instead of a session); tested in tests/agency.
API_OWN = {("GET", "/api/v1/parents")}


def _calls(route: APIRoute):
    """Every callable in the route's dependency tree."""
    pending = list(route.dependant.dependencies)
    while pending:
        dependency = pending.pop()
        yield dependency.call
        pending.extend(dependency.dependencies)


def optional_gate(route: APIRoute) -> bool:
    """The route is public too: signed out, or naming no parent, it is the public page."""
    return any(isinstance(call, OptionalParentAccess) for call in _calls(route))


def gate_of(route: APIRoute) -> Permission | Level | None:
    """What the route's ParentAccess needs, found anywhere in its dependency tree."""
    for call in _calls(route):
        if isinstance(call, ParentAccess):
            return call.need
    return None


def needs_sign_in(route: APIRoute) -> bool:
    return any(call is get_current_user for call in _calls(route))


def _api_routes(routes, prefix: str = ""):
    """APIRoutes with their full paths, inside included routers too (FastAPI nests them)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix, route
        elif hasattr(route, "original_router"):
            context = route.include_context
            # A router-level dependency would hide the gate from the walk below: refuse it.
            assert not context.dependencies, "put the gate on each route, not on a router"
            yield from _api_routes(route.original_router.routes, prefix + (context.prefix or ""))


def endpoints(app):
    routes = list(_api_routes(app.routes))
    assert routes, "the route table walk found no routes"
    for prefix, route in routes:
        assert not prefix, "routers are included without a prefix; paths below assume so"
        for method in sorted(route.methods - {"HEAD"}):
            yield method, route


def behind_api_gate(route: APIRoute) -> bool:
    return any(call is booking_access for call in _calls(route))


def unguarded(app) -> list[tuple[str, str]]:
    """Routes that are neither listed as public or own-account nor behind a gate."""
    return [
        (method, route.path)
        for method, route in endpoints(app)
        if gate_of(route) is None
        and not behind_api_gate(route)
        and (method, route.path) not in PUBLIC | OWN_ACCOUNT | API_OWN
    ]


def test_every_api_route_needs_a_token(app):
    api = [(m, r) for m, r in endpoints(app) if r.path.startswith("/api/")]
    assert api
    for method, route in api:
        assert any(call is api_user for call in _calls(route)), (method, route.path)


def gated(app) -> list[tuple[str, APIRoute, Permission | Level]]:
    return [
        (method, route, gate_of(route))
        for method, route in endpoints(app)
        if gate_of(route) is not None
    ]


def test_every_route_is_public_own_account_or_behind_the_gate(app):
    assert unguarded(app) == []
    for method, route in endpoints(app):
        if (method, route.path) in OWN_ACCOUNT:
            assert needs_sign_in(route), f"{method} {route.path} must need a signed-in person"


def test_a_new_route_without_the_gate_is_caught(app):
    from app.deps import LocaleDep

    @app.get("/{locale}/calendar/")
    def forgot_the_gate(loc: LocaleDep):
        return {"appointments": "everyone's"}

    assert unguarded(app) == [("GET", "/{locale}/calendar/")]


def test_the_gated_routes_include_the_parents_pages(app):
    paths = {(method, route.path): need for method, route, need in gated(app)}
    assert paths[("GET", "/{locale}/where-i-am/")] == Permission.see_pathway
    assert paths[("POST", "/{locale}/where-i-am/")] == Permission.see_pathway
    # Public pages that are a parent's own when someone names one: the optional gate.
    for path in ("/{locale}/questions/", "/{locale}/pathway/", "/{locale}/pathway/{step}/walk"):
        assert paths[("GET", path)] == Permission.see_pathway, path
    assert paths[("GET", "/{locale}/team/")] == Level.linked
    # Reading a letter into the calendar: whoever may add the parent's appointments.
    assert paths[("GET", "/{locale}/calendar/letters/new")] == Permission.edit_appointments
    assert paths[("POST", "/{locale}/calendar/letters")] == Permission.edit_appointments
    assert paths[("GET", "/{locale}/account/who-looked")] == Level.owner
    assert paths[("GET", "/{locale}/account/data/export")] == Level.owner
    assert paths[("POST", "/{locale}/account/delete")] == Level.owner
    assert paths[("POST", "/{locale}/team/{link_id}/revoke")] == Level.owner


@dataclass
class Actor:
    label: str
    user: object  # User or None
    selector: str | None
    allowed: bool
    audited: bool = False


def _others(need: Permission | Level) -> set[str]:
    """Every permission but `need` (and not seeing appointments when need is to edit them)."""
    everything = {p.value for p in Permission}
    if need == Permission.see_appointments:
        return everything - {Permission.see_appointments, Permission.edit_appointments}
    return everything - {need.value} if isinstance(need, Permission) else everything


def world(db, need: Permission | Level) -> tuple[object, object, list[Actor]]:
    """A parent, the people around them, and whether each may pass the gate for `need`."""
    parent = factories.user(db, Role.parent)
    other_parent = factories.user(db, Role.parent)
    someone_elses = factories.link(
        db, other_parent, factories.user(db, Role.supporter), {p.value for p in Permission}
    )
    granted = set() if isinstance(need, Level) else {need.value}
    actors = [
        Actor("nobody signed in", None, None, allowed=False),
        Actor("the parent", parent, None, allowed=True),
        Actor("the parent, naming another parent", parent, someone_elses.public_id, False),
        Actor("another parent", other_parent, None, allowed=True),  # their own things
    ]
    main_link = None
    for role in (Role.supporter, Role.agency_staff):
        with_it = factories.user(db, role)
        link = factories.link(db, parent, with_it, granted)
        main_link = main_link or link
        passes = need != Level.owner
        actors += [
            Actor(f"{role} linked with it", with_it, link.public_id, passes, audited=passes),
            Actor(f"{role} linked, no parent named", with_it, None, False),
            Actor(f"{role} naming someone else's link", with_it, someone_elses.public_id, False),
        ]
        if isinstance(need, Permission):
            without = factories.user(db, role)
            other_link = factories.link(db, parent, without, _others(need))
            actors.append(Actor(f"{role} linked without it", without, other_link.public_id, False))
        revoked = factories.user(db, role)
        gone = factories.link(db, parent, revoked, {p.value for p in Permission}, revoked=True)
        actors.append(Actor(f"{role} revoked", revoked, gone.public_id, False))
        unlinked = factories.user(db, role)
        actors.append(Actor(f"{role} unlinked", unlinked, main_link.public_id, False))
    for role in (Role.content_editor, Role.admin):
        staff = factories.user(db, role)
        actors += [
            Actor(f"{role}", staff, None, False),
            Actor(f"{role} naming a link", staff, main_link.public_id, False),
        ]
    # The parent last: their own POSTs may change things the others rely on.
    actors.sort(key=lambda actor: actor.user is parent)
    return parent, main_link, actors


def address(route: APIRoute, link, selector: str | None) -> str:
    values = {
        "locale": "en",
        "link_id": link.id,
        "appointment_id": 1,
        "source_id": 1,
        "device_id": 1,
        "kind": "phone",
        "section": "about_me",
        "change_id": 1,
        "share_id": 1,
        "member_id": 1,
        "question_id": 1,
        "delivery_id": 1,
        "step": "child-protection-plan",
    }
    path = route.path
    for name, value in values.items():
        path = path.replace("{" + name + "}", str(value))
    assert "{" not in path, f"add a sample value for {route.path} to this test"
    return path + (f"?parent={selector}" if selector else "")


def test_every_gated_route_for_every_role_and_link(app, client, db):
    checked = 0
    for method, route, need in gated(app):
        parent, link, actors = world(db, need)
        for actor in actors:
            factories.sign_in_as(client, db, actor.user)
            url = address(route, link, actor.selector)
            looks_before = len(db.exec(select(AccessRecord.id)).all())
            if method == "GET":
                response = client.get(url, follow_redirects=False)
            else:
                token = csrf(client)
                response = client.post(url, data={"csrftoken": token}, follow_redirects=False)
            where = f"{method} {route.path} as {actor.label}: {response.status_code}"
            public_page = optional_gate(route) and actor.selector is None
            if public_page and (actor.user is None or actor.user.role != Role.parent):
                # Signed out, or with no things of their own: the public page, unrecorded.
                assert response.status_code == 200, where
                assert "You cannot see this" not in response.text, where
            elif actor.user is None:
                assert response.status_code == 303, where
                assert response.headers["location"].startswith("/en/sign-in?next="), where
            elif actor.allowed:
                assert response.status_code not in (401, 403), where
                location = response.headers.get("location", "")
                assert not location.startswith("/en/sign-in"), where
            else:
                assert response.status_code == 403, where
                assert "You cannot see this" in response.text, where
            looks_after = len(db.exec(select(AccessRecord.id)).all())
            assert looks_after == looks_before + (1 if actor.audited else 0), where
            checked += 1
    assert checked >= 9 * 15


@pytest.mark.parametrize("method,path", sorted(OWN_ACCOUNT))
def test_own_account_routes_send_strangers_to_sign_in(client, method, path):
    url = (
        path.replace("{locale}", "en")
        .replace("{session_id}", "1")
        .replace("{passkey_id}", "1")
        .replace("{staff_id}", "1")
        .replace("{action}", "suspend")
    )
    if method == "GET":
        response = client.get(url, follow_redirects=False)
    else:
        response = client.post(url, data={"csrftoken": csrf(client)}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/en/sign-in?next=")


ROLE_GATED = {
    get_organisation_admin: {
        ("GET", "/{locale}/account/organisation"),
        ("POST", "/{locale}/account/organisation/invite"),
        ("POST", "/{locale}/account/organisation/staff/{staff_id}/{action}"),
    },
    get_curator: {
        ("GET", "/{locale}/resources/packs/"),
        ("GET", "/{locale}/resources/packs/new"),
        ("POST", "/{locale}/resources/packs/new"),
        ("GET", "/{locale}/resources/packs/{code}/edit"),
        ("POST", "/{locale}/resources/packs/{code}/edit"),
        ("GET", "/{locale}/resources/local/new"),
        ("POST", "/{locale}/resources/local/new"),
    },
}


def test_role_checks_are_typed_dependencies_the_walk_sees(app):
    for gate, expected in ROLE_GATED.items():
        found = {
            (method, route.path)
            for method, route in endpoints(app)
            if any(call is gate for call in _calls(route))
        }
        assert found == expected, gate.__name__
