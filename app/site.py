"""What every app in a process serves read-only, built once and shared.

Guides, glossary, pathway, search indexes, national services, the service worker and the
manifest take seconds to read, check and render. They depend only on the files under the
content, static and service-worker folders and on a few settings, so one process builds
them once and hands the same copy to every app it creates (tests create hundreds). The
key includes a fingerprint of those folders (each file's name, size and modification
time), so an edited file is read again by the next app, never served stale.
"""

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from app.assets import STATIC_DIR, HashedStatic
from app.explainers.content import Content, load_content
from app.explainers.search import SearchIndex
from app.i18n import locale_info
from app.pwa.service import SERVICE_WORKER_DIR, build_service_worker, manifest
from app.resources.directory import Resource, load_national
from app.settings import Settings


@dataclass(frozen=True)
class Site:
    """The read-only things an app serves: the same objects for every app in the process."""

    static: HashedStatic
    content: Content
    national_resources: dict[str, Resource]
    search: dict[str, SearchIndex]
    service_worker: bytes
    manifest: dict


def fingerprint(*folders: Path) -> tuple:
    """Every file's path, size and modification time under the folders: changes on any edit."""
    seen = []
    for folder in folders:
        for root, dirs, files in os.walk(folder):
            dirs.sort()
            for name in sorted(files):
                stat = os.stat(os.path.join(root, name))
                seen.append((root, name, stat.st_size, stat.st_mtime_ns))
    return tuple(seen)


def shared_site(settings: Settings) -> Site:
    """The site for these settings, built on first use in this process and then reused."""
    folders = (settings.content_dir, STATIC_DIR, SERVICE_WORKER_DIR)
    return _build(
        settings.content_dir,
        tuple(settings.locale_list),
        settings.default_locale,
        fingerprint(*folders),
    )


@lru_cache(maxsize=4)
def _build(content_dir: Path, locales: tuple[str, ...], default_locale: str, _files) -> Site:
    return build_site(content_dir=content_dir, locales=list(locales), default_locale=default_locale)


def build_site(*, content_dir: Path, locales: list[str], default_locale: str) -> Site:
    """Read, check and render everything the site serves read-only."""
    static = HashedStatic()
    content = load_content(
        locales,
        root=content_dir,
        more_labels={
            code: locale_info(code).translations.gettext("More about this word") for code in locales
        },
    )
    name = locale_info(default_locale).translations.gettext("Next Steps")
    return Site(
        static=static,
        content=content,
        national_resources=load_national(content_dir),
        search={code: SearchIndex(content, code) for code in locales},
        service_worker=build_service_worker(static=static, content=content, locales=locales),
        manifest=manifest(static=static, name=name, short_name=name, locale=default_locale),
    )
