"""A page through the whole app against nginx serving the same bytes, on the same core.

Both servers get one process pinned to the same core (`taskset`), and wrk runs pinned to
the other core, so neither side is given more of the machine than the other. nginx sends
a gzip file made beforehand (`gzip_static`), its fastest way; the app answers from the
bytes it prepared on the first request.
A private page (the demo parent's calendar, signed in) is measured beside them: it takes
the app's whole path (session, database, template) every time.
"""

import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench.home import ROOT, free_port, wait_for_port

CONNECTIONS = 64
DURATION = "8s"
SERVER_CORE = "0"
LOAD_CORE = "1"

NGINX_CONF = """
worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {folder}/body; proxy_temp_path {folder}/proxy;
  fastcgi_temp_path {folder}/fastcgi; uwsgi_temp_path {folder}/uwsgi; scgi_temp_path {folder}/scgi;
  {gzip}
  server {{
    listen 127.0.0.1:{port};
    location / {{ root {www}; default_type text/html; index index.html; }}
  }}
}}
"""


def ensure(*packages_and_binaries: tuple[str, str]) -> None:
    missing = [pkg for pkg, binary in packages_and_binaries if not shutil.which(binary)]
    if missing:
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", *missing],
            check=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )


def wrk(url: str, *headers: str) -> dict[str, float]:
    """Requests per second and latency percentiles (ms) from one wrk run on the load core."""
    extra = [arg for header in headers for arg in ("-H", header)]
    output = subprocess.run(
        ["taskset", "-c", LOAD_CORE, "wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}",
         "--latency", "-H", "Accept-Encoding: gzip", *extra, url],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    failed = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    assert not failed, f"{url}: {failed.group(1)} failed responses"

    def millis(label: str) -> float:
        value, unit = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", output, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": millis("50%"),
        "p99": millis("99%"),
    }


BARE_ASGI = """
import os
BODY = open(os.environ["BENCH_BODY"], "rb").read()
HEADERS = [(b"content-type", b"text/html; charset=utf-8"), (b"content-encoding", b"gzip"),
           (b"content-length", str(len(BODY)).encode())]
async def app(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
"""


