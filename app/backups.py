"""Backups and restores of everything a deployment cannot rebuild: the database and its keys.

`deploy/backup FOLDER` writes one file, `next-steps-<UTC time>.tar.gz` (mode 600: it holds
every parent's data and the keys), with:
- `database.pgdump`: PostgreSQL, `pg_dump --format=custom` (consistent while the app runs);
  or `next_steps.db`: SQLite, through sqlite3's online backup API (likewise);
- `keys/secret_key`, `keys/vapid_private_key.pem`: the keys as the app uses them, whether
  from the environment, a *_FILE or the data folder. Without the VAPID key every phone's
  notification subscription is useless; without the secret key every remembered device
  and form token is;
- `manifest.json`: when, which database, which migration.

`deploy/restore FILE` puts them back into the configured database and key places. It
refuses to overwrite a database that has tables, or a key that differs, unless `--force`.
Stop the app first; run migrations after (a backup of an older build is brought up to date).
"""

import argparse
import datetime as dt
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from app.settings import Settings

PREFIX = "next-steps-"
KEYS = {"secret_key": "secret_key", "vapid_private_key": "vapid_private_key.pem"}


class RestoreRefused(Exception):
    """Restoring would overwrite something; `--force` says to."""


def _libpq_url(settings: Settings) -> str:
    """DATABASE_URL as PostgreSQL's own tools take it (no SQLAlchemy driver name)."""
    url = make_url(settings.sqlalchemy_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _sqlite_path(settings: Settings) -> Path:
    return Path(make_url(settings.sqlalchemy_url).database)


def _is_postgres(settings: Settings) -> bool:
    return settings.sqlalchemy_url.startswith("postgresql")


def current_keys(settings: Settings) -> dict[str, str]:
    """The keys the app uses now (never made here: a key not yet made is not backed up)."""
    found = {}
    for name, filename in KEYS.items():
        value = getattr(settings, name) or ""
        kept = settings.data_dir / filename
        if not value and kept.exists():
            value = kept.read_text().strip()
        if value:
            found[name] = value
    return found


def _schema(settings: Settings) -> list[str]:
    from app.db import make_engine

    engine = make_engine(settings)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return []
            return sorted(
                r[0] for r in connection.execute(text("SELECT version_num FROM alembic_version"))
            )
    finally:
        engine.dispose()


def backup(settings: Settings, folder: Path, *, now: dt.datetime | None = None) -> Path:
    """Writes one backup file into `folder` and returns its path."""
    now = now or dt.datetime.now(dt.UTC)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{PREFIX}{now:%Y%m%dT%H%M%SZ}.tar.gz"
    with tempfile.TemporaryDirectory(dir=folder, prefix=".making-") as work:
        work_dir = Path(work)
        if _is_postgres(settings):
            database = work_dir / "database.pgdump"
            subprocess.run(
                ["pg_dump", "--format=custom", "--no-owner", "--no-acl",
                 f"--file={database}", f"--dbname={_libpq_url(settings)}"],
                check=True,
            )  # fmt: skip
        else:
            database = work_dir / "next_steps.db"
            source = sqlite3.connect(f"file:{_sqlite_path(settings)}?mode=ro", uri=True)
            copy = sqlite3.connect(database)
            with copy:
                source.backup(copy)
            source.close()
            copy.close()
        manifest = {
            "format": 1,
            "made_at": now.isoformat(),
            "database": "postgresql" if _is_postgres(settings) else "sqlite",
            "schema": _schema(settings),
            "keys": sorted(current_keys(settings)),
        }
        partial = work_dir / "backup.tar.gz"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
            _add_bytes(archive, "manifest.json", json.dumps(manifest, indent=2).encode())
            archive.add(database, arcname=database.name)
            for name, value in current_keys(settings).items():
                _add_bytes(archive, f"keys/{KEYS[name]}", value.encode() + b"\n")
        partial.replace(target)
    return target


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), 0o600
    archive.addfile(info, io.BytesIO(data))


def prune(folder: Path, keep: int) -> list[Path]:
    """Deletes all but the newest `keep` backups in `folder`; returns what went."""
    made = sorted(folder.glob(f"{PREFIX}*.tar.gz"))
    gone = made[:-keep] if keep > 0 else []
    for path in gone:
        path.unlink()
    return gone


