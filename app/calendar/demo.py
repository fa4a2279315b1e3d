"""Demo calendar feeds, served by the app itself when DEMO_FEEDS is on (never in production).

Four agencies, dated from today, so that the demo parent's calendar shows at once a clash
(probation and the perinatal team overlap), a journey too short to make (the midwife, then
a core group across town fifteen minutes later) and a moved appointment (the core group
was first sent for the next afternoon).
"""

import datetime as dt

from app.localtime import at

FEEDS = {
    "midwifery": "Community midwives",
    "childrens_social_care": "Children's social care",
    "probation": "Probation",
    "perinatal_mental_health": "Perinatal mental health team",
}


def _event(uid: str, day: dt.date, start: str, end: str, summary: str, location: str,
           extra: str = "", sequence: int = 0) -> str:  # fmt: skip
    def stamp(clock: str) -> str:
        hour, minute = (int(part) for part in clock.split(":"))
        local = at(day, dt.time(hour, minute))
        return local.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")

    return "\r\n".join(
        [
            "BEGIN:VEVENT",
            f"UID:{uid}@demo.nextsteps",
            "DTSTAMP:20260101T000000Z",
            f"DTSTART:{stamp(start)}",
            f"DTEND:{stamp(end)}",
            f"SUMMARY:{summary}",
            f"LOCATION:{location}",
            f"SEQUENCE:{sequence}",
            *([extra] if extra else []),
            "END:VEVENT",
        ]
    )


def demo_feed(name: str, today: dt.date, *, first_version: bool = False) -> bytes | None:
    """The iCalendar text of one demo agency's feed; `first_version` is what it said before."""
    clash_day, travel_day = today + dt.timedelta(days=3), today + dt.timedelta(days=5)
    events = {
        "midwifery": [
            _event("midwife-series", travel_day, "09:30", "10:15", "Antenatal appointment",
                   "Riverside Health Centre, 12 Mill Lane",
                   "RRULE:FREQ=WEEKLY;COUNT=6\r\nDESCRIPTION:Bring your maternity notes."),
        ],
        "childrens_social_care": [
            _event("core-group", travel_day + dt.timedelta(days=1), "14:00", "15:00",
                   "Core group meeting", "Civic Centre, Room 4", sequence=0)
            if first_version
            else _event("core-group", travel_day, "10:30", "11:30", "Core group meeting",
                        "Civic Centre, Room 4", "DESCRIPTION:Your social worker, midwife and "
                        "health visitor will be there. You can bring a supporter.", sequence=1),
        ],
        "probation": [
            _event("probation", clash_day, "10:30", "11:15", "Probation appointment",
                   "Probation Office, 4 Station Road"),
        ],
        "perinatal_mental_health": [
            _event("perinatal", clash_day, "11:00", "12:00", "Perinatal mental health team",
                   "Maple Unit, St Anne's Hospital"),
        ],
    }.get(name)  # fmt: skip
    if events is None:
        return None
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Next Steps//Demo feed//EN", *events,
             "END:VCALENDAR"]  # fmt: skip
    return ("\r\n".join(lines) + "\r\n").encode()
