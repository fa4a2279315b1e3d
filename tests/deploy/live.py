"""Real processes for the deployment tests: gunicorn app instances, notification workers,
nginx, and a browser-like HTTP client that keeps its own cookies and fills in CSRF tokens.

Everything listens on 127.0.0.1 only. Each process gets a minimal environment of its own
(nothing of the test runner's leaks in) and its own process group, so a test can kill an
instance whole (`SIGKILL` to the group) as a crash would.
"""

import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx

from app.settings import ROOT

BIN = Path(sys.executable).parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
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
        if not self._log.closed:
            self._log.close()
        return self.popen.returncode

    def output(self) -> str:
        if not self._log.closed:
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
        if isinstance(verify, str | Path):  # a certificate to trust, and only that
            verify = ssl.create_default_context(cafile=str(verify))
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


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, made here (the `cryptography` package),
    and its key; clients trust exactly this certificate."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "nextsteps.test")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


SHIPPED_UPSTREAMS = (
    "    server 127.0.0.1:8001 max_fails=1 fail_timeout=10s;\n"
    "    server 127.0.0.1:8002 max_fails=1 fail_timeout=10s;\n"
)


class Nginx:
    """deploy/nginx/next-steps.conf itself, with only its addresses, paths and certificate
    swapped for this test's, run by Debian's nginx on loopback."""

    def __init__(self, folder: Path, *, upstreams: list[int], static_root: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.cert, key = self_signed_certificate(folder)
        self.http_port, self.https_port = free_port(), free_port()
        site = (ROOT / "deploy" / "nginx" / "next-steps.conf").read_text()
        swaps = {
            SHIPPED_UPSTREAMS: "".join(
                f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;\n" for port in upstreams
            ),
            "listen 80;": f"listen 127.0.0.1:{self.http_port};",
            "listen [::]:80;": "",
            "listen 443 ssl http2;": f"listen 127.0.0.1:{self.https_port} ssl http2;",
            "listen [::]:443 ssl http2;": "",
            "/var/log/nginx/": f"{folder}/",
            "/etc/letsencrypt/live/nextsteps.example/fullchain.pem": str(self.cert),
            "/etc/letsencrypt/live/nextsteps.example/privkey.pem": str(key),
            "root /var/www/next-steps;": f"root {static_root};",
            "/etc/nginx/next-steps-proxy.conf": str(
                ROOT / "deploy" / "nginx" / "next-steps-proxy.conf"
            ),
            "/var/www/letsencrypt": str(folder / "acme"),
        }
        for shipped, here in swaps.items():
            assert shipped in site, f"deploy/nginx/next-steps.conf no longer has {shipped!r}"
            site = site.replace(shipped, here)
        (folder / "site.conf").write_text(site)
        temp = "\n".join(
            f"    {kind}_temp_path {folder}/{kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (folder / "nginx.conf").write_text(
            ("user root;\n" if os.geteuid() == 0 else "")
            + f"pid {folder}/nginx.pid;\nworker_processes 1;\ndaemon off;\n"
            f"error_log {folder}/main-error.log warn;\n"
            "events { worker_connections 1024; }\n"
            "http {\n    include /etc/nginx/mime.types;\n    access_log off;\n"
            f"{temp}\n    include {folder}/site.conf;\n}}\n"
        )
        checked = subprocess.run(
            [NGINX, "-t", "-q", "-e", f"{folder}/main-error.log", "-c", f"{folder}/nginx.conf"],
            capture_output=True, text=True,
        )  # fmt: skip
        assert checked.returncode == 0, checked.stderr
        self.process = Process(
            "nginx",
            [NGINX, "-e", f"{folder}/main-error.log", "-c", f"{folder}/nginx.conf"],
            {"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
            folder,
        )
        self.base = f"https://127.0.0.1:{self.https_port}"

    def access_lines(self) -> list[str]:
        path = self.folder / "next-steps.access.log"
        return path.read_text().splitlines() if path.exists() else []

    def all_logs(self) -> str:
        return "\n".join(
            path.read_text(errors="replace") for path in sorted(self.folder.glob("*.log"))
        )

    def stop(self) -> None:
        self.process.stop()
