"""The calendar: agenda, week, month, one appointment, sources, and the .ics ways out."""

import datetime as dt
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from app import localtime
from app.calendar import demo, service, views
from app.calendar.labels import AGENCY_NAMES, agency_options
from app.consent.models import Permission
from app.deps import (
    ClockDep,
    LocaleDep,
    OwnerAccess,
    PagesDep,
    RowId,
    SessionDep,
    SettingsDep,
    parent_access,
    public_origin,
)
from app.forms import FormError
from app.letters import service as letters
from app.questions import service as questions_service
from app.team import service as team_service

router = APIRouter()


class AppointmentFields(BaseModel):
    """The fields of the appointment form, as the add and edit pages send them."""

    agency: str = Field("", max_length=40)
    summary: str = Field("", max_length=400)
    date: str = Field("", max_length=20)
    start_time: str = Field("", max_length=10)
    end_time: str = Field("", max_length=10)
    location: str = Field("", max_length=600)
    who: str = Field("", max_length=1100)
    what_to_bring: str = Field("", max_length=2100)
    notes: str = Field("", max_length=4100)
    date_checked: str = Field("", max_length=5)  # "Yes, the date is right"
    client_key: str = Field("", max_length=64)  # the offline queue's key: added once
    from_letter: str = Field("", max_length=40)  # read from a letter: the kind of letter

    def values(self) -> dict[str, str]:
        """What the appointment says, as the service and the form take it back."""
        return self.model_dump(exclude={"date_checked", "client_key", "from_letter"})


SeeAppointments = parent_access(Permission.see_appointments)
EditAppointments = parent_access(Permission.edit_appointments)
MAX_UPLOAD = 5 * 1024 * 1024
AGENDA_DAYS = 90


def _context(request: Request, access, loc, **extra) -> dict:
    session = extra.pop("session", None)
    phones = team_service.phones_by_agency(session, parent=access.parent) if session else {}
    from_letters = service.letter_keys(session, parent_id=access.parent.id) if session else set()
    return {
        "access": access,
        "letter_keys": from_letters,
        "team_phones": phones,
        "agency_names": {a.value: loc.translations.gettext(n) for a, n in AGENCY_NAMES.items()},
        "agency_options": agency_options(loc.translations),
        "agency_filter": request.query_params.get("agency", ""),
        "csrf_protected": True,
        "can_edit": access.is_parent or access.link.allows(Permission.edit_appointments),
        **extra,
    }


def _today(now: dt.datetime) -> dt.date:
    return localtime.local_date(now)


@router.get("/{locale}/calendar/", include_in_schema=False)
def agenda(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep,
    access: SeeAppointments, now: ClockDep, agency: str | None = None, past: bool = False,
) -> Response:  # fmt: skip
    """Upcoming appointments as a list, with clashes and journeys flagged."""
    today = _today(now)
    start_day = today - dt.timedelta(days=30) if past else today
    start, _ = localtime.day_bounds(start_day)
    _, end = localtime.day_bounds(today + dt.timedelta(days=AGENDA_DAYS))
    found = service.appointments_between(
        session, parent_id=access.parent.id, start=start, end=end, agency=agency
    )
    # An all-day appointment of several days is listed under each of them.
    on = sorted({d for v in found for d in v.appointment.days if d >= start_day})
    days = views.by_day(found, on)
    sources = service.parent_sources(session, parent_id=access.parent.id)
    context = _context(request, access, loc, session=session, days=days, sources=sources,
                       past=past, view="agenda")  # fmt: skip
    return pages.render(request, "calendar/agenda.html", context, private=True)


@router.get("/{locale}/calendar/week", include_in_schema=False)
def week(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep,
    access: SeeAppointments, now: ClockDep, start: str | None = None, agency: str | None = None,
) -> Response:  # fmt: skip
    days = views.week_days(views.parse_day(start, _today(now)))
    begin, _ = localtime.day_bounds(days[0])
    _, end = localtime.day_bounds(days[-1])
    found = service.appointments_between(
        session, parent_id=access.parent.id, start=begin, end=end, agency=agency
    )
    context = _context(
        request, access, loc, session=session, days=views.by_day(found, days), view="week",
        previous=days[0] - dt.timedelta(days=7), following=days[0] + dt.timedelta(days=7),
    )  # fmt: skip
    return pages.render(request, "calendar/week.html", context, private=True)


