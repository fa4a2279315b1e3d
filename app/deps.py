"""Typed dependencies that routes declare: the session, the settings, the page's locale,
the signed-in user, and the one gate for anything that belongs to a parent."""

import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

import anyio
from fastapi import Depends, HTTPException, Path, Query, Request
from sqlmodel import Session

from app.accounts import service as accounts
from app.accounts.models import Role, User
from app.consent import service as consent
from app.consent.models import Level, Permission
from app.consent.service import Access, AccessDenied
from app.db import for_writing
from app.explainers.content import Content
from app.i18n import LocaleInfo, locale_info
from app.resources import service as resources
from app.resources.directory import Resource
from app.settings import Settings
from app.templating import Pages

SESSION_COOKIE = "ns_session"


class SignInRequired(Exception):
    """The page needs a signed-in person; the error handler sends them to sign in."""


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_pages(request: Request) -> Pages:
    return request.app.state.pages


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session for this request, once a slot is free (see SessionSlots): waited for on
    the event loop, so a request in the queue holds no thread and no connection."""
    engine = request.app.state.engine
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        engine = for_writing(engine)
    async with request.app.state.session_slots.held():
        session = Session(engine)
        try:
            yield session
        finally:
            # Closing hands the connection back with a ROLLBACK: database work, so in a
            # thread; shielded, so a client that went away still gives its connection back.
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(session.close)


MAX_JSON = 64 * 1024  # a passkey's credential with its attestation fits many times over


async def json_body(request: Request) -> dict:
    """The request's JSON object, or {} when it is not one or is too big. Read here, on the
    event loop, so that the route itself is a plain `def` and its database work and
    signature checks run in a worker thread, never on the loop."""
    body = await request.body()
    if len(body) > MAX_JSON:
        return {}
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def get_content(request: Request) -> Content:
    return request.app.state.content


def get_locale(request: Request, locale: str) -> LocaleInfo:
    """The locale named in the path; a locale this site does not serve is a 404."""
    if locale not in request.app.state.settings.locale_list:
        raise HTTPException(status_code=404)
    request.state.loc = locale_info(locale)
    return request.state.loc


def get_national(request: Request) -> dict[str, Resource]:
    """The national services from the content folder, loaded and checked at start-up."""
    return request.app.state.national_resources


def public_origin(request: Request) -> str:
    """The site's address as browsers see it, for links people copy, text or print."""
    origin = request.app.state.settings.public_origin.rstrip("/")
    return origin or str(request.base_url).rstrip("/")


def get_now(request: Request) -> datetime:
    """The time now, in UTC, from the app's clock (tests may set it)."""
    return request.app.state.clock()


# A row id in an address: beyond a 64-bit integer no row can have it, and the database
# would raise rather than find nothing; the validation handler answers 404.
MAX_ROW_ID = 2**63 - 1
RowId = Annotated[int, Path(ge=0, le=MAX_ROW_ID)]

SettingsDep = Annotated[Settings, Depends(get_settings)]
PagesDep = Annotated[Pages, Depends(get_pages)]
SessionDep = Annotated[Session, Depends(get_session)]
JsonBody = Annotated[dict, Depends(json_body)]
LocaleDep = Annotated[LocaleInfo, Depends(get_locale)]
ContentDep = Annotated[Content, Depends(get_content)]
ClockDep = Annotated[datetime, Depends(get_now)]
NationalDep = Annotated[dict[str, Resource], Depends(get_national)]


def get_optional_user(
    request: Request, session: SessionDep, settings: SettingsDep, now: ClockDep
) -> User | None:
    """The person signed in on this browser, if anyone."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    found = accounts.session_user(session, token=token, settings=settings, now=now)
    if found is None:
        return None
    request.state.user, request.state.user_session = found
    return request.state.user


OptionalUser = Annotated[User | None, Depends(get_optional_user)]


def get_current_user(user: OptionalUser) -> User:
    """The signed-in person; anyone else is sent to sign in."""
    if user is None:
        raise SignInRequired()
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


class ParentAccess:
    """The one gate for a parent's things. Use as `Depends(ParentAccess(Permission.x))`.

    The parent passes for their own things. A supporter or staff member names the parent
    with `?parent=<link id>` (their list of parents gives the addresses) and passes only
    with a live link that allows `need`; every such pass is written to the parent's
    record of who has looked. `Level.owner` is for the parent alone; `Level.linked` for
    the parent or anyone they have linked.
    """

    def __init__(self, need: Permission | Level) -> None:
        self.need = need

    def __call__(
        self,
        request: Request,
        session: SessionDep,
        user: CurrentUser,
        now: ClockDep,
        parent: Annotated[str | None, Query(max_length=40)] = None,
    ) -> Access:
        return self.check(request, session, user, now, parent)

    def check(self, request: Request, session: Session, user: User, now: datetime,
              parent: str | None) -> Access:  # fmt: skip
        """Passes or refuses (403); a pass by anyone but the parent is recorded."""
        try:
            access = consent.resolve_access(session, user=user, selector=parent, need=self.need)
        except AccessDenied as denied:
            raise HTTPException(status_code=403) from denied
        if not access.is_parent:
            consent.record_access(
                session,
                access=access,
                need=self.need,
                method=request.method,
                path=request.url.path,
                now=now,
            )
        request.state.access = access
        return access

    def __repr__(self) -> str:
        return f"ParentAccess({self.need.value})"


class OptionalParentAccess(ParentAccess):
    """The gate for a page that is also public: None for someone signed out, or signed in
    without things of their own and naming no parent (they get the public page); else the
    same checks and record as `ParentAccess`. Naming a parent always needs the gate."""

    def __call__(  # type: ignore[override]
        self,
        request: Request,
        session: SessionDep,
        user: OptionalUser,
        now: ClockDep,
        parent: Annotated[str | None, Query(max_length=40)] = None,
    ) -> Access | None:
        if user is None:
            if parent:
                raise SignInRequired()
            return None
        if not parent and user.role != Role.parent:
            return None
        return self.check(request, session, user, now, parent)

    def __repr__(self) -> str:
        return f"OptionalParentAccess({self.need.value})"


def parent_access(need: Permission | Level):
    """`Annotated[Access, …]` for a route: `access: parent_access(Permission.see_appointments)`."""
    return Annotated[Access, Depends(ParentAccess(need))]


def optional_parent_access(need: Permission | Level):
    """`Annotated[Access | None, …]`: the parent's things if any, else a public page."""
    return Annotated[Access | None, Depends(OptionalParentAccess(need))]


OwnerAccess = parent_access(Level.owner)
LinkedAccess = parent_access(Level.linked)


def get_organisation_admin(user: CurrentUser) -> User:
    """An organisation's admin (invites and pauses its staff); anyone else is refused."""
    if not user.organisation_admin or user.organisation_id is None:
        raise HTTPException(status_code=403)
    return user


def get_curator(user: CurrentUser) -> User:
    """Staff of an organisation, who curate its local services and make share packs."""
    if not resources.can_curate(user):
        raise HTTPException(status_code=403)
    return user


OrganisationAdmin = Annotated[User, Depends(get_organisation_admin)]
Curator = Annotated[User, Depends(get_curator)]
ROLE_GATES = (get_organisation_admin, get_curator)
