"""The birth plan: the parent's sections, supporters' suggestions, the history, "ready to
share", read-only links for professionals and a printable view."""

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from app.birth_plan import service
from app.birth_plan.service import NotFound, ShareRevoked
from app.consent.models import Permission
from app.deps import (
    ClockDep,
    LocaleDep,
    OwnerAccess,
    PagesDep,
    RowId,
    SessionDep,
    parent_access,
    public_origin,
)
from app.forms import FormError

router = APIRouter()

BirthPlanAccess = parent_access(Permission.birth_plan)
Text = Annotated[str, Form(max_length=20_000)]


def _plan_page(request, pages, session, access, extra: dict, status_code: int = 200):
    context = {
        "access": access,
        "view": service.plan_view(session, parent=access.parent),
        "errors": {},
        "new_link": None,
        "label": "",
        "csrf_protected": True,
        **extra,
    }
    if access.is_parent:
        context["shares"] = service.shares(session, parent=access.parent)
    else:
        # A supporter's own suggestions, shown as waiting under their sections.
        context["my_pending"] = service.pending(session, parent=access.parent, author=access.user)
    return pages.render(
        request, "birth_plan/plan.html", context, status_code=status_code, private=True
    )


@router.get("/{locale}/birth-plan/", include_in_schema=False)
def plan(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep, access: BirthPlanAccess
) -> Response:
    """The whole plan, section by section, with sharing for the parent."""
    return _plan_page(request, pages, session, access, {})


@router.get("/{locale}/birth-plan/sections/{section}", include_in_schema=False)
def section_form(
    request: Request,
    loc: LocaleDep,
    pages: PagesDep,
    session: SessionDep,
    access: BirthPlanAccess,
    section: str,
) -> Response:
    """One section to write (the parent) or to suggest a change to (a supporter)."""
    try:
        view = service.section_view(session, parent=access.parent, key=section)
    except NotFound as missing:
        raise HTTPException(status_code=404) from missing
    return pages.render(
        request,
        "birth_plan/section.html",
        {"access": access, "view": view, "form": view.content, "errors": {}},
        private=True,
    )


@router.post("/{locale}/birth-plan/sections/{section}", include_in_schema=False)
def save_section(
    request: Request,
    loc: LocaleDep,
    pages: PagesDep,
    session: SessionDep,
    access: BirthPlanAccess,
    now: ClockDep,
    section: str,
    text: Text = "",
    agreed_by: Text = "",
    agreed_on: Text = "",
) -> Response:
    """Saves the parent's words as a new version, or keeps a supporter's as a suggestion."""
    values = {"text": text, "agreed_by": agreed_by, "agreed_on": agreed_on}
    try:
        change = service.save_section(
            session,
            parent=access.parent,
            author=access.user,
            key=section,
            values=values,
            now=now,
        )
    except NotFound as missing:
        raise HTTPException(status_code=404) from missing
    except FormError as error:
        view = service.section_view(session, parent=access.parent, key=section)
        return pages.render(
            request,
            "birth_plan/section.html",
            {
                "access": access,
                "view": view,
                "form": values,
                "errors": error.translated(loc.translations),
            },
            status_code=400,
            private=True,
        )
    outcome = "saved" if change.status == "saved" else "suggested"
    return RedirectResponse(
        access.url(loc, "/birth-plan/", **{outcome: section}) + f"#section-{section}",
        status_code=303,
    )


@router.get("/{locale}/birth-plan/history", include_in_schema=False)
def history(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep, access: BirthPlanAccess
) -> Response:
    """Suggestions waiting for the parent, then every version: who, when, what changed."""
    return pages.render(
        request,
        "birth_plan/history.html",
        {
            "access": access,
            "pending": service.pending(session, parent=access.parent),
            "changes": service.history(session, parent=access.parent),
            "csrf_protected": True,
        },
        private=True,
    )


