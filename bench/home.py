"""Home page throughput: the whole app against a bare ASGI app serving the same bytes."""

import gzip
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.load import hammer

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = 3000
CONNECTIONS = 16

BASELINE = """
import gzip
import os
BODY = open(os.environ["BENCH_BODY"], "rb").read()
async def app(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": [
        (b"content-type", b"text/html; charset=utf-8"), (b"content-encoding", b"gzip"),
        (b"content-length", str(len(BODY)).encode())]})
    await send({"type": "http.response.body", "body": BODY})
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(args: list[str], port: int, env: dict | None = None) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            *args,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=ROOT,
        env=env,
    )
    wait_for_port(port)
    return process


def wait_for_port(port: int, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)


def main() -> None:
    import os

    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "DATA_DIR": folder, "DATABASE_URL": f"sqlite:///{folder}/bench.db"}
        subprocess.run(
            [sys.executable, "-m", "alembic", "upgrade", "head"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        app_port = free_port()
        app = serve(["app.asgi:app"], app_port, env)
        try:
            import http.client

            connection = http.client.HTTPConnection("127.0.0.1", app_port)
            connection.request("GET", "/en/")
            body = connection.getresponse().read()
            compressed = Path(folder) / "home.html.gz"
            compressed.write_bytes(gzip.compress(body))
            baseline_script = Path(folder) / "baseline_app.py"
            baseline_script.write_text(BASELINE)
            base_port = free_port()
            baseline = serve(
                ["--app-dir", folder, "baseline_app:app"],
                base_port,
                {**env, "BENCH_BODY": str(compressed)},
            )
            try:
                hammer(app_port, "/en/", requests=300, connections=4)  # warm up both
                hammer(base_port, "/", requests=300, connections=4)
                ours = hammer(app_port, "/en/", requests=REQUESTS, connections=CONNECTIONS)
                theirs = hammer(base_port, "/", requests=REQUESTS, connections=CONNECTIONS)
            finally:
                baseline.terminate()
                baseline.wait()
        finally:
            app.terminate()
            app.wait()
    print(f"home page ({len(body)} bytes, {REQUESTS} requests over {CONNECTIONS} connections)")
    print(ours.line("app"))
    print(theirs.line("baseline"))
    print(f"ratio app/baseline throughput: {ours.per_second / theirs.per_second:.3f}")
