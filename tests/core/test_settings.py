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


def test_secrets_can_be_read_from_files(tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key_file, vapid_file = tmp_path / "secret_key", tmp_path / "vapid.pem"
    key_file.write_text("s" * 48 + "\n")
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    vapid_file.write_bytes(pem)
    settings = Settings(
        data_dir=tmp_path / "data", secret_key_file=key_file, vapid_private_key_file=vapid_file
    )
    assert settings.signing_key() == "s" * 48
    assert settings.vapid_key_pem() == pem.decode().strip()
    assert not (tmp_path / "data").exists(), "nothing generated when the files give the keys"


def test_secret_files_that_cannot_be_used_stop_start_up(tmp_path):
    (tmp_path / "empty").write_text("\n")
    (tmp_path / "weak").write_text("changeme")
    with pytest.raises(ValidationError, match="cannot be read"):
        Settings(secret_key_file=tmp_path / "missing")
    with pytest.raises(ValidationError, match="is empty"):
        Settings(vapid_private_key_file=tmp_path / "empty")
    with pytest.raises(ValidationError, match="at least 32"):
        Settings(secret_key_file=tmp_path / "weak")
    with pytest.raises(ValidationError, match="not both"):
        Settings(secret_key="k" * 40, secret_key_file=tmp_path / "weak")


def test_the_environment_file_template_reads_the_same_in_a_shell():
    """deploy/backup and deploy/restore read it with `set -a; . FILE` when run by hand."""
    import subprocess

    template = ROOT / "deploy" / "next-steps.env"
    shell = subprocess.run(
        ["bash", "-c", f'set -a; . "{template}"; env -0'], capture_output=True, check=True,
        env={"PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    seen = dict(item.split("=", 1) for item in shell.stdout.decode().split("\0") if "=" in item)
    assert {k: seen.get(k) for k in env_file_values(template.read_text())} == env_file_values(
        template.read_text()
    )


def env_file_values(text: str) -> dict[str, str]:
    return dict(
        line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#")
    )


def test_the_environment_file_template_lists_every_setting_and_is_current(tmp_path):
    """deploy/next-steps.env is what `python -m app.settings env-template` writes: every
    setting, with its help; what it sets makes a valid production configuration."""
    from app.settings import env_template

    template = (ROOT / "deploy" / "next-steps.env").read_text()
    assert template == env_template(), (
        "run: python -m app.settings env-template > deploy/next-steps.env"
    )
    named = set(re.findall(r"^#? ?([A-Z_]+)=", template, flags=re.MULTILINE))
    assert named == {name.upper() for name in Settings.model_fields}
    values = env_file_values(template)
    assert not {"SECRET_KEY", "VAPID_PRIVATE_KEY"} & set(values), "no secret in the template"
    for name in ("SECRET_KEY_FILE", "VAPID_PRIVATE_KEY_FILE"):
        here = tmp_path / name
        here.write_text("k" * 40 if name == "SECRET_KEY_FILE" else "pem")
        values[name] = str(here)
    settings = Settings(**{name.lower(): value for name, value in values.items()})
    assert settings.production and settings.secure_cookies and not settings.notify_in_process
    assert settings.sqlalchemy_url.startswith("postgresql+psycopg://")


def test_channel_settings_are_checked(tmp_path):
    key = "test-" + "1" * 36 + "-" + "2" * 36
    (tmp_path / "key").write_text(key + "\n")
    settings = Settings(notify_api_key_file=tmp_path / "key", notify_sms_template_id="t")
    assert settings.notify_api_key == key and settings.texts_on
    assert Settings().texts_on is False and Settings().email_by is None
    assert Settings(smtp_host="127.0.0.1", smtp_from="a@b.org").email_by == "smtp"
    with pytest.raises(ValidationError, match="whole GOV.UK Notify API key"):
        Settings(notify_api_key="short")
    with pytest.raises(ValidationError, match="SMTP_FROM"):
        Settings(smtp_host="127.0.0.1")
    with pytest.raises(ValidationError, match="at least 16"):
        Settings(notify_callback_token="short")
    with pytest.raises(ValidationError, match="never on with"):
        Settings(production=True, public_origin="https://a.example", demo_channels=True)
