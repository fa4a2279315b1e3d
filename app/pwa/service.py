"""The service worker script and the web app manifest, built once at start-up.

The worker is the files of service_worker/ joined in name order, after a header that gives
it this build's version and the lists of what to precache, each with a content-hashed
address. Any change to the code, the static files or the content gives a new version, so
browsers see an update and never keep stale files.
"""

import hashlib
import json
from pathlib import Path

from app.assets import HashedStatic
from app.explainers.content import Content

SERVICE_WORKER_DIR = Path(__file__).resolve().parent.parent.parent / "service_worker"

#: Paths whose pages belong to one signed-in person: network first, kept only in a private
#: cache that sign-in, sign-out and quick exit delete.
PRIVATE_PREFIXES = (
    "calendar", "questions", "account", "team", "birth-plan", "where-i-am",
    "resources/saved", "resources/shared", "resources/packs", "resources/local",
)  # fmt: skip


def public_pages(content: Content, locale: str) -> list[str]:
    """Every page of a locale a parent may want without signal: explainers, glossary,
    pathway, the questions page and home."""
    pages = [f"/{locale}/", f"/{locale}/explainers/", f"/{locale}/glossary/", f"/{locale}/pathway/"]
    pages += [f"/{locale}/explainers/{slug}" for slug in content.english.explainers]
    pages += [f"/{locale}/glossary/{slug}" for slug in content.english.glossary]
    pages += [f"/{locale}/pathway/{step.slug}" for step in content.pathway.steps]
    return pages


def shell(static: HashedStatic) -> list[str]:
    """The app shell: every static file (hashed addresses) and the offline page."""
    return [
        static.url(name) for name in sorted(static.names()) if not name.startswith("icons/maskable")
    ] + ["/offline"]


def build_service_worker(*, static: HashedStatic, content: Content, locales: list[str]) -> bytes:
    """The whole worker script, with its version and precache lists at the top."""
    parts = [path.read_text(encoding="utf-8") for path in sorted(SERVICE_WORKER_DIR.glob("*.js"))]
    lists = {
        "SHELL": shell(static),
        "PAGES": {code: public_pages(content, code) for code in locales},
        "PRIVATE_PREFIXES": [f"/{code}/{p}" for code in locales for p in PRIVATE_PREFIXES],
    }
    content_versions = sorted(
        e.version for local in content.locales.values() for e in local.explainers.values()
    )
    version = hashlib.sha256(
        json.dumps([lists, content_versions, content.pathway_version]).encode()
        + "".join(parts).encode()
    ).hexdigest()[:12]
    header = (
        "// Next Steps service worker, built from service_worker/ at start-up.\n"
        f"const VERSION = {json.dumps(version)};\n"
        + "".join(f"const {name} = {json.dumps(value)};\n" for name, value in lists.items())
    )
    return (header + "\n".join(parts)).encode()


def manifest(*, static: HashedStatic, name: str, short_name: str, locale: str) -> dict:
    """The Web App Manifest: installable, standalone, with maskable icons."""
    return {
        "name": name,
        "short_name": short_name,
        "lang": locale,
        "start_url": f"/{locale}/",
        "scope": "/",
        "id": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1d4d4f",
        "icons": [
            {
                "src": static.url("icons/icon-192.png"),
                "sizes": "192x192",
                "type": "image/png",
                "purpose": "any",
            },
            {
                "src": static.url("icons/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "any",
            },
            {
                "src": static.url("icons/maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
