"""Static files under content-hashed names, so they can be cached for a year and never go stale."""

import hashlib
from pathlib import Path

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
IMMUTABLE = "public, max-age=31536000, immutable"


class HashedStatic(StaticFiles):
    """Serves `css/app.1a2b3c4d5e.css` from `css/app.css` while the hash matches its bytes."""

    def __init__(self, directory: Path = STATIC_DIR) -> None:
        super().__init__(directory=directory)
        self.directory_path = Path(directory)
        self._urls: dict[str, str] = {}
        self._real: dict[str, str] = {}
        for path in sorted(self.directory_path.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                relative = path.relative_to(self.directory_path).as_posix()
                digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
                stem, dot, suffix = relative.rpartition(".")
                hashed = f"{stem}.{digest}.{suffix}" if dot else f"{relative}.{digest}"
                self._urls[relative] = hashed
                self._real[hashed] = relative

    def names(self) -> list[str]:
        """Every static file, by its unhashed name."""
        return list(self._urls)

    def url(self, relative: str) -> str:
        """The public address of a static file; an unknown file is an error at render time."""
        return "/static/" + self._urls[relative]

    def get_path(self, scope: Scope) -> str:
        path = super().get_path(scope)
        return self._real.get(Path(path).as_posix(), path)

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        requested = Path(super().get_path(scope)).as_posix()
        response.headers["Cache-Control"] = IMMUTABLE if requested in self._real else "no-cache"
        return response


def publish(target: Path, source: Path = STATIC_DIR) -> int:
    """Writes every static file into `target` under its hashed name, for the web server to
    serve straight from disk (deploy/nginx). Files of earlier builds are left, so a page
    cached before an upgrade still finds its own CSS and scripts. Returns how many were new."""
    import os
    import shutil

    written = 0
    for relative, hashed in HashedStatic(source)._urls.items():
        destination = target / hashed
        if destination.exists():
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        partial = destination.with_name(destination.name + ".partial")
        shutil.copyfile(source / relative, partial)
        os.chmod(partial, 0o644)
        partial.replace(destination)
        written += 1
    return written


if __name__ == "__main__":
    import sys

    if len(sys.argv) == 3 and sys.argv[1] == "publish":
        count = publish(Path(sys.argv[2]))
        print(f"{count} static files written to {sys.argv[2]}")
    else:
        raise SystemExit("usage: python -m app.assets publish FOLDER")
