"""Where I am in the process: the parent (or a supporter they allow) marks their step and
its date; the page shows what usually comes next, with guidance dates counted from it."""

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.consent.models import Permission
from app.deps import ClockDep, ContentDep, LocaleDep, PagesDep, SessionDep, parent_access
from app.explainers import pathway as paths
from app.forms import N_, FormError
from app.position import service

router = APIRouter()

SeePosition = parent_access(Permission.see_pathway)


def _page(request, pages, session, content, loc, access, *, errors=None, status_code=200):
    position = service.current(session, parent=access.parent)
    place = service.place_of(content, position)
    context = {
        "access": access,
        "position": position,
        "place": place,
        "ahead": position
        and paths.ahead(content, position.step, place, position.happened_on, loc.code),
        "history": service.history(session, parent=access.parent),
        "steps": [
            paths.step_view(content, step.slug, place, loc.code) for step in content.pathway.steps
        ],
        "names": {
            step.slug: paths.step_view(content, step.slug, place, loc.code).name
            for step in content.pathway.steps
        },
        "areas": content.areas,
        "saved": request.query_params.get("saved") == "1",
        "errors": errors or {},
        "csrf_protected": True,
    }
    return pages.render(
        request, "position/index.html", context, status_code=status_code, private=True
    )


@router.get("/{locale}/where-i-am/", include_in_schema=False)
def where_i_am(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep,
    content: ContentDep, access: SeePosition,
) -> Response:  # fmt: skip
    """The step the parent is at, what usually comes next and when, and the history."""
    return _page(request, pages, session, content, loc, access)


def _date(value: str) -> dt.date | None:
    if not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as bad:
        raise FormError({"happened_on": N_("Enter a real date, for example 12 3 2027.")}) from bad


@router.post("/{locale}/where-i-am/", include_in_schema=False)
def mark(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep,
    content: ContentDep, access: SeePosition, now: ClockDep,
    step: Annotated[str, Form(max_length=80)] = "",
    happened_on: Annotated[str, Form(max_length=20)] = "",
    nation: Annotated[str, Form(max_length=10)] = "",
    area: Annotated[str, Form(max_length=80)] = "",
) -> Response:  # fmt: skip
    """Marks the step (and its date); the page then shows what comes next."""
    try:
        service.mark(
            session, content=content, parent=access.parent, author=access.user, step=step,
            happened_on=_date(happened_on), nation=nation, area=area or None, now=now,
        )  # fmt: skip
    except FormError as error:
        return _page(request, pages, session, content, loc, access, status_code=400,
                     errors=error.translated(loc.translations))  # fmt: skip
    return RedirectResponse(access.url(loc, "/where-i-am/", saved=1), status_code=303)
