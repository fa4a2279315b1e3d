"""My team's professionals: add, change or remove the people working with a parent.
They are listed on the team page (`/{locale}/team/`, app/routes/consent.py)."""

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from app.calendar.labels import agency_options
from app.deps import ClockDep, LinkedAccess, LocaleDep, PagesDep, RowId, SessionDep
from app.forms import FormError
from app.team import service
from app.team.service import NotFound

router = APIRouter()

Field = Annotated[str, Form(max_length=2000)]


def _form_page(request, pages, loc, access, *, form, member=None, errors=None, status_code=200):
    return pages.render(
        request,
        "team/member.html",
        {
            "access": access,
            "member": member,
            "form": form,
            "errors": errors or {},
            "agency_options": agency_options(loc.translations),
        },
        status_code=status_code,
        private=True,
    )


def _back(loc, access, member_id: int) -> RedirectResponse:
    return RedirectResponse(
        access.url(loc, "/team/", saved_member=member_id) + "#professionals", status_code=303
    )


@router.get("/{locale}/team/people/new", include_in_schema=False)
def new_member(
    request: Request,
    loc: LocaleDep,
    pages: PagesDep,
    session: SessionDep,
    access: LinkedAccess,
    from_link: int | None = None,
) -> Response:
    """The form to add a professional, filled from a linked person's account if asked."""
    form: dict = {}
    # The parent may fill it from anyone they have linked; a linked person from themselves.
    if from_link is not None and (access.is_parent or access.link.id == from_link):
        try:
            form = service.from_link(session, parent=access.parent, link_id=from_link)
        except NotFound as missing:
            raise HTTPException(status_code=404) from missing
    return _form_page(request, pages, loc, access, form=form)


@router.post("/{locale}/team/people", include_in_schema=False)
def add_member(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep,
    access: LinkedAccess, now: ClockDep, name: Field = "", job: Field = "", agency: Field = "",
    phone: Field = "", email: Field = "", working_hours: Field = "", ask_about: Field = "",
    key_worker: Field = "",
) -> Response:  # fmt: skip
    """Adds a professional to the parent's team."""
    form = {
        "name": name, "job": job, "agency": agency, "phone": phone, "email": email,
        "working_hours": working_hours, "ask_about": ask_about, "key_worker": key_worker,
    }  # fmt: skip
    try:
        member = service.save_member(
            session, parent=access.parent, author=access.user, values=form,
            key_worker=key_worker == "yes", now=now,
        )  # fmt: skip
    except FormError as error:
        errors = error.translated(loc.translations)
        return _form_page(request, pages, loc, access, form=form, errors=errors, status_code=400)
    return _back(loc, access, member.id)


@router.get("/{locale}/team/people/{member_id}", include_in_schema=False)
def edit_member(
    request: Request,
    loc: LocaleDep,
    pages: PagesDep,
    session: SessionDep,
    access: LinkedAccess,
    member_id: RowId,
) -> Response:
    """The form to change a professional's details."""
    try:
        member = service.member(session, parent=access.parent, member_id=member_id)
    except NotFound as missing:
        raise HTTPException(status_code=404) from missing
    form = member.model_dump() | {
        "agency": member.agency.value,
        "key_worker": "yes" if member.key_worker else "",
    }
    return _form_page(request, pages, loc, access, form=form, member=member)


@router.post("/{locale}/team/people/{member_id}", include_in_schema=False)
def change_member(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep,
    access: LinkedAccess, now: ClockDep, member_id: RowId, name: Field = "", job: Field = "",
    agency: Field = "", phone: Field = "", email: Field = "", working_hours: Field = "",
    ask_about: Field = "", key_worker: Field = "",
) -> Response:  # fmt: skip
    """Saves a professional's new details."""
    form = {
        "name": name, "job": job, "agency": agency, "phone": phone, "email": email,
        "working_hours": working_hours, "ask_about": ask_about, "key_worker": key_worker,
    }  # fmt: skip
    try:
        member = service.save_member(
            session, parent=access.parent, author=access.user, values=form,
            key_worker=key_worker == "yes", now=now, member_id=member_id,
        )  # fmt: skip
    except NotFound as missing:
        raise HTTPException(status_code=404) from missing
    except FormError as error:
        errors = error.translated(loc.translations)
        found = service.member(session, parent=access.parent, member_id=member_id)
        return _form_page(
            request, pages, loc, access, form=form, member=found, errors=errors, status_code=400
        )
    return _back(loc, access, member.id)


@router.post("/{locale}/team/people/{member_id}/remove", include_in_schema=False)
def remove_member(
    loc: LocaleDep, session: SessionDep, access: LinkedAccess, member_id: RowId
) -> RedirectResponse:
    """Takes a professional off the parent's team."""
    try:
        service.remove_member(session, parent=access.parent, member_id=member_id)
    except NotFound as missing:
        raise HTTPException(status_code=404) from missing
    query = f"parent={access.link.public_id}&" if access.link else ""
    return RedirectResponse(f"/{loc.code}/team/?{query}removed=1#professionals", status_code=303)
