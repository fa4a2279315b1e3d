"""The test-only sharing of FastAPI's parameter fields (tests/shared_fields.py) shares a
field only between parameters that validate alike: once it joined a sign-in's `next`
to the walk-through's 20-character one, and a sign-in answered 400. And each app's
dependency overrides stay its own."""

from typing import Annotated

from fastapi import FastAPI, Form, Query
from fastapi.testclient import TestClient

import tests.shared_fields
from app.accounts.models import Role
from app.deps import get_current_user, get_session
from app.main import create_app
from tests import factories
from tests.shared_fields import _dependants, _lasting, _shared, _sub_dependants


def app_with(name: str, parameter) -> FastAPI:
    app = FastAPI()

    @app.post(f"/{name}")
    def endpoint(next: parameter = "") -> dict:
        return {"next": next}

    return app


def test_fields_that_print_alike_but_validate_differently_are_not_shared():
    long = "/en/calendar/appointments/12?parent=abc"
    short = app_with("short", Annotated[str, Form(max_length=20)])
    free = app_with("free", Annotated[str, Form()])
    with TestClient(short) as a, TestClient(free) as b:
        assert a.post("/short", data={"next": long}).status_code == 422
        assert b.post("/free", data={"next": long}).json() == {"next": long}
        assert a.post("/short", data={"next": "walk"}).json() == {"next": "walk"}


def test_the_same_field_is_built_once_and_different_ones_apart():
    def make(info):
        return _shared("screen", int, 0, info)

    assert make(Query(ge=0, le=50)) is make(Query(ge=0, le=50))
    assert make(Query(ge=0, le=50)) is not make(Query(ge=0, le=49))
    assert make(Query(ge=0, le=50)) is not make(Form(ge=0, le=50))
    assert _shared("on", int, 1) is not _shared("on", bool, True)
    assert _shared("on", int, 1) is not _shared("on", int, True)


def test_apps_sharing_a_routers_analysis_keep_their_own_overrides():
    """The analysis of a route is shared between apps; each app's dependency overrides
    (the suite's per-test database session) are still its own."""
    from fastapi import APIRouter, Depends

    def who() -> str:
        return "nobody"

    router = APIRouter()

    @router.get("/who")
    def endpoint(name: Annotated[str, Depends(who)], shout: bool = False) -> dict:
        return {"name": name.upper() if shout else name}

    apps = []
    for name in ("sam", "alex"):
        app = FastAPI()
        app.include_router(router)
        app.dependency_overrides[who] = lambda name=name: name
        apps.append(app)
    with TestClient(apps[0]) as sam, TestClient(apps[1]) as alex:
        assert sam.get("/who").json() == {"name": "sam"}
        assert alex.get("/who?shout=true").json() == {"name": "ALEX"}
        assert sam.get("/who?shout=no").json() == {"name": "sam"}
    assert [key[0] for key in _dependants if key[1].call is endpoint] == ["/who"]  # once


def test_the_apps_dependencies_are_analysed_once_while_each_app_keeps_its_overrides(
    settings, engine, db, monkeypatch
):
    """With an override in place, FastAPI analyses a route's dependencies on every
    request; shared, the app's own are analysed once. One app signs someone in by an
    override, the other does not: each answers as its own overrides say, in turn."""
    built = []
    build = tests.shared_fields._get_dependant

    def counted(**kwargs):
        built.append(kwargs["call"])
        return build(**kwargs)

    monkeypatch.setattr(tests.shared_fields, "_get_dependant", counted)
    parent = factories.user(db, Role.parent)
    plain, signed_in = create_app(settings, engine=engine), create_app(settings, engine=engine)
    for app in (plain, signed_in):
        app.dependency_overrides[get_session] = lambda: db
    signed_in.dependency_overrides[get_current_user] = lambda: parent
    with TestClient(plain) as a, TestClient(signed_in) as b:
        for _ in range(2):
            assert a.get("/en/account/", follow_redirects=False).status_code == 303
            assert b.get("/en/account/", follow_redirects=False).status_code == 200
        built.clear()
        assert a.get("/en/account/", follow_redirects=False).status_code == 303
        assert b.get("/en/account/", follow_redirects=False).status_code == 200
    assert built and not any(_lasting(call) for call in built)  # only the tests' overrides
    assert any(key[1].call is get_current_user for key in _sub_dependants)
    assert not any(not _lasting(key[1].call) for key in _sub_dependants)  # none kept alive
