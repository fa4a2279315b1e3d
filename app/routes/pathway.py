"""The pathway: every step as a list and a map, one step, and the walk-through."""

from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from app.caching import prepare
from app.consent.models import Permission
from app.deps import (
    ContentDep,
    LocaleDep,
    PagesDep,
    SessionDep,
    SettingsDep,
    optional_parent_access,
)
from app.explainers import pathway as paths
from app.explainers import service
from app.position import service as position_service

router = APIRouter()

# The parent's own things (their step), or a linked supporter's view with `?parent=`; the
# same public page for everyone else.
MaybeSeePathway = optional_parent_access(Permission.see_pathway)

PLACE_COOKIE = "place"
ONE_YEAR = 365 * 24 * 3600


def _place(request: Request, content) -> paths.Place | RedirectResponse:
    """The place in the query; else the remembered one, by redirect, so links stay shareable."""
    query = request.query_params
    if "nation" in query:
        return paths.resolve_place(content, nation=query.get("nation"), area=query.get("area"))
    remembered = request.cookies.get(PLACE_COOKIE)
    if remembered:
        nation, _, area = remembered.partition(":")
        place = paths.resolve_place(content, nation=nation, area=area or None)
        kept = urlencode([(k, v) for k, v in query.multi_items() if k not in {"nation", "area"}])
        return RedirectResponse(
            request.url.path + place.query() + (f"&{kept}" if kept else ""),
            status_code=302,
            headers={"Vary": "Cookie", "Cache-Control": "private, no-cache"},
        )
    return paths.Place()


def _remember(response: Response, request: Request, place: paths.Place, secure: bool) -> None:
    if "nation" in request.query_params:
        value = place.nation.value + (f":{place.area}" if place.area else "")
        response.set_cookie(
            PLACE_COOKIE, value, max_age=ONE_YEAR, httponly=True, samesite="lax", secure=secure
        )


def _walk_labels(loc) -> dict[str, str]:
    gettext = loc.translations.gettext
    return {
        "how_long": gettext("How long does it take?"),
        "rights_heading": gettext("Your rights at this step"),
        "rights_text": gettext(
            "You can bring someone you trust. You can ask for an interpreter. "
            "You can get free legal advice."
        ),
    }


def _publish(response: Response, access) -> Response:
    """Public bytes for everyone signed out; a page with someone's step is never public."""
    return prepare(response) if access is None else response


@router.get("/{locale}/pathway/", include_in_schema=False)
def pathway(
    request: Request, loc: LocaleDep, content: ContentDep, pages: PagesDep, settings: SettingsDep,
    session: SessionDep, access: MaybeSeePathway,
) -> Response:  # fmt: skip
    place = _place(request, content)
    if isinstance(place, RedirectResponse):
        return place
    position = access and position_service.current(session, parent=access.parent)
    context = {
        "place": place,
        "stages": paths.map_by_stage(content, place, loc.code),
        "areas": content.areas,
        "access": access,
        "position": position,
        # "You are here" is for the parent's own step alone.
        "here": position.step if position and access.is_parent else None,
        "position_name": position and paths.step_view(content, position.step, place, loc.code).name,
    }
    response = _publish(pages.render(request, "pathway/index.html", context), access)
    _remember(response, request, place, settings.secure_cookies)
    return response


@router.get("/{locale}/pathway/{step}", include_in_schema=False)
def step(
    request: Request,
    step: str,
    loc: LocaleDep,
    content: ContentDep,
    pages: PagesDep,
    settings: SettingsDep,
) -> Response:
    place = _place(request, content)
    if isinstance(place, RedirectResponse):
        return place
    view = paths.step_view(content, step, place, loc.code)
    if view is None:
        raise HTTPException(status_code=404)
    context = {
        "place": place,
        "view": view,
        "explainer": content.explainer(loc.code, view.explainer),
        "areas": content.areas,
        "legal_advice": service.legal_advice_href(
            content=content, locale=loc.code, nation=place.nation
        ),
    }
    response = prepare(pages.render(request, "pathway/step.html", context))
    _remember(response, request, place, settings.secure_cookies)
    return response


@router.get("/{locale}/pathway/{step}/walk", include_in_schema=False)
def walk(
    request: Request, step: str, loc: LocaleDep, content: ContentDep, pages: PagesDep,
    access: MaybeSeePathway, screen: int = 0, asked: int = 0,
) -> Response:  # fmt: skip
    """One idea per screen. With a parent (their own, or `?parent=` for a supporter),
    "I want to ask about this" puts the question on that parent's list."""
    place = _place(request, content)
    if isinstance(place, RedirectResponse):
        return place
    view = paths.step_view(content, step, place, loc.code)
    if view is None:
        raise HTTPException(status_code=404)
    screens = paths.walk_screens(view, labels=_walk_labels(loc))
    if not 0 <= screen < len(screens):
        raise HTTPException(status_code=404)
    context = {
        "place": place,
        "view": view,
        "screens": screens,
        "index": screen,
        "access": access,
        "asked": asked == 1,
        # Every link of the walk keeps the place, and the parent a supporter is with.
        "keep": place.query()
        + (f"&parent={access.link.public_id}" if access and access.link else ""),
        "legal_advice": service.legal_advice_href(
            content=content, locale=loc.code, nation=place.nation
        ),
        "csrf_protected": access is not None,
    }
    return _publish(pages.render(request, "pathway/walk.html", context), access)
