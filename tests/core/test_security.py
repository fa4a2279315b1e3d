"""Security baseline: headers, CSP, CSRF on state-changing requests, cookies, hashed assets."""

import re
from pathlib import Path

import pytest
from jinja2 import ChoiceLoader, FileSystemLoader

from app.security import CONTENT_SECURITY_POLICY

TEST_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def test_strict_content_security_policy_on_pages_and_errors(client):
    for url in ("/en/", "/en/missing", "/healthz"):
        headers = client.get(url).headers
        assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-frame-options"] == "DENY"
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "style-src 'self'" in CONTENT_SECURITY_POLICY


def test_no_hsts_over_plain_http(client):
    assert "strict-transport-security" not in client.get("/en/").headers


@pytest.fixture
def form_app(app):
    """A state-changing route of the kind later features add, to exercise the CSRF guard."""
    from fastapi import Form

    from app.deps import LocaleDep

    @app.post("/{locale}/__form")
    def submit(loc: LocaleDep, note: str = Form(...)):
        return {"saved": note}

    return app


def test_post_without_csrf_token_is_refused_in_the_readers_language(form_app, client):
    client.cookies.set("csrftoken", "forged")
    response = client.post("/cy/__form", data={"note": "hello"})
    assert response.status_code == 403
    assert "Rhowch gynnig arall arni" in response.text
    assert "content-security-policy" in response.headers


def test_post_with_matching_token_from_form_or_htmx_header_is_accepted(form_app, client):
    from itsdangerous import URLSafeSerializer

    signer = URLSafeSerializer(client.http.app.state.settings.signing_key(), "csrftoken")
    token = signer.dumps("abc123")
    client.cookies.set("csrftoken", token)
    form = client.post("/en/__form", data={"csrftoken": token, "note": "from a form"})
    assert form.json() == {"saved": "from a form"}
    htmx = client.post(
        "/en/__form",
        data={"note": "from htmx"},
        headers={"x-csrftoken": token, "HX-Request": "true"},
    )
    assert htmx.json() == {"saved": "from htmx"}


def test_a_page_that_uses_the_csrf_token_is_private_and_sets_the_cookie(app, client):
    from fastapi import Request

    from app.deps import LocaleDep, PagesDep

    pages = app.state.pages
    pages.env.loader = ChoiceLoader([FileSystemLoader(TEST_TEMPLATES), pages.env.loader])

    @app.get("/{locale}/__with-form")
    def with_form(request: Request, loc: LocaleDep, pages: PagesDep):
        return pages.render(request, "probe_form.html")

    response, soup = client.page("/en/__with-form")
    assert response.headers["cache-control"] == "private, no-cache"
    assert "csrftoken=" in response.headers["set-cookie"]
    token = soup.select_one('input[name="csrftoken"]')["value"]
    assert soup.body["hx-headers"] == f'{{"x-csrftoken": "{token}"}}'


def test_static_files_have_content_hashed_names_and_long_caching(client):
    _, soup = client.page("/en/")
    htmx = soup.find("script", src=re.compile(r"/static/vendor/htmx\.min\.[0-9a-f]{10}\.js$"))
    assert htmx, "htmx is served from our own origin under a hashed name"
    response = client.get(htmx["src"])
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert b"htmx" in response.content[:2000]

    css = soup.find("link", rel="stylesheet")["href"]
    assert client.get(css).headers["cache-control"].endswith("immutable")
    assert client.get("/static/css/app.css").headers["cache-control"] == "no-cache"


def test_a_stale_hash_is_not_served_as_immutable(client):
    response = client.get("/static/css/app.0000000000.css")
    assert response.status_code == 404


def test_htmx_is_configured_without_history_cache_or_eval(client):
    _, soup = client.page("/en/")
    config = soup.find("meta", attrs={"name": "htmx-config"})["content"]
    assert '"historyCacheSize": 0' in config
    assert '"allowEval": false' in config
    assert '"includeIndicatorStyles": false' in config
