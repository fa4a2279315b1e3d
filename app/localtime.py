"""The zone that dates and times are shown, planned and read in: TIMEZONE, read here only.

A deployment has one zone, fixed for the life of a process. Whoever builds the process
from its settings (`create_app`, the workers, the demo loader) calls `configure()`; a
process that never does gets the zone of `Settings()`, as read from the environment.
Calendar views (days from midnight to midnight), floating times in calendar files, all-day
events sent out, reminder times ("the evening before"), quiet hours and the words of a
notification all ask `zone()`.
"""

import datetime as dt
from zoneinfo import ZoneInfo

_zone: ZoneInfo | None = None


def configure(name: str) -> ZoneInfo:
    """Makes `name` (an IANA zone such as Europe/London) this process's zone."""
    global _zone
    _zone = ZoneInfo(name)
    return _zone


def zone() -> ZoneInfo:
    """This process's zone (TIMEZONE)."""
    if _zone is None:
        from app.settings import Settings

        return configure(Settings().timezone)
    return _zone


def local_date(moment: dt.datetime) -> dt.date:
    """The date a moment falls on here (a naive moment is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(zone()).date()


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Midnight to midnight here, in UTC (23 or 25 hours on clock-change days)."""
    here = zone()
    start = dt.datetime.combine(day, dt.time(0), here)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), here)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def at(day: dt.date, clock: dt.time) -> dt.datetime:
    """The moment (aware, in this zone) that a date and a wall-clock time name here."""
    return dt.datetime.combine(day, clock, zone())