@router.get("/{locale}/calendar/month", include_in_schema=False)
def month(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep,
    access: SeeAppointments, now: ClockDep, month: str | None = None, agency: str | None = None,
) -> Response:  # fmt: skip
    year, number = views.parse_month(month, _today(now))
    days = views.month_days(year, number)
    begin, _ = localtime.day_bounds(days[0])
    _, end = localtime.day_bounds(days[-1])
    found = service.appointments_between(
        session, parent_id=access.parent.id, start=begin, end=end, agency=agency
    )
    first = dt.date(year, number, 1)
    context = _context(
        request, access, loc, session=session, days=views.by_day(found, days, number),
        view="month", first=first,
        previous=(first - dt.timedelta(days=1)).strftime("%Y-%m"),
        following=(first + dt.timedelta(days=32)).strftime("%Y-%m"),
    )  # fmt: skip
    return pages.render(request, "calendar/month.html", context, private=True)


@router.get("/{locale}/calendar/appointments/{appointment_id}", include_in_schema=False)
def appointment(
    request: Request, appointment_id: RowId, loc: LocaleDep, pages: PagesDep,
    session: SessionDep, access: SeeAppointments, now: ClockDep,
) -> Response:  # fmt: skip
    detail = service.appointment_detail(
        session, parent_id=access.parent.id, appointment_id=appointment_id
    )
    if detail is None:
        raise HTTPException(status_code=404)
    slug = service.explainer_for(detail.appointment)
    explainer = request.app.state.content.explainer(loc.code, slug) if slug else None
    may_see_questions = access.is_parent or access.link.allows(Permission.see_pathway)
    questions = (
        questions_service.for_appointment(
            session, parent=access.parent, appointment_id=appointment_id
        )
        if may_see_questions
        else []
    )
    typed_in = service.typed_in_event(
        session, parent_id=access.parent.id, appointment=detail.appointment
    )
    if access.is_parent:  # a supporter looking does not make a change old news
        service.mark_seen(session, parent_id=access.parent.id, appointment_id=appointment_id,
                          now=now)  # fmt: skip
    context = _context(
        request, access, loc, session=session, detail=detail, explainer=explainer,
        questions=questions, may_see_questions=may_see_questions, typed_in=typed_in is not None,
        from_letter=typed_in is not None and typed_in.from_letter,
    )  # fmt: skip
    return pages.render(request, "calendar/appointment.html", context, private=True)


def _edit_page(request, loc, pages, access, appointment, form, *, errors=None, status_code=200):
    context = _context(request, access, loc, appointment=appointment, form=form,
                       errors=errors or {})  # fmt: skip
    return pages.render(
        request, "calendar/edit.html", context, status_code=status_code, private=True
    )


@router.get("/{locale}/calendar/appointments/{appointment_id}/edit", include_in_schema=False)
def edit_form(
    request: Request, appointment_id: RowId, loc: LocaleDep, pages: PagesDep,
    session: SessionDep, settings: SettingsDep, access: EditAppointments,
) -> Response:  # fmt: skip
    """Change or move an appointment the parent typed in."""
    detail = service.appointment_detail(
        session, parent_id=access.parent.id, appointment_id=appointment_id
    )
    if (
        detail is None
        or service.typed_in_event(
            session, parent_id=access.parent.id, appointment=detail.appointment
        )
        is None
    ):
        raise HTTPException(status_code=404)
    form = service.form_values(session, parent_id=access.parent.id, appointment=detail.appointment)
    return _edit_page(request, loc, pages, access, detail.appointment, form)


@router.post("/{locale}/calendar/appointments/{appointment_id}/edit", include_in_schema=False)
def edit(
    request: Request, appointment_id: RowId, loc: LocaleDep, pages: PagesDep,
    session: SessionDep, settings: SettingsDep, access: EditAppointments, now: ClockDep,
    fields: Annotated[AppointmentFields, Form()],
) -> Response:  # fmt: skip
    form = fields.values()
    try:
        service.edit_manual(
            session, parent_id=access.parent.id, appointment_id=appointment_id,
            date_checked=bool(fields.date_checked), now=now, **form,
        )  # fmt: skip
    except LookupError as missing:
        raise HTTPException(status_code=404) from missing
    except FormError as error:
        detail = service.appointment_detail(
            session, parent_id=access.parent.id, appointment_id=appointment_id
        )
        return _edit_page(request, loc, pages, access, detail.appointment, form, status_code=400,
                          errors=error.translated(loc.translations))  # fmt: skip
    return _to_appointment(loc, access, appointment_id, "saved")


def _to_appointment(loc, access, appointment_id: int, note: str) -> RedirectResponse:
    return RedirectResponse(
        access.url(loc, f"/calendar/appointments/{appointment_id}", done=note),
        status_code=303,
    )


