"""PWA plumbing and health: /healthz (the service worker and manifest join later)."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.db import check_database

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