def restore(settings: Settings, archive_path: Path, *, force: bool = False) -> dict:
    """Puts a backup's database and keys back where the settings say; returns its manifest."""
    with tempfile.TemporaryDirectory() as work, tarfile.open(archive_path) as archive:
        archive.extractall(work, filter="data")
        work_dir = Path(work)
        manifest = json.loads((work_dir / "manifest.json").read_text())
        wanted = "postgresql" if _is_postgres(settings) else "sqlite"
        if manifest["database"] != wanted:
            raise RestoreRefused(
                f"this backup is of {manifest['database']}, DATABASE_URL is {wanted}"
            )
        keys = {
            name: (work_dir / "keys" / filename).read_text().strip()
            for name, filename in KEYS.items()
            if (work_dir / "keys" / filename).exists()
        }
        _check_keys(settings, keys, force=force)
        if not force and _schema(settings):
            raise RestoreRefused("the database already has tables (use --force to replace)")
        if wanted == "postgresql":
            subprocess.run(
                ["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-acl",
                 "--single-transaction", "--exit-on-error",
                 f"--dbname={_libpq_url(settings)}", str(work_dir / "database.pgdump")],
                check=True,
            )  # fmt: skip
        else:
            target = _sqlite_path(settings)
            target.parent.mkdir(parents=True, exist_ok=True)
            source = sqlite3.connect(work_dir / "next_steps.db")
            copy = sqlite3.connect(target)
            with copy:
                source.backup(copy)
            source.close()
            copy.close()
        _write_keys(settings, keys)
    return manifest


def _key_place(settings: Settings, name: str) -> Path | None:
    """Where a key is kept: its *_FILE, else the data folder; None when the environment
    gives it (then it cannot be written, only compared)."""
    named = getattr(settings, f"{name}_file")
    if named is not None:
        return Path(named)
    if getattr(settings, name):
        return None
    return settings.data_dir / KEYS[name]


def _check_keys(settings: Settings, keys: dict[str, str], *, force: bool) -> None:
    for name, value in keys.items():
        place = _key_place(settings, name)
        if place is None:
            if getattr(settings, name) != value and not force:
                raise RestoreRefused(f"{name.upper()} in the environment differs from the backup's")
        elif place.exists() and place.read_text().strip() != value and not force:
            raise RestoreRefused(f"{place} differs from the backup's key (use --force to replace)")


def _write_keys(settings: Settings, keys: dict[str, str]) -> None:
    for name, value in keys.items():
        place = _key_place(settings, name)
        if place is None:
            continue
        place.parent.mkdir(parents=True, exist_ok=True)
        fd, partial = tempfile.mkstemp(dir=place.parent)
        with os.fdopen(fd, "w") as handle:
            handle.write(value + "\n")
        os.chmod(partial, 0o600)
        os.replace(partial, place)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m app.backups", description=__doc__.split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("backup", help="write a backup into FOLDER")
    make.add_argument("folder", type=Path)
    make.add_argument("--keep", type=int, default=0, help="then keep only the newest N")
    put = commands.add_parser("restore", help="restore the backup FILE")
    put.add_argument("file", type=Path)
    put.add_argument("--force", action="store_true", help="replace a database or keys there")
    args = parser.parse_args(argv)
    settings = Settings()
    if args.command == "backup":
        if _is_postgres(settings) and shutil.which("pg_dump") is None:
            raise SystemExit("pg_dump is needed (Debian: postgresql-client)")
        made = backup(settings, args.folder)
        gone = prune(args.folder, args.keep) if args.keep else []
        print(f"backup written: {made} ({made.stat().st_size} bytes); {len(gone)} older removed")
        return
    try:
        manifest = restore(settings, args.file, force=args.force)
    except RestoreRefused as refused:
        print(f"not restored: {refused}", file=sys.stderr)
        raise SystemExit(2) from None
    print(
        f"restored the {manifest['database']} backup made {manifest['made_at']} "
        f"(schema {', '.join(manifest['schema']) or 'empty'}); now run: alembic upgrade head"
    )


if __name__ == "__main__":
    main()