@router.post("/{locale}/calendar/appointments/{appointment_id}/cancel", include_in_schema=False)
def cancel(
    appointment_id: RowId, loc: LocaleDep, session: SessionDep, access: EditAppointments,
    now: ClockDep, cancelled: Annotated[str, Form(max_length=5)] = "yes",
) -> Response:  # fmt: skip
    """The parent says their own appointment is off, or back on."""
    try:
        service.cancel_manual(session, parent_id=access.parent.id, appointment_id=appointment_id,
                              cancelled=cancelled != "no", now=now)  # fmt: skip
    except LookupError as missing:
        raise HTTPException(status_code=404) from missing
    return _to_appointment(loc, access, appointment_id, "saved")


@router.post("/{locale}/calendar/appointments/{appointment_id}/delete", include_in_schema=False)
def delete_appointment(
    appointment_id: RowId, loc: LocaleDep, session: SessionDep, access: EditAppointments,
    now: ClockDep,
) -> Response:  # fmt: skip
    """Take an appointment the parent typed in off the calendar altogether."""
    try:
        service.delete_manual(
            session, parent_id=access.parent.id, appointment_id=appointment_id, now=now
        )
    except LookupError as missing:
        raise HTTPException(status_code=404) from missing
    return RedirectResponse(access.url(loc, "/calendar/", done="deleted"), status_code=303)


@router.get(
    "/{locale}/calendar/appointments/{appointment_id}/calendar.ics", include_in_schema=False
)
def appointment_ics(
    appointment_id: RowId, session: SessionDep, access: SeeAppointments
) -> Response:
    """One appointment for the phone's own calendar."""
    detail = service.appointment_detail(
        session, parent_id=access.parent.id, appointment_id=appointment_id
    )
    if detail is None:
        raise HTTPException(status_code=404)
    return _ics_response(service.to_ics([detail.appointment]), "appointment.ics")


def _ics_response(data: bytes, filename: str) -> Response:
    return Response(
        data,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": f"attachment; filename={quote(filename)}",
            "Cache-Control": "no-store",
        },
    )


def _sources_page(
    request, loc, pages, session, access, now, *, errors=None, status_code=200, **extra
):
    context = _context(
        request, access, loc,
        sources=service.parent_sources(session, parent_id=access.parent.id),
        errors=errors or {}, form=extra.pop("form", {}), view="sources",
        offer_past=extra.pop("offer_past", False),
        travel_minutes=service.preferences(session, parent_id=access.parent.id).travel_minutes,
        feed_errors={k: loc.translations.gettext(v) for k, v in service.FEED_ERRORS.items()},
        ics_errors={f"ics_{k}": loc.translations.gettext(v) for k, v in service.ICS_ERRORS.items()},
        **extra,
    )  # fmt: skip
    return pages.render(
        request, "calendar/sources.html", context, status_code=status_code, private=True
    )


@router.get("/{locale}/calendar/sources", include_in_schema=False)
def sources(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep,
    access: SeeAppointments, now: ClockDep,
) -> Response:  # fmt: skip
    """Where the appointments come from, how each feed is doing, and ways to add more."""
    return _sources_page(request, loc, pages, session, access, now)


def _back_to_sources(loc, access, note: str) -> RedirectResponse:
    return RedirectResponse(access.url(loc, "/calendar/sources", done=note), status_code=303)


@router.post("/{locale}/calendar/sources/feed", include_in_schema=False)
def add_feed(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep,
    access: EditAppointments, now: ClockDep,
    url: Annotated[str, Form(max_length=2000)] = "",
    agency: Annotated[str, Form(max_length=40)] = "",
    label: Annotated[str, Form(max_length=120)] = "",
) -> Response:  # fmt: skip
    try:
        service.add_feed(
            session, parent_id=access.parent.id, url=url, agency=agency, label=label, now=now
        )
    except FormError as error:
        form = {"url": url, "agency": agency, "label": label}
        return _sources_page(request, loc, pages, session, access, now, status_code=400,
                             errors=error.translated(loc.translations), form=form,
                             failed_form="feed")  # fmt: skip
    request.app.state.refresher.wake()
    return _back_to_sources(loc, access, "feed")


