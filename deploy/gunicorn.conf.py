"""gunicorn for Next Steps: `gunicorn -c deploy/gunicorn.conf.py app.asgi:app`.

Each worker process loads the app (content rendered once per process, about 2 s) and serves
with uvicorn; `kill -HUP` (systemctl reload) starts new workers and lets the old ones
finish what they are answering. The command line overrides anything here (--bind,
--workers), as the systemd unit does.
"""

import os

bind = ["127.0.0.1:8001"]
# One worker per core is right for this app (its database calls run in threads); two
# instances of one worker each on two machines ride out a machine; see deploy/README.md.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "app.server.Worker"
timeout = 60  # a worker silent this long is killed and replaced
graceful_timeout = 30  # on restart, requests in flight get this long to finish
keepalive = 5
# Requests past these are refused by gunicorn itself (nginx limits bodies first).
limit_request_line = 8190
limit_request_fields = 100
# gunicorn 23+'s control socket would be one path per user ($HOME/.gunicorn): two instances
# would fight over it, and systemd's ProtectHome forbids it. Signals do the same job.
control_socket_disable = True
accesslog = None  # the app's own access line has no address or query (app/logs.py)
errorlog = "-"
loglevel = "info"
# gunicorn's own lines (start, stop, a worker replaced) as JSON too.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "app.logs.JsonFormatter"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        }
    },
    "root": {"level": "INFO", "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
        "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
    },
}
