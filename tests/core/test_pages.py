"""The shell's pages: home in English and Welsh, redirects, errors, fragments."""

import pytest


def test_home_routes_to_the_four_jobs(client):
    response, soup = client.page("/en/")
    links = {a.get_text(strip=True): a["href"] for a in soup.select(".jobs a")}
    assert links == {
        "What happens next": "/en/pathway/",
        "My appointments": "/en/calendar/",
        "Share with my supporter": "/en/team/",
        "Help and resources": "/en/resources/",
    }
    assert soup.html["lang"] == "en" and soup.html["dir"] == "ltr"
    assert response.headers["content-language"] == "en"


def test_welsh_home_is_in_welsh(client):
    _, soup = client.page("/cy/")
    assert soup.html["lang"] == "cy"
    assert soup.h1.get_text(strip=True) == "Camau Nesaf: beth sy’n digwydd nawr"
    assert (
        soup.select_one("[data-quick-exit]").get_text(strip=True) == "Gadael y wefan hon yn gyflym"
    )


@pytest.mark.parametrize("code", ["en", "cy"])
def test_every_page_has_the_quick_exit_control(client, code):
    _, soup = client.page(f"/{code}/")
    control = soup.select_one("a[data-quick-exit]")
    assert control["href"] == "http://127.0.0.1:9/neutral"
    assert control["rel"] == ["noreferrer"]
    assert soup.select_one(".quick-exit__hint")


def test_htmx_request_gets_the_content_block_of_the_same_template(client):
    response, soup = client.fragment("/en/")
    assert soup.select_one("h1").get_text(strip=True) == "Next Steps: what happens now"
    assert response.headers["vary"].startswith("HX-Request")


def test_home_is_cacheable_by_anyone_and_varies_by_htmx(client):
    response = client.get("/en/")
    assert response.headers["cache-control"] == "public, max-age=300"
    assert "HX-Request" in response.headers["vary"]


def test_home_without_trailing_slash_redirects(client):
    response = client.get("/cy", follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"] == "/cy/"


def test_unknown_page_is_a_friendly_404_in_the_path_language(client):
    response, soup = client.page("/cy/dim-byd-yma", status=404)
    assert soup.h1.get_text(strip=True) == "Allwn ni ddim dod o hyd i’r dudalen honno"
    assert soup.select_one("main a")["href"] == "/cy/"


def test_unknown_locale_is_a_404_in_the_visitors_language(client):
    _, soup = client.page("/xx/", status=404, headers={"Accept-Language": "cy"})
    assert soup.html["lang"] == "cy"


def test_server_error_is_a_friendly_500_with_security_headers(app, client):
    @app.get("/{locale}/__boom")
    def boom(locale: str):
        raise RuntimeError("kaboom")

    response, soup = client.page("/en/__boom", status=500)
    assert soup.h1.get_text(strip=True) == "Something went wrong on our side"
    assert "kaboom" not in response.text
    assert "Traceback" not in response.text
    assert "content-security-policy" in response.headers


def test_head_answers_with_the_headers_of_get(client):
    response = client.head("/en/")
    assert response.status_code == 200
    assert response.content == b""
    assert "content-security-policy" in response.headers


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True}
    assert response.headers["cache-control"] == "no-store"


def test_pages_are_compressed(client):
    response = client.get("/en/", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"


def test_home_page_weight_stays_small(client):
    """Deterministic bytes: the home page's HTML, CSS and JS compressed, under 40 KB in all."""
    import gzip

    response, soup = client.page("/en/")
    total = len(gzip.compress(response.content))
    for tag, attribute in (("link", "href"), ("script", "src")):
        for element in soup.find_all(tag, attrs={attribute: True}):
            total += len(gzip.compress(client.get(element[attribute]).content))
    assert total < 40_000, total
