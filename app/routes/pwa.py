"""PWA plumbing and health: the service worker, the manifest, the offline page, /healthz
and /readyz."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from app.caching import add_vary, prepare
from app.db import check_database, schema_state
from app.deps import PagesDep, SettingsDep

router = APIRouter()


@router.get("/healthz", include_in_schema=False)
def healthz(request: Request) -> JSONResponse:
    """200 when the app and its database answer; 503 while the database is away."""
    database_ok = check_database(request.app.state.engine)
    return JSONResponse(
        {"status": "ok" if database_ok else "unavailable", "database": database_ok},
        status_code=200 if database_ok else 503,
        headers={"Cache-Control": "no-store"},
    )


@router.get("/readyz", include_in_schema=False)
def readyz(request: Request) -> JSONResponse:
    """200 when this instance should be sent requests: the database answers and its schema
    is this build's (or a later one's, see deploy/README.md); else 503, so the proxy or
    the upgrade script waits."""
    state = schema_state(request.app.state.engine)
    ready = state in ("current", "newer")
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "schema": state},
        status_code=200 if ready else 503,
        headers={"Cache-Control": "no-store"},
    )


@router.get("/sw.js", include_in_schema=False)
def service_worker(request: Request) -> Response:
    """The worker for the whole site; always checked with the server, so updates arrive."""
    return prepare(
        Response(
            request.app.state.service_worker,
            media_type="text/javascript",
            headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
        )
    )


@router.get("/manifest.webmanifest", include_in_schema=False)
def manifest(request: Request) -> JSONResponse:
    return prepare(
        JSONResponse(
            request.app.state.manifest,
            media_type="application/manifest+json",
            headers={"Cache-Control": "public, max-age=3600"},
        )
    )


@router.get("/offline", include_in_schema=False)
def offline(request: Request, pages: PagesDep, settings: SettingsDep) -> Response:
    """What the service worker shows for a page it does not have, in the visitor's language."""
    from app.main import error_locale

    request.state.loc = error_locale(request)
    response = pages.render(request, "pwa/offline.html")
    add_vary(response.headers, "Cookie", "Accept-Language")
    return response
