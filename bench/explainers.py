"""An explainer page through the whole app against nginx serving the same bytes from a file.

Both are loaded by wrk (Debian's package) with 64 connections from loopback; nginx and wrk
are installed by this script with apt-get when missing.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.home import ROOT, free_port, serve, wait_for_port

SLUG = "care-proceedings"
CONNECTIONS = 64
DURATION = "8s"

NGINX_CONF = """
worker_processes auto;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {folder}/body; proxy_temp_path {folder}/proxy;
  fastcgi_temp_path {folder}/fastcgi; uwsgi_temp_path {folder}/uwsgi; scgi_temp_path {folder}/scgi;
  gzip on;
  server {{
    listen 127.0.0.1:{port};
    location / {{ root {folder}/www; default_type text/html; }}
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


def wrk(url: str) -> dict[str, float]:
    """Requests per second and latency percentiles (ms) from one wrk run."""
    output = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency",
         "-H", "Accept-Encoding: gzip", url],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip

    def millis(label: str) -> float:
        value, unit = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", output, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": millis("50%"),
        "p99": millis("99%"),
    }


def main() -> None:
    ensure(("nginx-light", "nginx"), ("wrk", "wrk"))
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "DATA_DIR": folder, "DATABASE_URL": f"sqlite:///{folder}/bench.db"}
        subprocess.run(
            [sys.executable, "-m", "alembic", "upgrade", "head"],
            cwd=ROOT, env=env, check=True, capture_output=True,
        )  # fmt: skip
        app_port = free_port()
        app = serve(["app.asgi:app"], app_port, env)
        nginx = None
        try:
            import http.client

            connection = http.client.HTTPConnection("127.0.0.1", app_port)
            connection.request("GET", f"/en/explainers/{SLUG}")
            body = connection.getresponse().read()
            www = Path(folder) / "www" / "en" / "explainers"
            www.mkdir(parents=True)
            (www / SLUG).write_bytes(body)
            nginx_port = free_port()
            conf = Path(folder) / "nginx.conf"
            conf.write_text(NGINX_CONF.format(folder=folder, port=nginx_port))
            nginx = subprocess.Popen(["nginx", "-c", str(conf), "-p", folder])
            wait_for_port(nginx_port)
            path = f"/en/explainers/{SLUG}"
            ours = wrk(f"http://127.0.0.1:{app_port}{path}")
            theirs = wrk(f"http://127.0.0.1:{nginx_port}{path}")
        finally:
            if nginx:
                nginx.terminate()
                nginx.wait()
            app.terminate()
            app.wait()
    print(f"explainer /en/explainers/{SLUG} ({len(body)} bytes), wrk {CONNECTIONS} connections")
    for label, r in (("app", ours), ("nginx", theirs)):
        print(f"{label:<6} {r['rps']:9.0f} req/s   p50 {r['p50']:7.2f} ms   p99 {r['p99']:7.2f} ms")
    print(f"ratio app/nginx throughput: {ours['rps'] / theirs['rps']:.3f}")
