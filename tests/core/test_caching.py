"""Prepared public pages: the same bytes and headers as the whole app gives, honest Vary and
Cache-Control, and never a public body for a signed-in person."""

import re

import pytest
from fastapi.testclient import TestClient
from starlette.datastructures import MutableHeaders
from starlette.responses import Response

from app.caching import PreparedPages, PreparedStore, add_vary, prepare
from app.main import create_app
from tests import factories
from tests.consent.test_gate import endpoints

#: Every kind of page answered from prepared bytes, in a left-to-right and a right-to-left
#: language, page and htmx fragment.
PUBLIC = [
    "/{loc}/",
    "/{loc}/install",
    "/{loc}/language",
    "/{loc}/explainers/",
    "/{loc}/explainers/care-proceedings",
    "/{loc}/glossary/",
    "/{loc}/glossary/section-47",
    "/{loc}/pathway/",
    "/{loc}/pathway/pre-birth-assessment",
    "/{loc}/pathway/pre-birth-assessment/walk",
]
PLUMBING = ["/sw.js", "/manifest.webmanifest"]
#: Headers that belong to one representation (the encoding), not to the page.
PER_REPRESENTATION = {"etag", "content-length", "content-encoding", "vary", "date"}
#: A cookie no page reads: a request carrying it always takes the whole app.
BYPASS = "unrelated=1"


def addresses() -> list[str]:
    return [p.format(loc=loc) for p in PUBLIC for loc in ("en", "ar")] + PLUMBING


def page_headers(response) -> dict[str, str]:
    """Headers that describe the page (each request's own id is not one: it differs, and
    is checked to be there)."""
    assert len(response.headers["x-request-id"]) == 32
    return {
        k: v
        for k, v in response.headers.items()
        if k not in PER_REPRESENTATION and k != "x-request-id"
    }


def vary(response) -> set[str]:
    parts = response.headers.get("vary", "").split(",")
    return {part.strip().lower() for part in parts if part.strip()}


@pytest.mark.parametrize("fragment", [False, True], ids=["page", "fragment"])
def test_prepared_answers_are_the_whole_apps_bytes_and_headers(client, fragment):
    hx = {"HX-Request": "true"} if fragment else {}
    for address in addresses():
        whole = client.get(address, headers={**hx, "Cookie": BYPASS, "Accept-Encoding": "identity"})
        assert whole.status_code == 200, address
        assert "etag" not in whole.headers or whole.headers["etag"].startswith('W/"'), address
        for coding in ("identity", "gzip", "br", "gzip, deflate, br"):
            prepared = client.get(address, headers={**hx, "Accept-Encoding": coding})
            assert prepared.status_code == 200, address
            assert prepared.content == whole.content, (address, coding)
            assert page_headers(prepared) == page_headers(whole), (address, coding)
            assert vary(whole) <= vary(prepared) and "accept-encoding" in vary(prepared)
            assert re.fullmatch(r'"[0-9a-f]{20}(-gz|-br)?"', prepared.headers["etag"])
    assert client.http.app.state.prepared, "the public pages were kept"


def test_each_encoding_has_its_own_strong_etag_and_any_of_them_gets_a_304(client):
    address = "/en/explainers/care-proceedings"
    tags = {
        coding: client.get(address, headers={"Accept-Encoding": coding}).headers["etag"]
        for coding in ("identity", "gzip", "br")
    }
    assert len(set(tags.values())) == 3
    assert (
        client.get(address, headers={"Accept-Encoding": "br"}).headers["content-encoding"] == "br"
    )
    for tag in [*tags.values(), "W/" + tags["identity"], f'"nope", {tags["gzip"]}']:
        again = client.get(address, headers={"If-None-Match": tag, "Accept-Encoding": "gzip"})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["cache-control"] == "public, max-age=300"
        assert "content-security-policy" in again.headers
    refused = client.get(address, headers={"Accept-Encoding": "br;q=0, gzip"})
    assert refused.headers["content-encoding"] == "gzip"


def test_head_gets_the_headers_without_a_body(client):
    client.get("/en/explainers/adoption")
    head = client.head("/en/explainers/adoption", headers={"Accept-Encoding": "gzip"})
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) > 1000


def test_no_session_lookup_csrf_cookie_or_render_once_prepared(client, monkeypatch):
    address = "/en/glossary/"
    client.get(address)
    pages = client.http.app.state.pages

    def refuse(*args, **kwargs):
        raise AssertionError("rendered again")

    monkeypatch.setattr(pages, "render", refuse)
    monkeypatch.setattr(client.http.app.state, "engine", None)  # no database either
    client.cookies.clear()
    response = client.get(address)
    assert response.status_code == 200
    assert "set-cookie" not in response.headers


def test_a_session_cookie_or_a_remembered_place_always_takes_the_whole_app(client, db):
    client.get("/en/pathway/")  # kept for visitors without cookies
    client.cookies.set("place", "wales")
    remembered = client.get("/en/pathway/", follow_redirects=False)
    assert remembered.status_code == 302 and "nation=wales" in remembered.headers["location"]
    client.cookies.delete("place")
    factories.sign_in_as(client, db, factories.user(db))
    client.get("/en/explainers/")
    signed_in = client.get("/en/explainers/", headers={"Accept-Encoding": "gzip"})
    assert not signed_in.headers["etag"].startswith('"'), "answered by the app, not prepared"


