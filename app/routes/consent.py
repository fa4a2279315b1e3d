"""My team (links and what each may do), who has looked, and a supporter's parents."""

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from app.calendar.labels import AGENCY_NAMES
from app.consent import service
from app.consent.models import Permission
from app.consent.service import AccessDenied
from app.deps import (
    ClockDep,
    CurrentUser,
    LinkedAccess,
    LocaleDep,
    OwnerAccess,
    PagesDep,
    RowId,
    SessionDep,
    SettingsDep,
    public_origin,
)
from app.forms import FormError
from app.i18n import LocaleInfo
from app.team import service as team_service

router = APIRouter()


def permission_labels(loc: LocaleInfo) -> dict[str, str]:
    """The four permissions in the reader's language, in a stable order."""
    gettext = loc.translations.gettext
    return {
        Permission.see_appointments.value: gettext("See my appointments"),
        Permission.edit_appointments.value: gettext("Add or change my appointments"),
        Permission.see_pathway.value: gettext("See where I am in the process, and my questions"),
        Permission.birth_plan.value: gettext("See and edit my birth plan"),
    }


def supporter_permission_labels(loc: LocaleInfo, name: str) -> dict[str, str]:
    """The four permissions as a supporter reads them: about the parent, by name."""
    gettext = loc.translations.gettext
    return {
        Permission.see_appointments.value: gettext("See %(name)s's appointments") % {"name": name},
        Permission.edit_appointments.value: gettext("Add or change %(name)s's appointments")
        % {"name": name},
        Permission.see_pathway.value: gettext(
            "See where %(name)s is in the process, and their questions"
        )
        % {"name": name},
        Permission.birth_plan.value: gettext("See and suggest changes to %(name)s's birth plan")
        % {"name": name},
    }


def page_names(loc: LocaleInfo) -> dict[str, str]:
    """What the parent calls each part of their things, by the first part of its address."""
    gettext = loc.translations.gettext
    return {
        "calendar": gettext("My appointments"),
        "where-i-am": gettext("Where I am in the process"),
        "questions": gettext("My questions"),
        "pathway": gettext("What could happen next"),
        "birth-plan": gettext("My birth plan"),
        "team": gettext("My team"),
        "resources": gettext("Shared with you"),
    }


def parent_entries(loc: LocaleInfo, access) -> list[tuple[str, str]]:
    """The parent's pages this supporter may open, as (words, address), in a stable order."""
    gettext = loc.translations.gettext
    name = {"name": access.parent.display_name}
    entries = []
    if access.may(Permission.see_appointments):
        entries.append((gettext("%(name)s's appointments") % name, access.url(loc, "/calendar/")))
    if access.may(Permission.see_pathway):
        entries.append(
            (gettext("Where %(name)s is in the process") % name, access.url(loc, "/where-i-am/"))
        )
        entries.append((gettext("%(name)s's questions") % name, access.url(loc, "/questions/")))
    if access.may(Permission.birth_plan):
        entries.append((gettext("%(name)s's birth plan") % name, access.url(loc, "/birth-plan/")))
    entries.append(
        (gettext("Packs shared with %(name)s") % name, access.url(loc, "/resources/shared"))
    )
    return entries


def _team_page(request, pages, session, loc, access, extra: dict, status_code: int = 200):
    context = {
        "access": access,
        "permission_labels": permission_labels(loc),
        "errors": {},
        "new_code": None,
        "invitation_days": request.app.state.settings.invitation_days,
        "origin": public_origin(request),
        "csrf_protected": True,
        # The professionals working with the parent (app/team), optionally of one agency.
        "members": team_service.members(
            session, parent=access.parent, agency=request.query_params.get("agency")
        ),
        "agency_filter": request.query_params.get("agency", ""),
        "agency_names": {a.value: loc.translations.gettext(n) for a, n in AGENCY_NAMES.items()},
        **extra,
    }
    if access.is_parent:
        context["links"] = service.links_for_parent(session, parent=access.parent)
    else:
        context["entries"] = parent_entries(loc, access)
        context["permission_labels"] = supporter_permission_labels(loc, access.parent.display_name)
    return pages.render(
        request, "consent/team.html", context, status_code=status_code, private=True
    )


@router.get("/{locale}/team/", include_in_schema=False)
def team(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep, access: LinkedAccess
) -> Response:
    """The parent's team; a linked supporter sees what this parent lets them do."""
    return _team_page(request, pages, session, loc, access, {})


