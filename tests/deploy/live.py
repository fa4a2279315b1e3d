"""Real processes for the deployment tests: gunicorn app instances, notification workers,
nginx, and a browser-like HTTP client that keeps its own cookies and fills in CSRF tokens.

Everything listens on 127.0.0.1 only. Each process gets a minimal environment of its own
(nothing of the test runner's leaks in) and its own process group, so a test can kill an
instance whole (`SIGKILL` to the group) as a crash would.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from app.settings import ROOT

BIN = Path(sys.executable).parent
CSRF_INPUT = re.compile(r'name="csrftoken" value="([^"]+)"')
CSRF_HEADER = re.compile(r'"x-csrftoken": "([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def app_env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of an app process: what a deployment's environment file sets."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "DATABASE_URL": database_url,
        "DATA_DIR": str(data_dir),
        "VAPID_SUBJECT": "mailto:tests@nextsteps.example",
        "NOTIFY_IN_PROCESS": "false",
        "FEED_REFRESH_IN_PROCESS": "false",
        "QUICK_EXIT_URL": "http://127.0.0.1:9/neutral",
        "LOG_FORMAT": "json",
        **extra,
    }


class Process:
    """A child process in its own group, its standard error kept in a file."""

    def __init__(self, name: str, args: list[str], env: dict, logs: Path) -> None:
        self.name = name
        self.log_path = logs / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.popen = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        """As a crash: every process of the group at once, no warning."""
        if self.alive():
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=30)

    def stop(self, timeout: float = 30) -> int:
        """As systemd stops a unit: SIGTERM, then SIGKILL if it lingers."""
        if self.alive():
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()
        return self.popen.returncode

    def output(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")


def gunicorn(name: str, port: int, env: dict, logs: Path, workers: int = 1) -> Process:
    """An app instance as the systemd unit runs it (deploy/gunicorn.conf.py)."""
    return Process(
        name,
        [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py",
         "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "app.asgi:app"],
        env, logs,
    )  # fmt: skip


def worker(name: str, env: dict, logs: Path, lanes: int = 4) -> Process:
    """A notification worker as its systemd unit runs it."""
    return Process(
        name,
        [str(BIN / "python"), "-m", "app.worker", "--lanes", str(lanes), "--idle-seconds", "0.2"],
        env, logs,
    )  # fmt: skip


def wait_until_ready(url: str, process: Process | None = None, timeout: float = 120) -> None:
    """Waits for `url` (a /readyz) to answer 200; fails early if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and not process.alive():
            raise AssertionError(f"{process.name} exited:\n{process.output()[-3000:]}")
        try:
            if httpx.get(url, timeout=2, verify=False).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} not ready after {timeout} s")


class Browser:
    """A person's browser: its own cookies (sent over plain http too, as a proxy in front
    would see them), and the CSRF token each form page carries."""

    def __init__(self, base: str, *, verify=True, timeout: float = 30) -> None:
        self.base = base
        self.cookies: dict[str, str] = {}
        self.http = httpx.Client(verify=verify, timeout=timeout, follow_redirects=False)
        self.token = ""

    def close(self) -> None:
        self.http.close()

    def _remember(self, response: httpx.Response) -> httpx.Response:
        for header in response.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if "max-age=0" in header.lower() or not value or value == '""':
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        found = CSRF_INPUT.search(response.text) or CSRF_HEADER.search(response.text)
        if found:
            self.token = found.group(1)
        return response

    def request(self, method: str, path: str, *, base: str | None = None, **kwargs):
        headers = dict(kwargs.pop("headers", {}))
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.http.cookies.clear()
        response = self.http.request(method, (base or self.base) + path, headers=headers, **kwargs)
        return self._remember(response)

    def get(self, path: str, **kwargs) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def form(self, page: str, action: str, data: dict, **kwargs) -> httpx.Response:
        """Opens the form's page (for its token), then posts the form."""
        self.get(page, base=kwargs.get("base"))
        return self.request("POST", action, data={**data, "csrftoken": self.token}, **kwargs)

    def sign_in(self, name: str, passphrase: str, **kwargs) -> httpx.Response:
        return self.form(
            "/en/sign-in", "/en/sign-in", {"name": name, "passphrase": passphrase}, **kwargs
        )