def _decide(loc, session, access, now, change_id: int, accept: bool) -> RedirectResponse:
    try:
        service.decide(session, parent=access.parent, change_id=change_id, accept=accept, now=now)
    except NotFound as missing:
        raise HTTPException(status_code=404) from missing
    except FormError:
        pass  # already answered: the history shows how
    outcome = "accepted" if accept else "rejected"
    return RedirectResponse(
        f"/{loc.code}/birth-plan/history?{outcome}={change_id}", status_code=303
    )


@router.post("/{locale}/birth-plan/suggestions/{change_id}/accept", include_in_schema=False)
def accept(
    loc: LocaleDep, session: SessionDep, access: OwnerAccess, now: ClockDep, change_id: RowId
) -> RedirectResponse:
    """The parent takes a supporter's suggestion into the plan."""
    return _decide(loc, session, access, now, change_id, accept=True)


@router.post("/{locale}/birth-plan/suggestions/{change_id}/reject", include_in_schema=False)
def reject(
    loc: LocaleDep, session: SessionDep, access: OwnerAccess, now: ClockDep, change_id: RowId
) -> RedirectResponse:
    """The parent says no to a supporter's suggestion; it stays in the history."""
    return _decide(loc, session, access, now, change_id, accept=False)


@router.post("/{locale}/birth-plan/ready", include_in_schema=False)
def ready(
    request: Request,
    loc: LocaleDep,
    pages: PagesDep,
    session: SessionDep,
    access: OwnerAccess,
    now: ClockDep,
    ready: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """The parent decides the plan is ready to share, or not yet."""
    try:
        service.set_ready(session, parent=access.parent, ready=ready == "yes", now=now)
    except FormError as error:
        return _plan_page(
            request, pages, session, access, {"errors": error.translated(loc.translations)}, 400
        )
    return RedirectResponse(f"/{loc.code}/birth-plan/#sharing", status_code=303)


@router.post("/{locale}/birth-plan/shares", include_in_schema=False)
def share(
    request: Request,
    loc: LocaleDep,
    pages: PagesDep,
    session: SessionDep,
    access: OwnerAccess,
    now: ClockDep,
    label: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """A read-only link for a professional, shown once."""
    try:
        _, token = service.create_share(session, parent=access.parent, label=label, now=now)
    except FormError as error:
        return _plan_page(
            request,
            pages,
            session,
            access,
            {"errors": error.translated(loc.translations), "label": label},
            400,
        )
    link = f"{public_origin(request)}/{loc.code}/birth-plan/shared/{token}"
    return _plan_page(request, pages, session, access, {"new_link": link})


@router.post("/{locale}/birth-plan/shares/{share_id}/revoke", include_in_schema=False)
def revoke(
    loc: LocaleDep, session: SessionDep, access: OwnerAccess, now: ClockDep, share_id: RowId
) -> RedirectResponse:
    """Stops a shared link at once."""
    try:
        service.revoke_share(session, parent=access.parent, share_id=share_id, now=now)
    except NotFound as missing:
        raise HTTPException(status_code=404) from missing
    return RedirectResponse(f"/{loc.code}/birth-plan/?revoked={share_id}#sharing", status_code=303)


@router.get("/{locale}/birth-plan/print", include_in_schema=False)
def printable(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep, access: BirthPlanAccess
) -> Response:
    """The plan on its own, laid out for A4 paper."""
    return pages.render(
        request,
        "birth_plan/print.html",
        {
            "access": access,
            "parent": access.parent,
            "view": service.plan_view(session, parent=access.parent),
        },
        private=True,
    )


@router.get("/{locale}/birth-plan/shared/{token}", include_in_schema=False)
def shared(
    request: Request,
    loc: LocaleDep,
    pages: PagesDep,
    session: SessionDep,
    now: ClockDep,
    token: str,
) -> Response:
    """The plan read-only, for a professional with the parent's link; no account needed."""
    try:
        parent, view = service.open_shared(session, token=token, now=now)
    except NotFound as missing:
        raise HTTPException(status_code=404) from missing
    except ShareRevoked:
        response = pages.render(
            request, "birth_plan/no_longer_shared.html", {}, status_code=410, private=True
        )
    else:
        response = pages.render(
            request,
            "birth_plan/shared.html",
            {"parent": parent, "view": view},
            private=True,
        )
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
