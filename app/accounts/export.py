"""My data: everything held about a parent, as JSON, an iCalendar file and a readable page.

The export is one registry: each room plugs in its own `export()` as a `Section`, naming
the tables whose rows it covers. A table that refers to a person is either in a section
or in `EXCLUDED` with the reason it is left out; `tests/accounts/test_my_data.py` sweeps
every table and fails on one that is neither.
"""

import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from icalendar import Calendar, Timezone
from sqlmodel import Session

from app import localtime
from app.accounts import passkeys, service
from app.accounts.models import User
from app.birth_plan import service as birth_plan
from app.calendar import service as calendar
from app.clock import as_utc
from app.consent import service as consent
from app.notify import service as notify
from app.position import service as position
from app.questions import service as questions
from app.resources import service as resources
from app.resources.directory import Resource
from app.team import service as team

PRODID = "-//Next Steps//My data export//EN"


def _when(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value else None


@dataclass(frozen=True)
class Context:
    """What some sections need besides the person: the national services, for names."""

    national: dict[str, Resource]


@dataclass(frozen=True)
class Section:
    """One room's part of the export: its key in my-data.json, the room's `export()`, and
    the tables whose rows about the person it holds."""

    key: str
    collect: Callable[[Session, User, Context], Any]
    tables: tuple[str, ...]


def _account(session: Session, user: User, _: Context) -> dict:
    organisation = service.organisation_of(session, user=user)
    return {
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
    }


def _sessions(session: Session, user: User, _: Context) -> list[dict]:
    return [
        {
            "device": record.device,
            "shared_phone": record.shared_device,
            "signed_in_at": _when(record.created_at),
            "last_used_at": _when(record.last_seen_at),
            "ends_at": _when(record.expires_at),
        }
        for record in service.list_sessions(session, user=user)
    ]


def _passkeys(session: Session, user: User, _: Context) -> list[dict]:
    return [
        {
            "name": key.name,
            "added_at": _when(key.created_at),
            "last_used_at": _when(key.last_used_at),
        }
        for key in passkeys.list_passkeys(session, user=user)
    ]


def _team(session: Session, user: User, _: Context) -> list[dict]:
    return [
        {
            "name": view.person.display_name if view.person else None,
            "organisation": view.organisation.name if view.organisation else None,
            "may": [permission.value for permission in view.link.permissions],
            "code_made_at": _when(view.link.created_at),
            "linked_at": _when(view.link.accepted_at),
            "ended_at": _when(view.link.revoked_at),
        }
        for view in consent.links_for_parent(session, parent=user)
    ]


def _looks(session: Session, user: User, _: Context) -> list[dict]:
    return [
        {
            "who": record.actor_name,
            "organisation": record.organisation_name,
            "what": record.permission,
            "address": record.path,
            "made_a_change": record.method != "GET",
            "at": _when(record.at),
            "times": record.times,
            "last_at": _when(record.last_at or record.at),
        }
        for record in consent.access_records(session, parent=user, limit=100_000)
    ]


SECTIONS: tuple[Section, ...] = (
    Section("account", _account, ("user", "recovery_code")),
    Section("sessions", _sessions, ("user_session",)),
    Section("passkeys", _passkeys, ("passkey",)),
    Section("team", _team, ("supporter_link",)),
    Section("looks_at_my_things", _looks, ("access_record",)),
    Section("professionals", lambda s, user, _: team.export(s, parent=user), ("team_member",)),
    Section(
        "birth_plan",
        lambda s, user, _: birth_plan.export(s, parent=user),
        (
            "birth_plan",
            "birth_plan_section",
            "birth_plan_change",
            "birth_plan_share",
            "birth_plan_share_open",
        ),
    ),  # fmt: skip
    Section(
        "resources",
        lambda s, user, ctx: resources.export(s, parent=user, national=ctx.national),
        ("saved_resource", "pack_delivery"),
    ),
    Section(
        "calendar",
        lambda s, user, _: calendar.export(s, parent_id=user.id),
        (
            "calendar_source",
            "source_event",
            "appointment",
            "appointment_change",
            "calendar_preferences",
        ),
    ),  # fmt: skip
    Section("questions", lambda s, user, _: questions.export(s, parent=user), ("question",)),
    Section(
        "where_i_am", lambda s, user, _: position.export(s, parent=user), ("pathway_position",)
    ),
    Section(
        "notifications",
        lambda s, user, _: notify.export(s, user=user),
        ("notification_preferences", "push_subscription", "notify_address"),
    ),
)

# Tables that refer to a person but are not in the export, and why.
EXCLUDED: dict[str, str] = {
    "organisation": "An organisation, not a person; the account section names the person's own.",
    "sign_in_failure": "Wrong sign-in attempts, kept only as keyed hashes for minutes, to slow "
    "guessing; there is nothing readable in them.",
    "webauthn_challenge": "A passkey ceremony's random challenge, gone within minutes.",
    "notification_outbox": "Messages waiting to be sent; what they say is already in the "
    "calendar and notifications sections.",
    "text_sent": "A count of texts sent (a time, no words, no number), for the daily cap and "
    "the site's budget.",
    "api_token": "Agency staff's keys for the API: secrets, and never a parent's.",
    "staff_invitation": "An organisation admin's one-time codes for new staff: secrets, and "
    "never a parent's.",
    "local_resource": "A service a worker published for everyone; the parent's saved ones "
    "are in resources.",
    "share_pack": "A worker's pack; the packs shared with the parent are in resources.",
    "share_pack_item": "The services in a worker's pack; listed with each pack shared with "
    "the parent.",
}


def collect(session: Session, *, user: User, national: dict[str, Resource] | None = None) -> dict:
    """Everything held about this person, as plain data: every section in the registry."""
    context = Context(national=national or {})
    data: dict[str, Any] = {"exported_by": "Next Steps"}
    for section in SECTIONS:
        data[section.key] = section.collect(session, user, context)
    return data


def calendar_file(session: Session, *, user: User) -> bytes:
    """Every appointment as RFC 5545 iCalendar, with the zone they are shown in."""
    ics = Calendar.new(prodid=PRODID, name="Next Steps")
    ics.add_component(Timezone.from_tzid(localtime.zone().key))
    for event in calendar.ics_events(calendar.all_appointments(session, parent_id=user.id)):
        ics.add_component(event)
    return ics.to_ical()


def build_zip(
    session: Session,
    *,
    user: User,
    render_html: Callable[[dict], str],
    national: dict[str, Resource] | None = None,
) -> bytes:
    """A zip of my-data.json, calendar.ics and my-data.html."""
    data = collect(session, user=user, national=national)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("my-data.json", json.dumps(data, ensure_ascii=False, indent=2))
        archive.writestr("calendar.ics", calendar_file(session, user=user))
        archive.writestr("my-data.html", render_html(data))
    return buffer.getvalue()
