"""My questions: a list a parent keeps for their next meeting (on this device for now)."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.deps import LocaleDep, PagesDep

router = APIRouter()


@router.get("/{locale}/questions/", include_in_schema=False)
def questions(request: Request, loc: LocaleDep, pages: PagesDep) -> Response:
    # The list lives in this browser's storage, never in the page, so the page is the same
    # for everyone and may be cached; it must not be cached by anyone else all the same.
    return pages.render(request, "questions/index.html", private=True)
