"""Calendar merge: 12 feeds × 500 events with recurrences, then 2× and 4× the events.

Prints our parse + merge + clash time against recurring-ical-events' own parse and
expansion of the same files (measured in the same run), how time grows with the events
(it should grow no faster than linearly), and the cost of a refresh when every feed
answers 304 Not Modified, against plain httpx GETs to the same loopback server.
"""

import datetime as dt
import http.server
import random
import statistics
import threading
import time

import httpx
import icalendar
import recurring_ical_events

from app.calendar.feeds import AddressPolicy, fetch_feed, guarded_client
from app.calendar.ics import Limits, parse_ics
from app.calendar.merge import SourceItem, Timed, flags, merge
from app.calendar.models import Agency, SourceKind

FEEDS = 12
NOW = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
LIMITS = Limits(max_bytes=50 * 1024 * 1024, max_events=100_000, max_occurrences=1_000_000)
AGENCIES = list(Agency)


def make_feed(feed: int, events: int, seed: int) -> bytes:
    """A feed of `events` VEVENTs: one in ten a weekly series of 8 with an exception."""
    rng = random.Random(seed)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//bench//EN"]
    for n in range(events):
        start = NOW + dt.timedelta(days=rng.randrange(0, 300), hours=rng.randrange(8, 17))
        stamp = start.strftime("%Y%m%dT%H%M%SZ")
        end = (start + dt.timedelta(minutes=45)).strftime("%Y%m%dT%H%M%SZ")
        lines += [
            "BEGIN:VEVENT",
            f"UID:feed{feed}-event{n}@bench",
            f"DTSTART:{stamp}",
            f"DTEND:{end}",
            f"SUMMARY:Appointment {n}",
            f"LOCATION:Place {rng.randrange(30)}",
        ]
        if n % 10 == 0:
            skipped = (start + dt.timedelta(weeks=2)).strftime("%Y%m%dT%H%M%SZ")
            lines += ["RRULE:FREQ=WEEKLY;COUNT=8", f"EXDATE:{skipped}"]
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


def ours(feeds: list[bytes]) -> int:
    items = []
    for source_id, data in enumerate(feeds, start=1):
        agency = AGENCIES[source_id % len(AGENCIES)]
        for o in parse_ics(data, now=NOW, limits=LIMITS).occurrences:
            items.append(
                SourceItem(source_id, SourceKind.feed, agency, o.uid, o.recurrence_id, o.start,
                           o.end, summary=o.summary, location=o.location)
            )  # fmt: skip
    merged = merge(items)
    timed = [Timed(i, d.start, d.end, d.location) for i, d in enumerate(merged.values())]
    flags(timed, travel_minutes=45)
    return len(merged)


def baseline(feeds: list[bytes]) -> int:
    window = (NOW - dt.timedelta(days=60), NOW + dt.timedelta(days=400))
    count = 0
    for data in feeds:
        calendar = icalendar.Calendar.from_ical(data.decode())
        count += len(recurring_ical_events.of(calendar).between(*window))
    return count


def best_of(function, argument, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function(argument)
        times.append(time.perf_counter() - start)
    return min(times)


class NotModified(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self.send_response(304)
        self.send_header("ETag", '"same"')
        self.end_headers()

    def log_message(self, *args):
        pass


def refresh_cost() -> tuple[float, float]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NotModified)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    guarded = guarded_client(policy=AddressPolicy(allow_loopback=True))
    plain = httpx.Client()
    try:
        ours_times, plain_times = [], []
        for _ in range(5):
            start = time.perf_counter()
            for feed in range(FEEDS):
                assert fetch_feed(f"{base}/{feed}.ics", client=guarded, etag='"same"').not_modified
            ours_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            for feed in range(FEEDS):
                plain.get(f"{base}/{feed}.ics", headers={"If-None-Match": '"same"'})
            plain_times.append(time.perf_counter() - start)
    finally:
        guarded.close()
        plain.close()
        server.shutdown()
    return statistics.median(ours_times), statistics.median(plain_times)


def main() -> None:
    print(f"calendar merge: {FEEDS} feeds, one event in ten a weekly series of 8")
    results = {}
    for scale in (1, 2, 4):
        events = 500 * scale
        feeds = [make_feed(f, events, seed=f * 1000 + scale) for f in range(FEEDS)]
        mine, theirs = best_of(ours, feeds), best_of(baseline, feeds)
        results[scale] = mine
        print(
            f"{events:>5} events/feed: ours {mine * 1000:8.1f} ms "
            f"library {theirs * 1000:8.1f} ms  ratio ours/library {mine / theirs:.2f}"
        )
    print(
        f"growth: 2x events -> {results[2] / results[1]:.2f}x time, "
        f"4x events -> {results[4] / results[1]:.2f}x time (linear would be 2.00 and 4.00)"
    )
    guarded, plain = refresh_cost()
    print(
        f"refresh with every feed answering 304: {guarded * 1000:.1f} ms for {FEEDS} feeds, "
        f"plain httpx {plain * 1000:.1f} ms, ratio {guarded / plain:.2f}"
    )
