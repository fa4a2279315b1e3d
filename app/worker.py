"""`python -m app.worker`: sends due notifications, for deployments on PostgreSQL.

Run as many as you like (each with several lanes); they share the work through row locks
(`FOR UPDATE SKIP LOCKED`), so each message goes once. Turn NOTIFY_IN_PROCESS off in the
app when you do. Calendar feeds have their own worker: `python -m app.calendar.worker`.
"""

import argparse
import logging
import signal
import threading

from app import localtime, logs
from app.db import make_engine
from app.notify.channels import build as build_channels
from app.notify.webpush import sender_for
from app.notify.worker import PASS_SECONDS, run_pass
from app.settings import Settings

log = logging.getLogger("next_steps.notify")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lanes", type=int, default=8, help="messages in flight at once")
    parser.add_argument(
        "--idle-seconds", type=float, default=PASS_SECONDS, help="wait when nothing is due"
    )
    args = parser.parse_args(argv)
    settings = Settings()
    logs.configure(settings.log_format, settings.log_level)
    localtime.configure(settings.timezone)
    sender = sender_for(settings, concurrency=max(8, args.lanes * 2))
    channels = build_channels(settings, push_sender=sender)
    if sender is None and channels.text is None and channels.email is None:
        raise SystemExit(
            "Set VAPID_SUBJECT (or an https PUBLIC_ORIGIN), or Notify or SMTP settings: "
            "notifications are off"
        )
    engine = make_engine(settings)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    log.info("notification worker started with %d lanes", args.lanes)
    while not stop.is_set():
        try:
            sent = run_pass(engine, sender, settings, lanes=args.lanes, channels=channels)
        except Exception:
            log.exception("notification pass failed")
            sent = 0
        if not sent:
            stop.wait(args.idle_seconds)
    if sender is not None:
        sender.close()
    engine.dispose()


if __name__ == "__main__":
    main()
