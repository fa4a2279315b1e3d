"""Agenda, week and month as a page shows them: days in TIMEZONE, each with its items."""

import datetime as dt
from dataclasses import dataclass

from app.calendar.service import AppointmentView


@dataclass(frozen=True)
class Day:
    date: dt.date
    items: list[AppointmentView]
    in_month: bool = True


def by_day(
    views: list[AppointmentView], days: list[dt.date], month: int | None = None
) -> list[Day]:
    """The given days, each with the appointments on it (in TIMEZONE): a timed one on the
    day it starts, an all-day one on every day it spans."""
    grouped: dict[dt.date, list[AppointmentView]] = {day: [] for day in days}
    for view in views:
        for day in view.appointment.days:
            if day in grouped:
                grouped[day].append(view)
    return [Day(day, grouped[day], month is None or day.month == month) for day in days]


def week_days(start: dt.date) -> list[dt.date]:
    monday = start - dt.timedelta(days=start.weekday())
    return [monday + dt.timedelta(days=i) for i in range(7)]


def month_days(year: int, month: int) -> list[dt.date]:
    """Whole weeks, Monday first, covering the month."""
    first = dt.date(year, month, 1)
    start = first - dt.timedelta(days=first.weekday())
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    end = following + dt.timedelta(days=(7 - following.weekday()) % 7)
    return [start + dt.timedelta(days=i) for i in range((end - start).days)]


# Views reach only years that can be shown with a week either side; an address for any
# other year (1, 9999) shows today's week or month instead.
FIRST_YEAR, LAST_YEAR = 1900, 2200


def parse_day(value: str | None, fallback: dt.date) -> dt.date:
    try:
        day = dt.date.fromisoformat(value) if value else fallback
    except ValueError:
        return fallback
    return day if FIRST_YEAR <= day.year <= LAST_YEAR else fallback


def parse_month(value: str | None, fallback: dt.date) -> tuple[int, int]:
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        dt.date(year, month, 1)
    except ValueError:
        return fallback.year, fallback.month
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return fallback.year, fallback.month
    return year, month
