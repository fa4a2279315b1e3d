"""Settings: safe defaults, a generated secret kept out of the repo, the README in step."""

import re
import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.settings import ROOT, Settings


def test_defaults_are_sqlite_under_the_data_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = Settings(data_dir=tmp_path)
    assert settings.sqlalchemy_url == f"sqlite:///{tmp_path / 'next_steps.db'}"
    assert settings.locale_list[0] == "en"


def test_postgres_urls_use_psycopg_3():
    settings = Settings(database_url="postgresql://u@127.0.0.1/db")
    assert settings.sqlalchemy_url == "postgresql+psycopg://u@127.0.0.1/db"
    assert Settings(database_url="postgres://h/db").sqlalchemy_url == "postgresql+psycopg://h/db"


def test_secret_key_is_generated_once_into_the_data_folder(tmp_path):
    first = Settings(data_dir=tmp_path).signing_key()
    second = Settings(data_dir=tmp_path).signing_key()
    assert first == second and len(first) >= 48
    mode = (tmp_path / "secret_key").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600
    assert list(tmp_path.iterdir()) == [tmp_path / "secret_key"], "no temporary files left"


def test_placeholder_secret_keys_are_refused():
    with pytest.raises(ValidationError):
        Settings(secret_key="changeme")
    with pytest.raises(ValidationError):
        Settings(secret_key="short")


def test_production_needs_an_https_public_origin():
    with pytest.raises(ValidationError, match="PUBLIC_ORIGIN"):
        Settings(production=True)
    with pytest.raises(ValidationError, match="PUBLIC_ORIGIN"):
        Settings(production=True, public_origin="http://nextsteps.example")
    assert Settings(production=True, public_origin="https://nextsteps.example").production


def test_data_folder_is_not_committed():
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert "/data/" in ignored


def test_every_setting_is_in_the_readme_table():
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", readme, flags=re.MULTILINE))
    fields = {name.upper() for name in Settings.model_fields}
    assert fields == documented, (
        f"undocumented: {fields - documented}, stale: {documented - fields}"
    )


def test_every_setting_has_help_text():
    missing = [name for name, field in Settings.model_fields.items() if not field.description]
    assert missing == []


def test_makefile_targets_all_have_help():
    makefile = Path(ROOT / "Makefile").read_text()
    phony = re.search(r"^\.PHONY: (.+)$", makefile, flags=re.MULTILINE).group(1).split()
    documented = set(re.findall(r"^([a-z-]+):.*## ", makefile, flags=re.MULTILINE))
    internal = {"compile-translations"}
    assert set(phony) - internal <= documented
