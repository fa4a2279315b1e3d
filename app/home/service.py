"""A signed-in parent's home: what matters now, gathered from each room."""

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session

from app.accounts.models import User
from app.birth_plan import service as birth_plan
from app.calendar import service as calendar
from app.calendar.service import AppointmentView
from app.clock import as_utc
from app.resources import service as resources
from app.resources.models import PackDelivery, SharePack

AHEAD = dt.timedelta(days=90)


@dataclass(frozen=True)
class WhatMattersNow:
    next_appointment: AppointmentView | None
    changed: list[AppointmentView]  # moved, new, changed or cancelled since last opened
    clashes: list[AppointmentView]
    suggestions_waiting: int
    packs: list[tuple[PackDelivery, SharePack]]


def what_matters_now(session: Session, *, parent: User, now: dt.datetime) -> WhatMattersNow:
    """The next appointment, what a service changed since the parent last looked, clashes
    to sort out, birth-plan suggestions waiting and packs shared with them."""
    upcoming = calendar.appointments_between(
        session, parent_id=parent.id, start=now, end=now + AHEAD
    )
    live = [view for view in upcoming if not view.appointment.cancelled]
    following = next((v for v in live if as_utc(v.appointment.start) >= now), None)
    changed = [view for view in upcoming if view.news is not None]
    clashes = [view for view in live if view.clash]
    return WhatMattersNow(
        next_appointment=following,
        changed=changed,
        clashes=clashes,
        suggestions_waiting=len(birth_plan.pending(session, parent=parent)),
        packs=resources.deliveries_for(session, parent=parent)[:3],
    )
