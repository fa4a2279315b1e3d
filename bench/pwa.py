"""Lighthouse (mobile) on home, an explainer, the pathway and the demo parent's calendar.

Lighthouse comes from bench/lighthouse/package-lock.json (`npm ci` there, by this script:
about 190 MB, kept out of make run) and drives Debian's Chromium. Scores are already
relative (0–100 against Lighthouse's own reference): aim for 95+ performance, 100
accessibility, 100 best practices.
"""

import json
import os
import subprocess
import sys
import tempfile

from sqlmodel import Session, select

from bench.home import ROOT, free_port, serve

LIGHTHOUSE_DIR = ROOT / "bench" / "lighthouse"
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run --disable-quic"
)


def lighthouse(url: str, *, cookie: str | None = None) -> dict[str, int]:
    command = [
        "node", str(LIGHTHOUSE_DIR / "node_modules" / "lighthouse" / "cli" / "index.js"), url,
        "--quiet", "--output=json", "--output-path=stdout", "--form-factor=mobile",
        "--only-categories=performance,accessibility,best-practices",
        f"--chrome-flags={CHROME_FLAGS}",
    ]  # fmt: skip
    if cookie:
        command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    result = subprocess.run(
        command, capture_output=True, text=True, check=True,
        env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"},
    )  # fmt: skip
    categories = json.loads(result.stdout)["categories"]
    return {name: round(category["score"] * 100) for name, category in categories.items()}


def main() -> None:
    # `npm ci` trips on a peer-dependency entry npm 11 leaves out of the lock (third-party-web);
    # `npm install --no-save` installs what the lock pins and never rewrites it.
    subprocess.run(["npm", "install", "--no-save", "--no-audit", "--no-fund", "--loglevel=error"],
                   cwd=LIGHTHOUSE_DIR, check=True)  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        origin = f"http://127.0.0.1:{port}"
        env = {**os.environ, "DATA_DIR": folder, "FEEDS_ALLOW_LOOPBACK": "1", "DEMO_FEEDS": "1"}
        subprocess.run([sys.executable, "-m", "alembic", "upgrade", "head"], cwd=ROOT, env=env,
                       check=True, capture_output=True)  # fmt: skip
        subprocess.run([sys.executable, "-m", "app.demo", "--origin", origin], cwd=ROOT,
                       env=env, check=True, capture_output=True)  # fmt: skip
        app = serve(["app.asgi:app"], port, env)
        try:
            cookie = _demo_parent_cookie(env)
            pages = [
                ("home", f"{origin}/en/", None),
                ("explainer", f"{origin}/en/explainers/care-proceedings", None),
                ("pathway", f"{origin}/en/pathway/", None),
                ("calendar", f"{origin}/en/calendar/", cookie),
            ]
            print("Lighthouse 12, mobile; scores out of 100 (aim: 95+, 100, 100)")
            print(f"{'page':<10}{'performance':>13}{'accessibility':>15}{'best practices':>16}")
            for name, url, cookie_for_page in pages:
                scores = lighthouse(url, cookie=cookie_for_page)
                print(f"{name:<10}{scores['performance']:>13}{scores['accessibility']:>15}"
                      f"{scores['best-practices']:>16}")  # fmt: skip
        finally:
            app.terminate()
            app.wait()


def _demo_parent_cookie(env: dict) -> str:
    """A session for the demo parent, made through the accounts service."""
    os.environ.update({k: v for k, v in env.items() if k in {"DATA_DIR"}})
    from app.accounts import service
    from app.accounts.models import User
    from app.db import make_engine
    from app.deps import SESSION_COOKIE
    from app.settings import Settings

    settings = Settings()
    engine = make_engine(settings)
    with Session(engine) as session:
        parent = session.exec(select(User).where(User.username == "demo-parent")).one()
        token = service.start_session(
            session, user=parent, shared_device=False, device="Lighthouse", settings=settings,
            now=__import__("datetime").datetime.now(__import__("datetime").UTC),
        ).token  # fmt: skip
    engine.dispose()
    return f"{SESSION_COOKIE}={token}"
