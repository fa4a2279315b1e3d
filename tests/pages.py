"""A test client that checks the HTML of every page it fetches, in the manner of GOV.UK Notify.

Every full page: one <h1>, a <title> that begins with it, unique ids, every field labelled,
no inline script or style (the CSP forbids them), nothing loaded from another site.
Every htmx fragment: no <html> of its own.
"""

from collections import Counter
from urllib.parse import urlsplit

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from httpx import Response


def check_page(html: str) -> BeautifulSoup:
    soup = BeautifulSoup(html, "html.parser")
    h1s = soup.find_all("h1")
    assert len(h1s) == 1, f"expected one <h1>, found {len(h1s)}"
    heading = h1s[0].get_text(" ", strip=True)
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    assert title.startswith(heading), f"title {title!r} should begin with the h1 {heading!r}"
    assert soup.html.get("lang"), "<html> needs a lang"
    assert soup.html.get("dir") in {"ltr", "rtl"}, "<html> needs a dir"
    check_markup(soup)
    return soup


def check_fragment(html: str) -> BeautifulSoup:
    assert "<html" not in html.lower(), "an htmx fragment must not be a whole page"
    soup = BeautifulSoup(html, "html.parser")
    check_markup(soup)
    return soup


def check_markup(soup: BeautifulSoup) -> None:
    ids = Counter(tag["id"] for tag in soup.find_all(id=True))
    duplicated = [name for name, count in ids.items() if count > 1]
    assert not duplicated, f"duplicate ids: {duplicated}"
    for field in soup.find_all(["input", "select", "textarea"]):
        if field.get("type") in {"hidden", "submit", "button"}:
            continue
        labelled = (
            field.get("aria-label")
            or field.get("aria-labelledby")
            or (field.get("id") and soup.find("label", attrs={"for": field["id"]}))
            or field.find_parent("label")
        )
        assert labelled, f"field without a label: {field}"
    for script in soup.find_all("script"):
        assert script.get("src"), "inline <script> (the CSP forbids it)"
    assert not soup.find_all("style"), "inline <style> (the CSP forbids it)"
    assert not soup.find_all(style=True), "style attribute (the CSP forbids it)"
    for tag, attribute in (("script", "src"), ("link", "href"), ("img", "src")):
        for element in soup.find_all(tag):
            address = urlsplit(element.get(attribute, ""))
            assert not address.netloc, f"{tag} loads from another site: {element}"


class PageClient:
    """Wraps TestClient: `page()` and `fragment()` fetch, check the status, check the HTML."""

    def __init__(self, client: TestClient) -> None:
        self.http = client

    def __getattr__(self, name):
        return getattr(self.http, name)

    def page(self, url: str, *, status: int = 200, **kwargs) -> tuple[Response, BeautifulSoup]:
        response = self.http.get(url, **kwargs)
        assert response.status_code == status, (response.status_code, response.text[:500])
        assert response.headers["content-type"].startswith("text/html")
        return response, check_page(response.text)

    def fragment(self, url: str, *, status: int = 200, **kwargs) -> tuple[Response, BeautifulSoup]:
        headers = {"HX-Request": "true", **kwargs.pop("headers", {})}
        response = self.http.get(url, headers=headers, **kwargs)
        assert response.status_code == status, (response.status_code, response.text[:500])
        return response, check_fragment(response.text)
