"""The production server's worker: gunicorn manages processes (graceful restarts on HUP,
a worker that dies is replaced), each running uvicorn. See deploy/gunicorn.conf.py.

From uvicorn-worker, since uvicorn's own `uvicorn.workers` is deprecated. Proxy headers
are off here: the app reads X-Forwarded-For itself, and only from TRUSTED_PROXIES (sign-in
limits depend on it); the server's access log is off (the app writes one without the
address asked for, see app/logs.py)."""

from uvicorn_worker import UvicornWorker


class Worker(UvicornWorker):
    CONFIG_KWARGS = {
        "loop": "auto",
        "http": "auto",
        "proxy_headers": False,
        "server_header": False,
        "access_log": False,
    }
