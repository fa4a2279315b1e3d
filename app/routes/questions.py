"""My questions: kept on the device for anyone, and with the account for a signed-in parent
(and a linked supporter the parent lets see them)."""

import datetime as dt
import re
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from app.calendar import service as calendar
from app.consent.models import Permission
from app.deps import (
    ClockDep,
    LocaleDep,
    OwnerAccess,
    PagesDep,
    RowId,
    SessionDep,
    optional_parent_access,
    parent_access,
)
from app.forms import FormError
from app.questions import service

router = APIRouter()

SeePathway = parent_access(Permission.see_pathway)
MaybeSeePathway = optional_parent_access(Permission.see_pathway)
# Where "I want to ask about this" in the walk-through sends the asker back to.
WALK_RETURN = re.compile(r"/pathway/[a-z0-9-]+/walk")


def _server_page(request, pages, session, loc, access, now, *, errors=None, status_code=200):
    upcoming = calendar.appointments_between(
        session, parent_id=access.parent.id, start=now - dt.timedelta(days=1),
        end=now + dt.timedelta(days=120), include_cancelled=False,
    )  # fmt: skip
    context = {
        "access": access,
        "questions": (found := service.list_questions(session, parent=access.parent)),
        "added_by": service.added_by_others(session, parent=access.parent, questions=found),
        "appointments": [view.appointment for view in upcoming],
        "errors": errors or {},
        "csrf_protected": True,
    }
    return pages.render(
        request, "questions/account.html", context, status_code=status_code, private=True
    )


@router.get("/{locale}/questions/", include_in_schema=False)
def questions(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep,
    access: MaybeSeePathway, now: ClockDep,
) -> Response:  # fmt: skip
    """The account's list for a signed-in parent (or, with `?parent=`, a linked supporter
    allowed to see it, through the same gate); the device's list for everyone else."""
    if access is None:
        return pages.render(request, "questions/index.html", private=True)
    return _server_page(request, pages, session, loc, access, now)


def _back(loc, access) -> RedirectResponse:
    return RedirectResponse(access.url(loc, "/questions/"), status_code=303)


@router.post("/{locale}/questions/", include_in_schema=False)
def add(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep,
    access: SeePathway, now: ClockDep,
    text: Annotated[str, Form(max_length=2000)] = "",
    about: Annotated[str, Form(max_length=300)] = "",
    appointment_id: Annotated[int | None, Form()] = None,
    client_key: Annotated[str, Form(max_length=64)] = "",
    next: Annotated[str, Form(max_length=20)] = "",
    back: Annotated[str, Form(max_length=120)] = "",
    screen: Annotated[int, Form(ge=0, le=50)] = 0,
    nation: Annotated[str, Form(max_length=10)] = "",
    area: Annotated[str, Form(max_length=80)] = "",
) -> Response:  # fmt: skip
    try:
        service.add_question(
            session, parent=access.parent, author=access.user, text=text, about=about,
            appointment_id=appointment_id, client_key=client_key,
        )  # fmt: skip
    except FormError as error:
        return _server_page(request, pages, session, loc, access, now, status_code=400,
                            errors=error.translated(loc.translations))  # fmt: skip
    if next == "appointment" and appointment_id:
        return RedirectResponse(
            access.url(loc, f"/calendar/appointments/{appointment_id}", done="question"),
            status_code=303,
        )
    if next == "walk" and WALK_RETURN.fullmatch(back):
        return RedirectResponse(
            access.url(loc, back, nation=nation or None, area=area or None, screen=screen,
                       asked=1),
            status_code=303,
        )  # fmt: skip
    return _back(loc, access)


@router.post("/{locale}/questions/keep", include_in_schema=False)
def keep(
    session: SessionDep, access: OwnerAccess,
    text: Annotated[str, Form(max_length=2000)] = "",
    about: Annotated[str, Form(max_length=300)] = "",
    appointment_id: Annotated[str, Form(max_length=12)] = "",
    client_key: Annotated[str, Form(max_length=64)] = "",
) -> Response:  # fmt: skip
    """A question from a page's script (an "ask about this" button, or questions kept on
    the device before signing in) kept with the signed-in parent's account. Anyone not
    signed in is sent to sign in, and the script keeps the question on the device instead.
    An appointment that is not theirs (or gone) leaves the question unattached, not lost."""
    appointment = int(appointment_id) if appointment_id.isdigit() else None
    try:
        try:
            question = service.add_question(
                session, parent=access.parent, author=access.user, text=text, about=about,
                appointment_id=appointment, client_key=client_key,
            )  # fmt: skip
        except FormError as error:
            if "appointment_id" not in error.errors:
                raise
            question = service.add_question(
                session, parent=access.parent, author=access.user, text=text, about=about,
                client_key=client_key,
            )  # fmt: skip
    except FormError:
        return JSONResponse({"kept": False}, status_code=400)
    return JSONResponse({"kept": True, "id": question.id}, headers={"Cache-Control": "no-store"})


@router.post("/{locale}/questions/{question_id}", include_in_schema=False)
def change(
    request: Request, question_id: RowId, loc: LocaleDep, pages: PagesDep, session: SessionDep,
    access: OwnerAccess, now: ClockDep,
    action: Annotated[str, Form(max_length=20)] = "",
    text: Annotated[str, Form(max_length=2000)] = "",
    appointment_id: Annotated[int | None, Form()] = None,
) -> Response:  # fmt: skip
    """Tick off, put back, edit, attach to an appointment, or delete one question: the
    parent's alone (a supporter may see the list and add to it, never change it)."""
    try:
        if action == "delete":
            service.delete_question(session, parent=access.parent, question_id=question_id)
        elif action in {"done", "undone"}:
            service.change_question(session, parent=access.parent, question_id=question_id,
                                    done=action == "done")  # fmt: skip
        elif action == "edit":
            service.change_question(session, parent=access.parent, question_id=question_id,
                                    text=text)  # fmt: skip
        elif action == "attach":
            service.change_question(session, parent=access.parent, question_id=question_id,
                                    appointment_id=appointment_id or None, attach=True)  # fmt: skip
        else:
            raise HTTPException(status_code=400)
    except LookupError as missing:
        raise HTTPException(status_code=404) from missing
    except FormError as error:
        return _server_page(request, pages, session, loc, access, now, status_code=400,
                            errors=error.translated(loc.translations))  # fmt: skip
    return _back(loc, access)
