"""All configuration, from environment variables (or .env), each with a safe local default."""

import os
import secrets
import tempfile
from functools import cached_property
from pathlib import Path
from typing import Literal

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
    secret_key_file: Path | None = Field(
        None,
        description="A file holding SECRET_KEY (e.g. a systemd credential), read at start. "
        "Set this or SECRET_KEY, not both.",
    )
    locales: str = Field(
        "en,cy,pl,ro,pa,ur,pt,es,ar,bn,gu",
        description="Comma-separated locales served, English first. Each needs a catalog in "
        "app/locales/ (English is the source language).",
    )
    default_locale: str = Field("en", description="Locale used when nothing else says which.")
    timezone: str = Field(
        "Europe/London",
        description="IANA zone that dates and times are shown in, that typed-in and floating "
        "times are read in, and that reminders (the evening before, quiet hours) are planned in.",
    )
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
        "Passkeys, share pack links and QR codes are built from it. Empty means the address "
        "of each request (local use only: PRODUCTION needs it set).",
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
        description="The first wait once a sign-in limit is reached; each further set of wrong "
        "tries doubles it, at most 15 minutes. Never a permanent lock.",
    )
    trusted_proxies: str = Field(
        "",
        description="Comma-separated addresses or networks of reverse proxies (e.g. "
        "127.0.0.1 for nginx on the same machine). Only a request from one of these may name "
        "the client's address in X-Forwarded-For; empty means trust no one's header.",
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
    vapid_private_key: str = Field(
        "",
        description="The site's Web Push (VAPID) private key, PEM. Empty means generate one "
        "into DATA_DIR/vapid_private_key.pem on first start and reuse it.",
    )
    vapid_private_key_file: Path | None = Field(
        None,
        description="A file holding VAPID_PRIVATE_KEY (PEM), read at start. Set this or "
        "VAPID_PRIVATE_KEY, not both.",
    )
    vapid_subject: str = Field(
        "",
        description="Who push services may contact about our messages: a real `mailto:` "
        "address or `https:` URL (Apple refuses others; localhost is refused at start-up). "
        "Empty means PUBLIC_ORIGIN when that is https; with neither, notifications are off.",
    )
    notify_in_process: bool = Field(
        True,
        description="Send due notifications from a thread of the app. With several app "
        "instances on PostgreSQL, turn off and run `python -m app.worker` (as many as you like).",
    )
    push_timeout_seconds: float = Field(
        10.0,
        gt=0,
        le=120,
        description="Longest wait for a push service to answer one message; then it is retried.",
    )
    push_ttl_seconds: int = Field(
        4 * 24 * 3600,
        ge=60,
        description="How long a push service keeps a message for a phone that is off "
        "(a reminder never outlives its appointment).",
    )
    push_max_attempts: int = Field(
        8,
        ge=1,
        description="Tries per message on 429, 5xx or timeouts, with exponential back-off "
        "and jitter, before it is given up.",
    )
    push_allow_loopback: bool = Field(
        False,
        description="Accept push addresses on this machine (127.0.0.1) besides the browser "
        "vendors' push services. For tests and the benchmark only: never on a real deployment.",
    )
    notify_api_key: str = Field(
        "",
        description="A GOV.UK Notify API key (`name-serviceid-secret`), for texts and, with "
        "NOTIFY_EMAIL_TEMPLATE_ID, email. Only public bodies (councils, the NHS) may use "
        "Notify. Empty means no texts.",
    )
    notify_api_key_file: Path | None = Field(
        None,
        description="A file holding NOTIFY_API_KEY, read at start. Set this or "
        "NOTIFY_API_KEY, not both.",
    )
    notify_base_url: str = Field(
        "https://api.notifications.service.gov.uk",
        description="GOV.UK Notify's API address. Change only for a test or the demo's "
        "stand-in.",
    )
    notify_sms_template_id: str = Field(
        "",
        description="The Notify text message template to send with: its whole content is "
        "`((body))`. Texts are off without it.",
    )
    notify_email_template_id: str = Field(
        "",
        description="The Notify email template to send with: subject `((subject))`, "
        "content `((body))`. Empty means email goes by SMTP, if SMTP_HOST is set.",
    )
    notify_callback_token: str = Field(
        "",
        description="The bearer token Notify sends with delivery-status callbacks to "
        "/notify/callbacks/status (at least 16 characters). Empty refuses every callback.",
    )
    notify_callback_token_file: Path | None = Field(
        None,
        description="A file holding NOTIFY_CALLBACK_TOKEN, read at start. Set this or "
        "NOTIFY_CALLBACK_TOKEN, not both.",
    )
    smtp_host: str = Field(
        "",
        description="Mail server for email when Notify is not used (any organisation can). "
        "Empty means email goes by Notify if NOTIFY_EMAIL_TEMPLATE_ID is set, else email is off.",
    )
    smtp_port: int = Field(587, ge=1, le=65535, description="The mail server's port.")
    smtp_user: str = Field("", description="User name for the mail server; empty sends no login.")
    smtp_password: str = Field("", description="Password for SMTP_USER.")
    smtp_password_file: Path | None = Field(
        None,
        description="A file holding SMTP_PASSWORD, read at start. Set this or SMTP_PASSWORD, "
        "not both.",
    )
    smtp_from: str = Field(
        "",
        description="The address emails come from, e.g. `Next Steps <noreply@example.org>`. "
        "Needed with SMTP_HOST.",
    )
    smtp_tls: Literal["starttls", "tls", "none"] = Field(
        "starttls",
        description="How the mail server connection is secured: `starttls` (port 587), "
        "`tls` (port 465) or `none` (a relay on this machine only).",
    )
    channel_timeout_seconds: float = Field(
        10.0,
        gt=0,
        le=120,
        description="Longest wait for Notify or the mail server to answer one message; then "
        "it is retried.",
    )
    channel_max_attempts: int = Field(
        6,
        ge=1,
        description="Tries per text or email on Notify 429/5xx or temporary mail errors, with "
        "exponential back-off and jitter, before it is given up.",
    )
    fallback_changes_minutes: int = Field(
        30,
        ge=1,
        description="'Push, then text': a change notice the phone has not shown after this "
        "many minutes goes by text.",
    )
    fallback_reminder_minutes: int = Field(
        120,
        ge=1,
        description="'Push, then text': a reminder the phone has not shown after this many "
        "minutes goes by text (never once the appointment has started).",
    )
    texts_per_parent_per_day: int = Field(
        6,
        ge=1,
        description="Most texts one parent is sent in a day (confirmation codes included); "
        "more wait for the next day.",
    )
    texts_monthly_budget: int = Field(
        5000,
        ge=0,
        description="Most texts the whole site sends in a calendar month; the admin log "
        "warns at 80%. 0 means no limit.",
    )
    demo_channels: bool = Field(
        False,
        description="Send texts and emails to a stand-in inside the app, shown at "
        "/{locale}/demo-messages (`make run` turns it on when there is no Notify key). "
        "Refused with PRODUCTION.",
    )
    content_dir: Path = Field(
        ROOT / "app" / "content",
        description="Folder of explainers, glossary and pathway files (see its README).",
    )
    log_format: Literal["json", "text"] = Field(
        "json",
        description="Logs on standard error: `json` (one object a line, with a request id) "
        "or `text` for reading in a terminal. Neither ever holds personal data.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="The least serious log lines written."
    )

    @model_validator(mode="after")
    def secrets_from_files(self):
        """SECRET_KEY_FILE and VAPID_PRIVATE_KEY_FILE, read once, checked like the values."""
        for name in ("secret_key", "vapid_private_key", "notify_api_key", "notify_callback_token",
                     "smtp_password"):  # fmt: skip
            path = getattr(self, f"{name}_file")
            if path is None:
                continue
            if getattr(self, name):
                raise ValueError(f"Set {name.upper()} or {name.upper()}_FILE, not both")
            try:
                value = Path(path).read_text().strip()
            except OSError as error:
                raise ValueError(f"{name.upper()}_FILE cannot be read: {error.strerror}") from None
            if not value:
                raise ValueError(f"{name.upper()}_FILE is empty")
            if name == "secret_key":
                self.refuse_placeholder(value)
            setattr(self, name, value)
        return self

    @model_validator(mode="after")
    def no_demo_in_production(self):
        if self.production and (
            self.demo_feeds or self.feeds_allow_loopback or self.push_allow_loopback
            or self.demo_channels
        ):
            raise ValueError(
                "DEMO_FEEDS, FEEDS_ALLOW_LOOPBACK, PUSH_ALLOW_LOOPBACK and DEMO_CHANNELS are "
                "never on with PRODUCTION"
            )
        if self.smtp_host and not self.smtp_from:
            raise ValueError("SMTP_HOST needs SMTP_FROM, the address emails come from")
        if self.production and not self.public_origin.startswith("https://"):
            # Links people are given (share packs, QR codes, feeds) must never be built
            # from whatever Host header a request carried.
            raise ValueError("PRODUCTION needs PUBLIC_ORIGIN, an https:// address")
        return self

    @field_validator("vapid_subject")
    @classmethod
    def real_vapid_subject(cls, value: str) -> str:
        if value:
            check_vapid_subject(value)
        return value

    @field_validator("notify_api_key")
    @classmethod
    def real_notify_key(cls, value: str) -> str:
        # name-{service id: a UUID}-{secret: a UUID}, as Notify makes them
        if value and (len(value) < 74 or value[-37] != "-" or value[-74] != "-"):
            raise ValueError("NOTIFY_API_KEY must be a whole GOV.UK Notify API key")
        return value

    @field_validator("notify_callback_token")
    @classmethod
    def long_callback_token(cls, value: str) -> str:
        if value and len(value) < 16:
            raise ValueError("NOTIFY_CALLBACK_TOKEN must be at least 16 characters")
        return value

    @field_validator("timezone")
    @classmethod
    def real_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("TIMEZONE must be an IANA zone such as Europe/London") from None
        return value

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
    def trusted_proxy_networks(self) -> list:
        """TRUSTED_PROXIES as networks (a bare address is a network of one)."""
        import ipaddress

        return [
            ipaddress.ip_network(part.strip(), strict=False)
            for part in self.trusted_proxies.split(",")
            if part.strip()
        ]

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL with the psycopg 3 driver named for PostgreSQL."""
        url = self.database_url or f"sqlite:///{self.data_dir / 'next_steps.db'}"
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url

    @property
    def push_subject(self) -> str | None:
        """The VAPID `sub` to send with, or None when the site has none (push off)."""
        if self.vapid_subject:
            return self.vapid_subject
        origin = self.public_origin.rstrip("/")
        if origin.startswith("https://"):
            try:
                return check_vapid_subject(origin)
            except ValueError:
                return None
        return None

    @property
    def texts_on(self) -> bool:
        """Texts go by GOV.UK Notify: a key and a text template (or the demo's stand-in)."""
        return self.demo_channels or bool(self.notify_api_key and self.notify_sms_template_id)

    @property
    def email_by(self) -> str | None:
        """How email goes: "notify", "smtp", or None when this site sends none."""
        if self.demo_channels or (self.notify_api_key and self.notify_email_template_id):
            return "notify"
        if self.smtp_host:
            return "smtp"
        return None

    def vapid_key_pem(self) -> str:
        """VAPID_PRIVATE_KEY if given, else the key kept in the data folder (made on first use)."""
        if self.vapid_private_key:
            return self.vapid_private_key
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        def make() -> str:
            key = ec.generate_private_key(ec.SECP256R1())
            return key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ).decode()

        return _kept_secret(self.data_dir / "vapid_private_key.pem", make)

    def signing_key(self) -> str:
        """SECRET_KEY if given, else the key kept in the data folder (made on first use)."""
        if self.secret_key:
            return self.secret_key
        return _kept_secret(self.data_dir / "secret_key", lambda: secrets.token_urlsafe(48))


LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0"}


def check_vapid_subject(value: str) -> str:
    """A VAPID subject push services accept: `mailto:` with an address, or an https URL,
    never this machine (Apple's push service refuses those, and nobody could reach us)."""
    from urllib.parse import urlsplit

    if value.startswith("mailto:"):
        address = value[len("mailto:") :]
        local, at, host = address.rpartition("@")
        if not (local and at and "." in host):
            raise ValueError("VAPID_SUBJECT must be a real mailto: address, e.g. mailto:a@b.org")
    elif value.startswith("https://"):
        host = urlsplit(value).hostname or ""
        if "." not in host and host not in LOCAL_HOSTS:
            raise ValueError("VAPID_SUBJECT must be an https address with a real host name")
    else:
        raise ValueError("VAPID_SUBJECT must start with mailto: or https://")
    host = host.lower().strip("[]")
    if host in {h.strip("[]") for h in LOCAL_HOSTS} or host.endswith(".localhost"):
        raise ValueError("VAPID_SUBJECT must not point at this machine (localhost)")
    return value


def _kept_secret(path: Path, make) -> str:
    """The secret in `path`, made by `make()` on first use and kept (mode 600)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside then linked into place, so that two processes starting at
        # once agree on one secret and neither reads a half-written file.
        fd, tmp = tempfile.mkstemp(dir=path.parent)
        with os.fdopen(fd, "w") as handle:
            handle.write(make())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    return path.read_text().strip()


# What deploy/next-steps.env sets on a real server; every other setting is listed there
# commented out, at its default. `python -m app.settings env-template` writes the file and
# a test fails when it and this class disagree.
PRODUCTION_VALUES = {
    "database_url": "postgresql://next_steps@/next_steps",
    "data_dir": "/var/lib/next-steps",
    "secret_key_file": "/etc/next-steps/secret_key",
    "vapid_private_key_file": "/etc/next-steps/vapid_private_key.pem",
    "production": "true",
    "public_origin": "https://nextsteps.example",
    "vapid_subject": "mailto:support@nextsteps.example",
    "secure_cookies": "true",
    "trusted_proxies": "127.0.0.1,::1",
    "notify_in_process": "false",
    "feed_refresh_in_process": "false",
}


def env_template() -> str:
    """The environment file for a server: every setting with its help, production values
    set, the rest commented out at their defaults."""
    import textwrap

    lines = [
        "# Next Steps: the environment of every process (web, workers, migrations, backups).",
        "# Made by `python -m app.settings env-template`; README.md's settings table says",
        "# more. Copy to /etc/next-steps/next-steps.env (mode 640, root:next-steps) and edit",
        "# what is set. Secrets are never written here: the *_FILE settings name files.",
        "",
    ]
    for name, field in Settings.model_fields.items():
        default = field.default
        if isinstance(default, Path):
            default = default.relative_to(ROOT) if default.is_relative_to(ROOT) else default
        shown = (
            ""
            if default is None
            else str(default).lower()
            if isinstance(default, bool)
            else str(default)
        )
        lines += ["# " + line for line in textwrap.wrap(field.description or "", 86)]
        if name in PRODUCTION_VALUES:
            lines.append(f"{name.upper()}={PRODUCTION_VALUES[name]}")
        else:
            lines.append(f"# {name.upper()}={shown}")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["env-template"]:
        sys.stdout.write(env_template())
    else:
        raise SystemExit("usage: python -m app.settings env-template")
