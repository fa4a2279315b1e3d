"""Explainers, glossary and search: public pages, rendered once and served with ETags."""

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from app.deps import ContentDep, LocaleDep, PagesDep
from app.explainers import service

router = APIRouter()

MAX_QUERY = 200


@router.get("/{locale}/explainers/", include_in_schema=False)
def index(request: Request, loc: LocaleDep, content: ContentDep, pages: PagesDep) -> Response:
    groups = service.explainers_by_stage(content=content, locale=loc.code)
    return pages.render_cached(
        request, ("explainers", loc.code), "explainers/index.html", {"groups": groups}
    )


@router.get("/{locale}/explainers/{slug}", include_in_schema=False)
def explainer(
    request: Request, slug: str, loc: LocaleDep, content: ContentDep, pages: PagesDep
) -> Response:
    page = service.explainer_page(content=content, locale=loc.code, slug=slug)
    if page is None:
        raise HTTPException(status_code=404)
    return pages.render_cached(
        request, ("explainer", loc.code, slug), "explainers/page.html", {"page": page}
    )


@router.get("/{locale}/glossary/", include_in_schema=False)
def glossary(request: Request, loc: LocaleDep, content: ContentDep, pages: PagesDep) -> Response:
    terms = service.glossary_index(content=content, locale=loc.code)
    return pages.render_cached(
        request, ("glossary", loc.code), "explainers/glossary.html", {"terms": terms}
    )


@router.get("/{locale}/glossary/{term}", include_in_schema=False)
def glossary_term(
    request: Request, term: str, loc: LocaleDep, content: ContentDep, pages: PagesDep
) -> Response:
    found = service.glossary_page(content=content, locale=loc.code, slug=term)
    if found is None:
        raise HTTPException(status_code=404)
    entry, using = found
    return pages.render_cached(
        request,
        ("glossary-term", loc.code, term),
        "explainers/term.html",
        {"entry": entry, "using": using},
    )


@router.get("/{locale}/search", include_in_schema=False)
def search(request: Request, loc: LocaleDep, pages: PagesDep, q: str = "") -> Response:
    query = q.strip()[:MAX_QUERY]
    results = request.app.state.search[loc.code].search(query) if query else None
    return pages.render(
        request, "explainers/search.html", {"q": query, "results": results}, fragment="results"
    )
