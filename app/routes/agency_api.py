"""The agency JSON API (/api/v1): staff linked to a parent create, move and cancel bookings.

Authenticated by a per-user token (`Authorization: Bearer ns_…`); the parent is named by
the link id the staff member's list of parents gives. Every call passes the same gate as
the web pages: a live link that allows adding or changing appointments, recorded in the
parent's "who has looked" list.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Header, HTTPException, Path, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from app.accounts.models import Role, User
from app.agency import service
from app.agency.service import BookingIn, BookingOut
from app.consent import service as consent
from app.consent.models import Permission
from app.consent.service import Access, AccessDenied
from app.deps import ClockDep, CurrentUser, LocaleDep, PagesDep, RowId, SessionDep
from app.forms import FormError

router = APIRouter(prefix="/api/v1", tags=["bookings"])

BookingId = Annotated[str, Path(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9._:-]+$")]
LinkId = Annotated[str, Path(min_length=1, max_length=40)]


def api_user(
    session: SessionDep, now: ClockDep, authorization: Annotated[str, Header()] = ""
) -> User:
    """The staff member whose token this is; 401 for anything else."""
    scheme, _, token = authorization.partition(" ")
    user = (
        service.user_for_token(session, token=token.strip(), now=now)
        if scheme == "Bearer"
        else None
    )
    if user is None:
        raise HTTPException(status_code=401, detail="a valid API token is needed",
                            headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
    return user


ApiUser = Annotated[User, Depends(api_user)]


def booking_access(
    request: Request, link_id: LinkId, session: SessionDep, user: ApiUser, now: ClockDep
) -> Access:
    """The one gate, for the API: a live link allowing changes to appointments."""
    try:
        access = consent.resolve_access(
            session, user=user, selector=link_id, need=Permission.edit_appointments
        )
    except AccessDenied as denied:
        raise HTTPException(status_code=403, detail="this parent has not allowed that") from denied
    consent.record_access(session, access=access, need=Permission.edit_appointments,
                          method=request.method, path=request.url.path, now=now)  # fmt: skip
    return access


BookingAccess = Annotated[Access, Depends(booking_access)]


class ParentOut(BaseModel):
    link_id: str
    name: str
    can_add_bookings: bool


@router.get("/parents", response_model=list[ParentOut])
def parents(session: SessionDep, user: ApiUser) -> list[ParentOut]:
    """The parents who have linked you, and whether each lets you add bookings."""
    return [
        ParentOut(
            link_id=view.link.public_id,
            name=view.person.display_name,
            can_add_bookings=view.link.allows(Permission.edit_appointments),
        )
        for view in consent.parents_for_supporter(session, supporter=user)
    ]


@router.get("/parents/{link_id}/bookings", response_model=list[BookingOut])
def bookings(session: SessionDep, user: ApiUser, access: BookingAccess) -> list[BookingOut]:
    """Your bookings for this parent, cancelled ones included."""
    return service.list_bookings(session, parent_id=access.parent.id, staff=user)


@router.put("/parents/{link_id}/bookings/{booking_id}", response_model=BookingOut)
def put_booking(
    booking_id: BookingId, booking: BookingIn, response: Response, session: SessionDep,
    user: ApiUser, access: BookingAccess, now: ClockDep,
) -> BookingOut:  # fmt: skip
    """Create or update a booking under your own booking id. Sending the same booking again
    changes nothing; new times move it, and the parent sees the move in its history."""
    out, created = service.put_booking(
        session, parent_id=access.parent.id, staff=user, booking_id=booking_id, booking=booking,
        now=now,
    )  # fmt: skip
    response.status_code = 201 if created else 200
    return out


@router.delete("/parents/{link_id}/bookings/{booking_id}", response_model=BookingOut)
def cancel_booking(
    booking_id: BookingId, session: SessionDep, user: ApiUser, access: BookingAccess,
    now: ClockDep,
) -> BookingOut:  # fmt: skip
    """Cancel a booking. It stays in the parent's calendar, marked cancelled."""
    try:
        return service.cancel_booking(
            session, parent_id=access.parent.id, staff=user, booking_id=booking_id, now=now
        )
    except LookupError as missing:
        raise HTTPException(status_code=404, detail="no such booking") from missing


# The staff member's own page for their tokens (web, not API).
pages_router = APIRouter()


def _tokens_page(request, pages, session, user, *, errors=None, new_token=None, status_code=200):
    context = {
        "tokens": service.tokens_for(session, user=user),
        "errors": errors or {},
        "new_token": new_token,
        "csrf_protected": True,
    }
    return pages.render(
        request, "agency/tokens.html", context, status_code=status_code, private=True
    )


@pages_router.get("/{locale}/account/api-tokens", include_in_schema=False)
def tokens(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep, user: CurrentUser
):
    """Agency staff make and revoke the tokens their systems use to send bookings."""
    if user.role != Role.agency_staff:
        raise HTTPException(status_code=403)
    return _tokens_page(request, pages, session, user)


@pages_router.post("/{locale}/account/api-tokens", include_in_schema=False)
def make_token(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep, user: CurrentUser,
    now: ClockDep, name: Annotated[str, Form(max_length=200)] = "",
):  # fmt: skip
    try:
        token = service.create_token(session, user=user, name=name, now=now)
    except FormError as error:
        return _tokens_page(request, pages, session, user, status_code=400,
                            errors=error.translated(loc.translations))  # fmt: skip
    return _tokens_page(request, pages, session, user, new_token=token)


@pages_router.post("/{locale}/account/api-tokens/{token_id}/revoke", include_in_schema=False)
def revoke_token(
    token_id: RowId, loc: LocaleDep, session: SessionDep, user: CurrentUser, now: ClockDep
) -> RedirectResponse:
    try:
        service.revoke_token(session, user=user, token_id=token_id, now=now)
    except LookupError as missing:
        raise HTTPException(status_code=404) from missing
    return RedirectResponse(f"/{loc.code}/account/api-tokens", status_code=303)