@router.get("/{locale}/team", include_in_schema=False)
def team_without_slash(request: Request, loc: LocaleDep) -> RedirectResponse:
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"/{loc.code}/team/{query}", status_code=301)


@router.post("/{locale}/team/invite", include_in_schema=False)
def invite(
    request: Request,
    loc: LocaleDep,
    pages: PagesDep,
    session: SessionDep,
    settings: SettingsDep,
    access: OwnerAccess,
    now: ClockDep,
    permissions: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults
) -> Response:
    """A one-time code (and link) for a supporter, with what they may do."""
    try:
        link, code = service.invite_supporter(
            session,
            parent=access.parent,
            permissions=set(permissions),
            days=settings.invitation_days,
            now=now,
        )
    except FormError as error:
        return _team_page(
            request,
            pages,
            session,
            loc,
            access,
            {"errors": error.translated(loc.translations), "failed_form": "new"},
            status_code=400,
        )
    return _team_page(request, pages, session, loc, access, {"new_code": code, "new_link": link})


@router.post("/{locale}/team/{link_id}/permissions", include_in_schema=False)
def change_permissions(
    request: Request,
    loc: LocaleDep,
    pages: PagesDep,
    session: SessionDep,
    access: OwnerAccess,
    link_id: RowId,
    permissions: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults
) -> Response:
    """New permissions, in force from the supporter's next request."""
    try:
        service.change_permissions(
            session, parent=access.parent, link_id=link_id, permissions=set(permissions)
        )
    except AccessDenied as denied:
        raise HTTPException(status_code=404) from denied
    except FormError as error:
        return _team_page(
            request,
            pages,
            session,
            loc,
            access,
            {"errors": error.translated(loc.translations), "failed_form": f"link-{link_id}"},
            status_code=400,
        )
    return RedirectResponse(f"/{loc.code}/team/?saved={link_id}", status_code=303)


@router.post("/{locale}/team/{link_id}/revoke", include_in_schema=False)
def revoke(
    loc: LocaleDep, session: SessionDep, access: OwnerAccess, now: ClockDep, link_id: RowId
) -> RedirectResponse:
    """Stops a supporter seeing anything, from their next request."""
    try:
        service.revoke(session, parent=access.parent, link_id=link_id, now=now)
    except AccessDenied as denied:
        raise HTTPException(status_code=404) from denied
    return RedirectResponse(f"/{loc.code}/team/?revoked={link_id}", status_code=303)


@router.get("/{locale}/account/who-looked", include_in_schema=False)
def who_looked(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep, access: OwnerAccess
) -> Response:
    """Who has looked at my things: each visit (person, page, hour) with how many loads."""
    return pages.render(
        request,
        "consent/who_looked.html",
        {
            "records": service.access_records(session, parent=access.parent),
            "permission_labels": permission_labels(loc),
            "page_names": page_names(loc),
        },
        private=True,
    )


@router.get("/{locale}/account/parents", include_in_schema=False)
def my_parents(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep, user: CurrentUser
) -> Response:
    """A supporter's list of the parents who have linked them, and nothing else."""
    return pages.render(
        request,
        "consent/parents.html",
        {
            "links": (links := service.parents_for_supporter(session, supporter=user)),
            "labels": {
                view.link.id: supporter_permission_labels(loc, view.person.display_name)
                for view in links
            },
        },
        private=True,
    )


@router.get("/{locale}/account/parents/link", include_in_schema=False)
def link_form(
    request: Request, loc: LocaleDep, pages: PagesDep, user: CurrentUser, code: str = ""
) -> Response:
    return pages.render(
        request, "consent/link.html", {"errors": {}, "values": {"code": code}}, private=True
    )


@router.post("/{locale}/account/parents/link", include_in_schema=False)
def link(
    request: Request,
    loc: LocaleDep,
    pages: PagesDep,
    session: SessionDep,
    user: CurrentUser,
    now: ClockDep,
    code: Annotated[str, Form()] = "",
) -> Response:
    """A supporter uses a parent's one-time code."""
    try:
        service.redeem_code(session, supporter=user, code=code, now=now)
    except FormError as error:
        return pages.render(
            request,
            "consent/link.html",
            {"errors": error.translated(loc.translations), "values": {"code": code}},
            status_code=400,
            private=True,
        )
    return RedirectResponse(f"/{loc.code}/account/parents?linked=1", status_code=303)
