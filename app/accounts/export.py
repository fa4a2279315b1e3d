"""My data: everything held about a parent, as JSON, an iCalendar file and a readable page."""

import io
import json
import zipfile
from collections.abc import Callable
from datetime import datetime

from icalendar import Calendar, Timezone
from sqlmodel import Session

from app.accounts import passkeys, service
from app.accounts.models import User, as_utc
from app.birth_plan import service as birth_plan
from app.consent import service as consent
from app.resources import service as resources
from app.resources.directory import Resource
from app.team import service as team

PRODID = "-//Next Steps//My data export//EN"


def _when(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value else None


def collect(session: Session, *, user: User, national: dict[str, Resource] | None = None) -> dict:
    """Everything held about this person, as plain data."""
    organisation = service.organisation_of(session, user=user)
    return {
        "exported_by": "Next Steps",
        "account": {
            "name": user.display_name,
            "sign_in_name": user.username,
            "role": user.role.value,
            "organisation": organisation.name if organisation else None,
            "email": user.email,
            "phone": user.phone,
            "language": user.locale,
            "created_at": _when(user.created_at),
            "has_passphrase": user.passphrase_hash is not None,
            "recovery_codes_left": service.unused_recovery_codes(session, user=user),
        },
        "sessions": [
            {
                "device": record.device,
                "shared_phone": record.shared_device,
                "signed_in_at": _when(record.created_at),
                "last_used_at": _when(record.last_seen_at),
                "ends_at": _when(record.expires_at),
            }
            for record in service.list_sessions(session, user=user)
        ],
        "passkeys": [
            {
                "name": key.name,
                "added_at": _when(key.created_at),
                "last_used_at": _when(key.last_used_at),
            }
            for key in passkeys.list_passkeys(session, user=user)
        ],
        "team": [
            {
                "name": view.person.display_name if view.person else None,
                "organisation": view.organisation.name if view.organisation else None,
                "may": [permission.value for permission in view.link.permissions],
                "code_made_at": _when(view.link.created_at),
                "linked_at": _when(view.link.accepted_at),
                "ended_at": _when(view.link.revoked_at),
            }
            for view in consent.links_for_parent(session, parent=user)
        ],
        "looks_at_my_things": [
            {
                "who": record.actor_name,
                "organisation": record.organisation_name,
                "what": record.permission,
                "address": record.path,
                "at": _when(record.at),
            }
            for record in consent.access_records(session, parent=user, limit=100_000)
        ],
        "professionals": team.export(session, parent=user),
        "birth_plan": birth_plan.export(session, parent=user),
        "resources": resources.export(session, parent=user, national=national or {}),
        # The calendar arrives with its own feature; the .ics file in the export holds it.
        "appointments": [],
    }


def calendar_file(*, data: dict, timezone: str) -> bytes:
    """The person's appointments as RFC 5545 iCalendar, with the zone they are shown in."""
    calendar = Calendar.new(prodid=PRODID, name="Next Steps")
    # RFC 5545 wants at least one component; the zone the appointments use is one.
    calendar.add_component(Timezone.from_tzid(timezone))
    return calendar.to_ical()


def build_zip(
    session: Session,
    *,
    user: User,
    timezone: str,
    render_html: Callable[[dict], str],
    national: dict[str, Resource] | None = None,
) -> bytes:
    """A zip of my-data.json, calendar.ics and my-data.html."""
    data = collect(session, user=user, national=national)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("my-data.json", json.dumps(data, ensure_ascii=False, indent=2))
        archive.writestr("calendar.ics", calendar_file(data=data, timezone=timezone))
        archive.writestr("my-data.html", render_html(data))
    return buffer.getvalue()
