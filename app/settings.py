"""All configuration, from environment variables (or .env), each with a safe local default."""

import os
import secrets
import tempfile
from functools import cached_property
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """One settings object; the README's settings table lists every field."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    data_dir: Path = Field(
        ROOT / "data",
        description="Folder for the SQLite database and generated secrets (created if missing).",
    )
    database_url: str = Field(
        "",
        description="SQLAlchemy URL. Empty means SQLite at DATA_DIR/next_steps.db; "
        "`postgresql://…` uses PostgreSQL through psycopg 3.",
    )
    secret_key: str = Field(
        "",
        description="Key that signs cookies and CSRF tokens. Empty means generate one into "
        "DATA_DIR/secret_key on first run and reuse it.",
    )
    locales: str = Field(
        "en,cy,pl,ro,pa,ur,pt,es,ar,bn,gu",
        description="Comma-separated locales served, English first. Each needs a catalog in "
        "app/locales/ (English is the source language).",
    )
    default_locale: str = Field("en", description="Locale used when nothing else says which.")
    timezone: str = Field("Europe/London", description="Zone that dates and times are shown in.")
    quick_exit_url: str = Field(
        "https://www.bbc.co.uk/weather",
        description="Neutral page that 'Leave this site quickly' opens instead of ours.",
    )
    secure_cookies: bool = Field(
        False, description="Mark cookies Secure and send HSTS. Turn on behind HTTPS."
    )
    production: bool = Field(
        False,
        description="Set on a real deployment: the demo accounts (whose passphrases are "
        "public) are then refused.",
    )
    public_origin: str = Field(
        "",
        description="The site's address as browsers see it, e.g. `https://nextsteps.example`. "
        "Passkeys are bound to it. Empty means the address of each request.",
    )
    session_days: int = Field(
        30,
        ge=1,
        description="A signed-in session ends after this many days without use.",
    )
    shared_device_session_minutes: int = Field(
        20,
        ge=1,
        description="On a shared phone ('this is a shared phone' at sign-in) the session ends "
        "this many minutes after sign-in, and when the browser closes.",
    )
    sign_in_account_limit: int = Field(
        5,
        ge=1,
        description="Wrong sign-in attempts allowed for one account name in the window; more "
        "are refused with a message until the oldest falls out of the window.",
    )
    sign_in_address_limit: int = Field(
        20,
        ge=1,
        description="Wrong sign-in attempts allowed from one network address in the window.",
    )
    sign_in_window_seconds: int = Field(
        60,
        ge=1,
        description="Length of the sliding window for the sign-in limits. Never a permanent lock.",
    )
    invitation_days: int = Field(
        7,
        ge=1,
        description="How long a supporter link code or a staff invitation stays usable.",
    )

    feeds_allow_loopback: bool = Field(
        False,
        description="Let calendar feeds be fetched from this machine (127.0.0.1). For the demo "
        "and tests only: never on a real deployment.",
    )
    demo_feeds: bool = Field(
        False,
        description="Serve the demo agencies' calendar feeds at /demo-feeds/ (`make run` turns "
        "it on). Refused with PRODUCTION.",
    )
    feed_refresh_in_process: bool = Field(
        True,
        description="Refresh calendar feeds in a thread of the app. With several app instances "
        "on PostgreSQL, turn off and run `python -m app.calendar.worker` instead.",
    )
    content_dir: Path = Field(
        ROOT / "app" / "content",
        description="Folder of explainers, glossary and pathway files (see its README).",
    )

    @model_validator(mode="after")
    def no_demo_in_production(self):
        if self.production and (self.demo_feeds or self.feeds_allow_loopback):
            raise ValueError("DEMO_FEEDS and FEEDS_ALLOW_LOOPBACK are never on with PRODUCTION")
        return self

    @field_validator("secret_key")
    @classmethod
    def refuse_placeholder(cls, value: str) -> str:
        if value and (len(value) < 32 or value.lower() in {"changeme", "change-me", "secret"}):
            raise ValueError("SECRET_KEY must be at least 32 random characters, or left empty")
        return value

    @cached_property
    def locale_list(self) -> list[str]:
        return [code.strip() for code in self.locales.split(",") if code.strip()]

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL with the psycopg 3 driver named for PostgreSQL."""
        url = self.database_url or f"sqlite:///{self.data_dir / 'next_steps.db'}"
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url

    def signing_key(self) -> str:
        """SECRET_KEY if given, else the key kept in the data folder (made on first use)."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            # Written aside then linked into place, so that two processes starting at
            # once agree on one key and neither reads a half-written file.
            fd, tmp = tempfile.mkstemp(dir=self.data_dir)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
            finally:
                os.unlink(tmp)
        return path.read_text().strip()