@router.post("/{locale}/calendar/sources/upload", include_in_schema=False)
def upload(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep,
    access: EditAppointments, now: ClockDep,
    file: Annotated[UploadFile | None, File()] = None,
    agency: Annotated[str, Form(max_length=40)] = "",
    keep_past: Annotated[str, Form(max_length=5)] = "",
) -> Response:  # fmt: skip
    # A plain `def`: reading and expanding a calendar is CPU work, so it runs in a worker
    # thread (and ics.py lets two at a time expand), never on the event loop.
    data = file.file.read(MAX_UPLOAD + 1) if file is not None else b""
    try:
        if len(data) > MAX_UPLOAD:
            raise FormError({"file": service.ICS_ERRORS["too_big"]})
        outcome = service.import_file(
            session, parent_id=access.parent.id, data=data, agency=agency,
            label=(file.filename or "") if file else "", now=now, keep_past=bool(keep_past),
        )  # fmt: skip
    except FormError as error:
        errors = error.translated(loc.translations)
        offer_past = bool(getattr(error.errors.get("file"), "plural", ""))
        return _sources_page(request, loc, pages, session, access, now, status_code=400,
                             errors=errors, form={"agency": agency},
                             offer_past=offer_past, failed_form="file")  # fmt: skip
    note = f"upload-{outcome.added_or_updated}-{outcome.cancelled}"
    return _back_to_sources(loc, access, note)


@router.post("/{locale}/calendar/appointments", include_in_schema=False)
def add_appointment(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep,
    settings: SettingsDep, access: EditAppointments, now: ClockDep,
    fields: Annotated[AppointmentFields, Form()],
) -> Response:  # fmt: skip
    form = fields.values()
    try:
        made = service.add_manual(
            session, parent_id=access.parent.id, now=now, client_key=fields.client_key,
            date_checked=bool(fields.date_checked), from_letter=bool(fields.from_letter),
            **form,
        )  # fmt: skip
    except FormError as error:
        if fields.from_letter:
            return _letter_page(request, loc, pages, access, status_code=400, form=form,
                                kind=letters.kind_for(fields.from_letter),
                                errors=error.translated(loc.translations))  # fmt: skip
        return _sources_page(request, loc, pages, session, access, now, status_code=400,
                             errors=error.translated(loc.translations), form=form,
                             failed_form="appointment")  # fmt: skip
    return RedirectResponse(access.url(loc, f"/calendar/appointments/{made.id}"), status_code=303)


def _letter_page(request, loc, pages, access, *, status_code=200, **extra):
    """Choosing a letter to read (no `form`), or checking what we read from one."""
    content = request.app.state.content
    extra["guides"] = [g for g in (content.explainer(loc.code, slug)
                                   for slug in letters.guides(extra.get("kind"))) if g]  # fmt: skip
    extra.setdefault("errors", {})
    context = _context(request, access, loc, can_read=letters.available(), view="sources",
                       letter_errors={k: loc.translations.gettext(v)
                                      for k, v in letters.ERRORS.items()},
                       **extra)  # fmt: skip
    return pages.render(request, "calendar/letter.html", context, status_code=status_code,
                        private=True)  # fmt: skip


@router.get("/{locale}/calendar/letters/new", include_in_schema=False)
def new_letter(
    request: Request, loc: LocaleDep, pages: PagesDep, access: EditAppointments
) -> Response:
    """Take a photo of a letter, or choose a file of one, to read into the calendar."""
    return _letter_page(request, loc, pages, access)


async def _body(request: Request, limit: int) -> bytes | None:
    """The request body in memory, or None once it passes `limit` bytes."""
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            return None
    return bytes(body)


@router.post("/{locale}/calendar/letters", include_in_schema=False)
async def read_letter(
    request: Request, loc: LocaleDep, pages: PagesDep, access: EditAppointments, now: ClockDep
) -> Response:
    """Read a letter and show the add-appointment form filled in, to check: nothing is
    saved until the form is sent. The picture stays in memory and is then forgotten."""
    body = await _body(request, letters.BODY_LIMIT)
    try:
        data = letters.letter_in(body, request.headers.get("content-type", ""))
        del body
        reading = await run_in_threadpool(letters.read_letter, data, today=_today(now))
    except letters.LetterError as error:
        if error.code == "unavailable":
            return _letter_page(request, loc, pages, access, status_code=503)
        message = loc.translations.gettext(letters.ERRORS[error.code])
        return _letter_page(request, loc, pages, access, status_code=400,
                            errors={"letter": message})  # fmt: skip
    form, unread = letters.form_values(reading, loc.translations.gettext)
    return _letter_page(request, loc, pages, access, form=form, unread=unread,
                        kind=letters.kind_for(reading.kind), reading=reading)  # fmt: skip