def _nginx(folder: str, name: str, gzip_line: str, www: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    conf = Path(folder) / f"{name}.conf"
    conf.write_text(NGINX_CONF.format(folder=folder, port=port, gzip=gzip_line, www=www)
                    .replace("nginx.pid", f"{name}.pid"))  # fmt: skip
    process = subprocess.Popen(
        ["taskset", "-c", SERVER_CORE, "nginx", "-c", str(conf), "-p", folder]
    )
    wait_for_port(port)
    return process, port


def _demo_session(folder: str) -> str:
    """Loads the demo data into the bench database; a session token for the demo parent."""
    from sqlmodel import Session, select

    from app.accounts.models import User
    from app.accounts.service import start_session
    from app.db import make_engine
    from app.demo import load_demo_data
    from app.settings import Settings

    settings = Settings(database_url=f"sqlite:///{folder}/bench.db", data_dir=folder)
    engine = make_engine(settings)
    with Session(engine) as session:
        load_demo_data(session, settings=settings)
        parent = session.exec(select(User).where(User.username == "demo-parent")).one()
        token = start_session(
            session, user=parent, shared_device=False, device="bench", settings=settings,
            now=datetime.now(UTC),
        ).token  # fmt: skip
        session.commit()
    engine.dispose()
    return token


def _serve_app(port: int, env: dict) -> subprocess.Popen:
    process = subprocess.Popen(
        ["taskset", "-c", SERVER_CORE, sys.executable, "-m", "uvicorn", "app.asgi:app",
         "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
         "--log-level", "warning", "--no-access-log"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    wait_for_port(port)
    return process


def versus_nginx(name: str, path: str) -> None:
    """Prints req/s and latency for `path` from the app and from nginx, and their ratio."""
    import http.client

    ensure(("nginx-light", "nginx"), ("wrk", "wrk"))
    with tempfile.TemporaryDirectory() as folder:
        # Access logs off on both sides (nginx: access_log off), the app's other logs kept.
        env = {**os.environ, "DATA_DIR": folder, "DATABASE_URL": f"sqlite:///{folder}/bench.db",
               "LOG_LEVEL": "WARNING"}  # fmt: skip
        subprocess.run(
            [sys.executable, "-m", "alembic", "upgrade", "head"],
            cwd=ROOT, env=env, check=True, capture_output=True,
        )  # fmt: skip
        token = _demo_session(folder)
        app_port = free_port()
        app = _serve_app(app_port, env)
        nginx = nginx2 = bare = None
        try:
            connection = http.client.HTTPConnection("127.0.0.1", app_port)
            connection.request("GET", path)
            body = connection.getresponse().read()
            target = Path(folder) / "www" / path.lstrip("/")
            if path.endswith("/"):
                target = target / "index.html"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body)
            target.with_name(target.name + ".gz").write_bytes(gzip.compress(body, 9))
            for folder_or_file in (Path(folder), *Path(folder, "www").rglob("*")):
                folder_or_file.chmod(0o755)  # nginx's workers run as an unprivileged user
            on_the_fly = Path(folder) / "www-gzip"
            shutil.copytree(Path(folder) / "www", on_the_fly, ignore=shutil.ignore_patterns("*.gz"))
            for folder_or_file in (on_the_fly, *on_the_fly.rglob("*")):
                folder_or_file.chmod(0o755)
            nginx, nginx_port = _nginx(folder, "static", "gzip_static on;", Path(folder) / "www")
            nginx2, gzip_port = _nginx(folder, "onthefly", "gzip on;", on_the_fly)
            body_file = Path(folder) / "body.gz"
            body_file.write_bytes(gzip.compress(body, 9))
            (Path(folder) / "bare_asgi.py").write_text(BARE_ASGI)
            bare_port = free_port()
            bare = subprocess.Popen(
                ["taskset", "-c", SERVER_CORE, sys.executable, "-m", "uvicorn", "bare_asgi:app",
                 "--app-dir", folder, "--host", "127.0.0.1", "--port", str(bare_port),
                 "--log-level", "warning", "--no-access-log"],
                env={**env, "BENCH_BODY": str(body_file)},
            )  # fmt: skip
            wait_for_port(bare_port)
            for port in (app_port, nginx_port, gzip_port):  # each answers the page before load
                check = http.client.HTTPConnection("127.0.0.1", port)
                check.request("GET", path)
                answer = check.getresponse()
                assert answer.status == 200 and answer.read() == body, (port, answer.status)
            wrk(f"http://127.0.0.1:{app_port}{path}")  # warm up: the first answer prepares
            ours = wrk(f"http://127.0.0.1:{app_port}{path}")
            theirs = wrk(f"http://127.0.0.1:{nginx_port}{path}")
            compressing = wrk(f"http://127.0.0.1:{gzip_port}{path}")
            ceiling = wrk(f"http://127.0.0.1:{bare_port}/")
            private = wrk(
                f"http://127.0.0.1:{app_port}/en/calendar/", f"Cookie: ns_session={token}"
            )
        finally:
            for server in (nginx, nginx2, bare):
                if server:
                    server.terminate()
                    server.wait()
            app.terminate()
            app.wait()
    print(
        f"{name} {path} ({len(body)} bytes): wrk, {CONNECTIONS} connections, on core {LOAD_CORE}; "
        f"each server one process on core {SERVER_CORE}; access logs off on both"
    )
    rows = (("app", ours), ("nginx", theirs), ("nginx gz†", compressing), ("bare ASGI‡", ceiling),
            ("calendar*", private))  # fmt: skip
    for label, r in rows:
        rps, p50, p99 = r["rps"], r["p50"], r["p99"]
        print(f"{label:<10} {rps:9.0f} req/s   p50 {p50:7.2f} ms   p99 {p99:7.2f} ms")
    print("  * the demo parent's calendar, signed in: the app's whole path, never prepared")
    print("  † nginx compressing each answer (gzip on, level 1), as the first bench did")
    print("  ‡ the same gzip bytes from a four-line ASGI app on the same uvicorn: Python's ceiling")
    print(f"ratio app/nginx throughput: {ours['rps'] / theirs['rps']:.3f}")
    print(f"ratio app/nginx compressing each answer: {ours['rps'] / compressing['rps']:.3f}")
    print(f"ratio app/bare ASGI on uvicorn: {ours['rps'] / ceiling['rps']:.3f}")
