"""Light on data: the byte budgets, measured on real responses, compressed as sent."""

import gzip
import re

import pytest

from app.pwa.service import public_pages

KB = 1024


def compressed(client, url: str) -> int:
    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200, url
    return len(gzip.compress(response.content, 6))


def assets_of(html: str) -> list[str]:
    """The stylesheets, scripts and icons a page loads."""
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def test_first_visit_home_and_one_explainer_is_at_most_60_kb(client):
    home = client.get("/en/").text
    explainer = client.get("/en/explainers/care-proceedings").text
    urls = ["/en/", "/en/explainers/care-proceedings", "/manifest.webmanifest"]
    urls += sorted(set(assets_of(home)) | set(assets_of(explainer)))
    total = sum(compressed(client, url) for url in urls)
    assert total <= 60 * KB, f"{total} bytes for {urls}"


def sent(client, url: str, coding: str) -> int:
    """Bytes on the wire for a prepared page, as a browser accepting `coding` gets it."""
    response = client.get(url, headers={"Accept-Encoding": coding})
    assert response.status_code == 200, url
    assert response.headers["content-encoding"] == coding, url
    return int(response.headers["content-length"])


def test_the_whole_english_precache_is_at_most_400_kb(client):
    """Browsers fetch the precache over HTTPS (PRODUCTION requires it), where they accept
    brotli, and public pages are sent as prepared brotli."""
    pages = public_pages(client.http.app.state.content, "en")
    total = sum(sent(client, url, "br") for url in pages)
    as_gzip = sum(sent(client, url, "gzip") for url in pages)
    assert total <= 400 * KB, f"{total} bytes for {len(pages)} pages ({as_gzip} as gzip)"


@pytest.mark.parametrize("code", ["en", "cy", "ar"])
def test_the_service_worker_lists_every_page_of_a_locale(client, code):
    script = client.get("/sw.js").text
    assert f'"/{code}/explainers/adoption"' in script
    assert f'"/{code}/pathway/final-hearing"' in script


def test_the_service_worker_is_never_cached_stale(client):
    response = client.get("/sw.js")
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["service-worker-allowed"] == "/"
    assert response.headers["content-type"].startswith("text/javascript")


def test_a_content_change_gives_a_new_service_worker_version(tmp_path):
    import shutil

    from app.explainers.content import CONTENT_DIR
    from app.main import create_app
    from tests.conftest import settings_for

    root = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, root)
    settings = settings_for(f"sqlite:///{tmp_path / 'x.db'}", tmp_path, content_dir=root)
    before = create_app(settings).state.service_worker
    page = root / "en" / "explainers" / "adoption.md"
    page.write_text(page.read_text().replace("## ", "## Changed: ", 1).replace("Changed: ", "", 0))
    page.write_text(page.read_text() + "\nOne more plain sentence.\n")
    after = create_app(settings).state.service_worker
    version = re.compile(rb'const VERSION = "([0-9a-f]+)"')
    assert version.search(before).group(1) != version.search(after).group(1)


def test_manifest_is_installable(client):
    manifest = client.get("/manifest.webmanifest").json()
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/en/"
    assert {"any", "maskable"} <= {icon["purpose"] for icon in manifest["icons"]}
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).headers["content-type"] == "image/png"