@router.post("/{locale}/calendar/sources/{source_id}/refresh", include_in_schema=False)
def refresh(
    request: Request, source_id: RowId, loc: LocaleDep, session: SessionDep,
    access: EditAppointments, now: ClockDep,
) -> Response:  # fmt: skip
    source = next(
        (
            s
            for s in service.parent_sources(session, parent_id=access.parent.id)
            if s.id == source_id
        ),
        None,
    )
    if source is None or source.feed_url is None:
        raise HTTPException(status_code=404)
    service.refresh_source(session, source=source, client=request.app.state.feed_client, now=now)
    return _back_to_sources(loc, access, "refreshed")


def _removal_page(request, loc, pages, session, access, source_id, *, errors=None,
                  status_code=200):  # fmt: skip
    try:
        preview = service.preview_removal(session, parent_id=access.parent.id, source_id=source_id)
    except LookupError as missing:
        raise HTTPException(status_code=404) from missing
    context = _context(request, access, loc, preview=preview, errors=errors or {})
    source = preview.source
    context["calendar_name"] = source.label or context["agency_names"][source.agency]
    return pages.render(
        request, "calendar/remove.html", context, status_code=status_code, private=True
    )


@router.get("/{locale}/calendar/sources/{source_id}/delete", include_in_schema=False)
def confirm_delete(
    request: Request, source_id: RowId, loc: LocaleDep, pages: PagesDep, session: SessionDep,
    access: EditAppointments,
) -> Response:  # fmt: skip
    """Before a calendar goes: what happens to its appointments, and the choice to keep them."""
    return _removal_page(request, loc, pages, session, access, source_id)


@router.post("/{locale}/calendar/sources/{source_id}/delete", include_in_schema=False)
def delete(
    request: Request, source_id: RowId, loc: LocaleDep, pages: PagesDep, session: SessionDep,
    access: EditAppointments, now: ClockDep, what: Annotated[str, Form(max_length=10)] = "",
) -> Response:  # fmt: skip
    if what not in {"remove", "keep"}:
        errors = {"what": loc.translations.gettext(
            "Choose whether to take the appointments off your calendar or keep them.")}  # fmt: skip
        return _removal_page(request, loc, pages, session, access, source_id, errors=errors,
                             status_code=400)  # fmt: skip
    try:
        service.delete_source(session, parent_id=access.parent.id, source_id=source_id,
                              keep=what == "keep", now=now)  # fmt: skip
    except LookupError as missing:
        raise HTTPException(status_code=404) from missing
    return _back_to_sources(loc, access, "removed-kept" if what == "keep" else "removed")


@router.post("/{locale}/calendar/settings", include_in_schema=False)
def travel(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep,
    access: OwnerAccess, now: ClockDep, travel_minutes: Annotated[str, Form(max_length=5)] = "",
) -> Response:  # fmt: skip
    try:
        minutes = int(travel_minutes)
        service.set_travel_minutes(session, parent_id=access.parent.id, minutes=minutes)
    except (ValueError, FormError):
        errors = {
            "travel_minutes": loc.translations.gettext("Enter a number of minutes from 0 to 240.")
        }
        return _sources_page(
            request,
            loc,
            pages,
            session,
            access,
            now,
            status_code=400,
            errors=errors,
            failed_form="travel",
        )
    return _back_to_sources(loc, access, "saved")


@router.post("/{locale}/calendar/subscribe", include_in_schema=False)
def subscribe(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep,
    access: OwnerAccess, now: ClockDep,
) -> Response:  # fmt: skip
    """A new private address for the whole calendar; any old one stops working."""
    token = service.reset_feed_token(session, parent_id=access.parent.id)
    address = f"{public_origin(request)}/calendar/{token}.ics"
    return _sources_page(request, loc, pages, session, access, now, subscribe_url=address)


@router.get("/calendar/{token}.ics", include_in_schema=False)
def private_feed(token: str, session: SessionDep, now: ClockDep) -> Response:
    """The parent's merged calendar for their phone to subscribe to; the token is the key."""
    parent_id = service.parent_for_feed_token(session, token=token)
    if parent_id is None:
        raise HTTPException(status_code=404)
    appointments = service.upcoming_for_export(session, parent_id=parent_id, now=now)
    return _ics_response(service.to_ics(appointments), "next-steps.ics")


@router.get("/demo-feeds/{name}.ics", include_in_schema=False)
def demo_feed(name: str, settings: SettingsDep, now: ClockDep) -> Response:
    """The demo agencies' feeds (only with DEMO_FEEDS), dated from today."""
    body = demo.demo_feed(name, localtime.local_date(now)) if settings.demo_feeds else None
    if body is None:
        raise HTTPException(status_code=404)
    return Response(body, media_type="text/calendar; charset=utf-8")