def test_a_signed_in_person_never_gets_the_public_body_of_a_page_that_differs():
    """A page that greets a signed-in person: the public copy is never theirs."""

    async def app(scope, receive, send):
        cookie = dict(scope["headers"]).get(b"cookie", b"")
        body = b"Hello, Sam" if b"ns_session" in cookie else b"Hello"
        response = Response(body, headers={"Cache-Control": "public, max-age=300"})
        if b"ns_session" not in cookie:
            prepare(response)
        await response(scope, receive, send)

    store = PreparedStore()
    client = TestClient(PreparedPages(app, store=store))
    assert client.get("/").content == b"Hello"
    assert client.get("/", headers={"Cookie": "ns_session=abc"}).content == b"Hello, Sam"
    assert client.get("/", headers={"Cookie": "csrftoken=x; locale=cy"}).content == b"Hello"
    assert len(store) == 1
    # Cookies are read by name alone and strictly: however the header is written, a
    # session cookie anywhere in it takes the whole app.
    for header in (
        "csrftoken=x;ns_session=abc",
        'csrftoken="x; ns_session=abc"',
        "csrftoken=x; ; ns_session=abc;",
        "ns_session",
    ):
        assert client.get("/", headers={"Cookie": header}).content == b"Hello, Sam", header
    assert client.get("/", headers={"Cookie": "csrftoken=x; ;locale=cy;"}).content == b"Hello"


def test_only_marked_public_answers_without_cookies_are_kept():
    async def app(scope, receive, send):
        path = scope["path"]
        response = Response(path.encode() * 100, status_code=404 if path == "/gone" else 200)
        response.headers["Cache-Control"] = "private, no-cache" if path == "/mine" else "public"
        if path == "/cookie":
            response.set_cookie("x", "1")
        if path != "/unmarked":
            prepare(response)
        await response(scope, receive, send)

    store = PreparedStore()
    client = TestClient(PreparedPages(app, store=store))
    for path in ("/gone", "/mine", "/cookie", "/unmarked"):
        response = client.get(path)
        assert "x-next-steps-prepare" not in response.headers
    assert client.get("/kept?with=query").status_code == 200
    assert list(store) == []
    client.cookies.clear()  # the cookie /cookie set would take the whole app from now on
    client.get("/kept")
    assert [key[0] for key in store] == ["/kept"]


def test_add_vary_adds_and_never_repeats_or_replaces():
    headers = MutableHeaders({"Vary": "HX-Request"})
    add_vary(headers, "Cookie", "hx-request", "Accept-Language")
    assert headers["vary"] == "HX-Request, Cookie, Accept-Language"
    empty = MutableHeaders()
    add_vary(empty, "Accept-Encoding")
    assert empty["vary"] == "Accept-Encoding"


def test_offline_page_keeps_hx_request_in_vary(client):
    response = client.get("/offline", headers={"HX-Request": "true"})
    assert {"hx-request", "cookie", "accept-language"} <= vary(response)


def test_a_response_that_sets_a_cookie_is_never_public(client):
    response = client.get("/en/pathway/?nation=wales")
    assert "place=" in response.headers["set-cookie"]
    assert "public" not in response.headers["cache-control"]


SAMPLES = {
    "locale": "en",
    "slug": "care-proceedings",
    "term": "section-47",
    "step": "pre-birth-assessment",
}


def test_every_get_route_says_vary_hx_request_where_its_fragment_differs(client, db):
    """Walks the route table as a signed-out visitor and as a signed-in parent."""
    app = client.http.app
    checked = differing = 0
    for signed_in in (False, True):
        factories.sign_in_as(client, db, factories.user(db) if signed_in else None)
        client.cookies.set("unrelated", "1")  # page and fragment both take the whole app
        for method, route in endpoints(app):
            if method != "GET" or route.path.startswith("/api/") or route.path.endswith(".ics"):
                continue
            address = route.path
            for name in route.param_convertors:
                address = address.replace("{" + name + "}", SAMPLES.get(name, "1"))
            page = client.get(address, follow_redirects=False)
            if page.status_code != 200 or "html" not in page.headers.get("content-type", ""):
                continue
            fragment = client.get(address, headers={"HX-Request": "true"}, follow_redirects=False)
            checked += 1
            for response in (page, fragment):
                if "set-cookie" in response.headers:
                    assert "public" not in response.headers.get("cache-control", ""), address
            if fragment.content != page.content:
                differing += 1
                assert "hx-request" in vary(page), ("page", address)
                assert "hx-request" in vary(fragment), ("fragment", address)
    assert checked > 30 and differing > 20, (checked, differing)


def test_create_app_shares_the_content_of_the_process(settings, engine):
    first, second = create_app(settings, engine=engine), create_app(settings, engine=engine)
    assert first.state.content is second.state.content
    assert first.state.search is second.state.search
    assert first.state.prepared is not second.state.prepared
