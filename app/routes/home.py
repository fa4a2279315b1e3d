"""The front door: `/` picks a language, `/{locale}/` is home, `/{locale}/language` switches."""

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts.models import Role
from app.caching import add_vary, prepare
from app.calendar.labels import AGENCY_NAMES
from app.consent.service import Access
from app.deps import ClockDep, LocaleDep, OptionalUser, PagesDep, SessionDep, SettingsDep
from app.home import service
from app.i18n import LOCALE_COOKIE, negotiate

router = APIRouter()

ONE_YEAR = 365 * 24 * 3600


@router.get("/", include_in_schema=False)
def root(request: Request, settings: SettingsDep) -> RedirectResponse:
    """Send the visitor to home in their language: saved choice, cookie, browser, English."""
    code = negotiate(
        settings.locale_list,
        cookie=request.cookies.get(LOCALE_COOKIE),
        accept_language=request.headers.get("accept-language"),
        default=settings.default_locale,
    )
    return RedirectResponse(
        f"/{code}/",
        status_code=302,
        headers={"Vary": "Accept-Language, Cookie", "Cache-Control": "private, no-cache"},
    )


@router.get("/{locale}/", include_in_schema=False)
def home(
    request: Request, loc: LocaleDep, pages: PagesDep, user: OptionalUser, session: SessionDep,
    now: ClockDep,
) -> Response:  # fmt: skip
    """Signed out: the same home for everyone. A signed-in parent: what matters now."""
    if user is not None and user.role == Role.parent:
        return _parent_home(request, loc, pages, session, user, now)
    return prepare(pages.render(request, "home/index.html"))


def _parent_home(request, loc, pages, session, user, now) -> Response:
    """A private page of its own, never the bytes the signed-out home is served from."""
    summary = service.what_matters_now(session, parent=user, now=now)
    context = {
        "summary": summary,
        "access": Access(user=user, parent=user, link=None),
        "agency_names": {a.value: loc.translations.gettext(n) for a, n in AGENCY_NAMES.items()},
        "team_phones": {},
    }
    response = pages.render(request, "home/mine.html", context, private=True)
    add_vary(response.headers, "Cookie")
    return response


@router.get("/{locale}", include_in_schema=False)
def home_without_slash(loc: LocaleDep) -> RedirectResponse:
    return RedirectResponse(f"/{loc.code}/", status_code=301)


@router.get("/{locale}/language", include_in_schema=False)
def choose_language(
    request: Request, loc: LocaleDep, pages: PagesDep, settings: SettingsDep, next: str = "/",
    back: str = "/",
) -> Response:  # fmt: skip
    """Remember this language and go back to the same page in it; without `next`, list them.

    `back` is the page the list was opened from (the header's link without JavaScript).
    """
    target = safe_next(next)
    if "next" not in request.query_params:
        listing = {"next_path": safe_next(back)}
        return prepare(pages.render(request, "home/language.html", listing))
    response = RedirectResponse(f"/{loc.code}{target}", status_code=303)
    response.set_cookie(
        LOCALE_COOKIE,
        loc.code,
        max_age=ONE_YEAR,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def safe_next(path: str) -> str:
    """A path on this site only (never `//elsewhere` or a full URL), defaulting to home."""
    if not path.startswith("/") or path.startswith("//") or "\\" in path or "\n" in path:
        return "/"
    return path


@router.get("/{locale}/cover-your-tracks", include_in_schema=False)
def cover_your_tracks(request: Request, loc: LocaleDep, pages: PagesDep) -> Response:
    """How to keep a visit private on common phone browsers, and what quick exit cannot do."""
    return prepare(pages.render(request, "home/cover_your_tracks.html"))


@router.get("/{locale}/install", include_in_schema=False)
def install(request: Request, loc: LocaleDep, pages: PagesDep) -> Response:
    """How to add Next Steps to the home screen, and the switch that saves data."""
    return prepare(pages.render(request, "home/install.html"))
