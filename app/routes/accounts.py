"""Signing up, in and out; the account page; sessions, passkeys, recovery codes; my data;
staff invitations and suspension. Thin: each route parses, calls a service, renders."""

import json
import secrets
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeSerializer

from app.accounts import export, passkeys, service
from app.accounts.models import Role, User
from app.accounts.service import INVITABLE_ROLES, SignInRefused
from app.birth_plan.sections import SECTIONS
from app.calendar.labels import AGENCY_NAMES, CHANGE_NAMES
from app.deps import (
    SESSION_COOKIE,
    ClockDep,
    CurrentUser,
    LocaleDep,
    NationalDep,
    OptionalUser,
    OrganisationAdmin,
    OwnerAccess,
    PagesDep,
    RowId,
    SessionDep,
    SettingsDep,
)
from app.forms import FormError
from app.i18n import LocaleInfo
from app.notify import service as notify
from app.notify.models import REMINDER_LABELS
from app.routes.consent import permission_labels
from app.routes.home import safe_next
from app.security import client_address
from app.settings import Settings

router = APIRouter()

# What sign-out asks the browser to forget, and the signal the service worker listens for.
# Not "storage": it would also remove the service worker and every guide saved for reading
# offline, which a parent on prepaid data would pay to download again. The signed-out page
# clears this browser's local storage and private caches itself, and tells the worker.
CLEAR_SITE_DATA = '"cache", "cookies"'
SIGNED_OUT_SIGNAL = "signed-out"
SIGNED_IN_MARKER = "ns_here"

FormText = Annotated[str, Form()]


def _errors(error: FormError, loc: LocaleInfo) -> dict[str, str]:
    return error.translated(loc.translations)


def _address(request: Request) -> str:
    return client_address(request, request.app.state.settings.trusted_proxy_networks)


DEVICE_COOKIE = "ns_device"
DEVICE_DAYS = 400  # the longest browsers keep a cookie


def _device_signer(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(settings.signing_key(), "known-device")


def _known_device(request: Request, settings: Settings, name: str) -> str | None:
    """The id of this browser when it has signed in to this account before, else None."""
    value = request.cookies.get(DEVICE_COOKIE)
    if not value:
        return None
    try:
        found = _device_signer(settings).loads(value)
    except BadSignature:
        return None
    if not isinstance(found, dict) or found.get("a") != service.device_marker(settings, name=name):
        return None
    return str(found.get("d", ""))[:40] or None


def _remember_device(response: Response, settings: Settings, *, name: str, device: str | None):
    value = _device_signer(settings).dumps(
        {"a": service.device_marker(settings, name=name), "d": device or secrets.token_urlsafe(12)}
    )
    response.set_cookie(DEVICE_COOKIE, value, max_age=DEVICE_DAYS * 24 * 3600, httponly=True,
                        samesite="lax", secure=settings.secure_cookies, path="/")  # fmt: skip


def describe_device(user_agent: str) -> str:
    """A rough name for a browser ("Chrome on Android"), so people can tell sessions apart."""
    browsers = (
        ("Edg/", "Edge"),
        ("Firefox/", "Firefox"),
        ("SamsungBrowser/", "Samsung Internet"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    )
    systems = (
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS X", "Mac"),
        ("Linux", "Linux"),
    )
    browser = next((name for mark, name in browsers if mark in user_agent), "")
    system = next((name for mark, name in systems if mark in user_agent), "")
    return " · ".join(part for part in (browser, system) if part)


def _signed_in_response(
    request: Request,
    *,
    user: User,
    shared_device: bool,
    target: str,
    session,
    settings: Settings,
    now,
    response: Response | None = None,
) -> Response:
    """Starts a brand-new session (ending the browser's old one) and sets its cookie."""
    new = service.start_session(
        session,
        user=user,
        shared_device=shared_device,
        device=describe_device(request.headers.get("user-agent", "")),
        settings=settings,
        now=now,
        replacing=request.cookies.get(SESSION_COOKIE),
    )
    response = response or RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        new.token,
        # A shared phone gets a cookie that goes when the browser closes.
        max_age=None if shared_device else settings.session_days * 24 * 3600,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )
    # A readable marker that lives as long as the session: pages and the service worker's
    # pages use it to know a session has ended on a shared phone, and to keep one
    # session's offline copies and queued forms from ever reaching another. It carries its
    # own end time, because a shared phone's cookie lasts only while the browser is open.
    lifetime = (
        settings.shared_device_session_minutes * 60
        if shared_device
        else settings.session_days * 24 * 3600
    )
    ends = int(now.timestamp()) + lifetime
    response.set_cookie(
        SIGNED_IN_MARKER,
        f"{secrets.token_urlsafe(9)}.{ends}",
        max_age=None if shared_device else lifetime,
        httponly=False,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _origin(request: Request, settings: Settings) -> tuple[str, str]:
    """The origin and relying-party id passkeys are bound to."""
    origin = settings.public_origin.rstrip("/") or f"{request.url.scheme}://{request.url.netloc}"
    return origin, urlsplit(origin).hostname or "localhost"


# --- sign-up ---------------------------------------------------------------------------


@router.get("/{locale}/sign-up", include_in_schema=False)
def sign_up_form(request: Request, loc: LocaleDep, pages: PagesDep) -> Response:
    return pages.render(request, "accounts/sign_up.html", {"errors": {}, "values": {}})


@router.post("/{locale}/sign-up", include_in_schema=False)
def sign_up(
    request: Request,
    loc: LocaleDep,
    pages: PagesDep,
    session: SessionDep,
    settings: SettingsDep,
    now: ClockDep,
    name: FormText = "",
    passphrase: FormText = "",
    email: FormText = "",
    phone: FormText = "",
) -> Response:
    """A parent account from a name and a passphrase; shows the recovery codes once."""
    values = {"name": name, "email": email, "phone": phone}
    try:
        user, codes = service.sign_up_parent(
            session, name=name, passphrase=passphrase, email=email, phone=phone, locale=loc.code
        )
    except FormError as error:
        return pages.render(
            request,
            "accounts/sign_up.html",
            {"errors": _errors(error, loc), "values": values},
            status_code=400,
            private=True,
        )
    request.state.user = user
    page = pages.render(
        request, "accounts/recovery_codes.html", {"codes": codes, "new_account": True}
    )
    return _signed_in_response(
        request,
        user=user,
        shared_device=False,
        target="",
        session=session,
        settings=settings,
        now=now,
        response=page,
    )


# --- sign-in, recovery, sign-out -------------------------------------------------------


@router.get("/{locale}/sign-in", include_in_schema=False)
def sign_in_form(
    request: Request, loc: LocaleDep, pages: PagesDep, user: OptionalUser, next: str = "",
    signed_out: str = "",
) -> Response:  # fmt: skip
    if user is not None and not signed_out:  # the header's "Sign in" on a page kept for all
        return RedirectResponse(f"/{loc.code}{safe_next(next) if next else '/account/'}", 303)
    return pages.render(
        request,
        "accounts/sign_in.html",
        {
            "errors": {},
            "values": {},
            "next": safe_next(next) if next else "",
            "signed_out": bool(signed_out),
            "signal": SIGNED_OUT_SIGNAL,
            "passkeys_script": True,
        },
        private=True,
    )


@router.post("/{locale}/sign-in", include_in_schema=False)
def sign_in(
    request: Request,
    loc: LocaleDep,
    pages: PagesDep,
    session: SessionDep,
    settings: SettingsDep,
    now: ClockDep,
    name: FormText = "",
    passphrase: FormText = "",
    shared_device: FormText = "",
    next: FormText = "",
) -> Response:
    """Checks name and passphrase (within the limits) and starts a fresh session."""
    context = {
        "values": {"name": name, "shared_device": bool(shared_device)},
        "next": safe_next(next) if next else "",
        "signed_out": False,
        "signal": SIGNED_OUT_SIGNAL,
        "passkeys_script": True,
    }
    device = _known_device(request, settings, name)
    try:
        user = service.sign_in(
            session,
            name=name,
            passphrase=passphrase,
            address=_address(request),
            settings=settings,
            now=now,
            device=device,
        )
    except SignInRefused as refused:
        message = loc.translations.gettext(
            "Too many wrong tries. To keep your account safe, wait %(seconds)s seconds, then "
            "try again. Signing in with a passkey or a recovery code works now."
        ) % {"seconds": refused.seconds}
        response = pages.render(
            request,
            "accounts/sign_in.html",
            {**context, "errors": {"name": message}},
            status_code=429,
            private=True,
        )
        response.headers["Retry-After"] = str(refused.seconds)
        return response
    except FormError as error:
        return pages.render(
            request,
            "accounts/sign_in.html",
            {**context, "errors": _errors(error, loc)},
            status_code=400,
            private=True,
        )
    target = safe_next(next) if next else f"/{loc.code}/account/"
    response = _signed_in_response(
        request,
        user=user,
        shared_device=bool(shared_device),
        target=target,
        session=session,
        settings=settings,
        now=now,
    )
    if not shared_device:  # a shared phone is not the parent's own browser
        _remember_device(response, settings, name=name, device=device)
    return response


@router.get("/{locale}/sign-in/recover", include_in_schema=False)
def recover_form(request: Request, loc: LocaleDep, pages: PagesDep) -> Response:
    return pages.render(
        request, "accounts/recover.html", {"errors": {}, "values": {}}, private=True
    )


@router.post("/{locale}/sign-in/recover", include_in_schema=False)
def recover(
    request: Request,
    loc: LocaleDep,
    pages: PagesDep,
    session: SessionDep,
    settings: SettingsDep,
    now: ClockDep,
    name: FormText = "",
    code: FormText = "",
    passphrase: FormText = "",
) -> Response:
    """A recovery code sets a new passphrase; every other session ends."""
    values = {"name": name}
    try:
        user = service.recover_account(
            session,
            name=name,
            code=code,
            new_passphrase=passphrase,
            address=_address(request),
            settings=settings,
            now=now,
        )
    except SignInRefused as refused:
        message = loc.translations.gettext(
            "Too many wrong tries from this connection. Wait %(seconds)s seconds, then try again."
        ) % {"seconds": refused.seconds}
        return pages.render(
            request,
            "accounts/recover.html",
            {"errors": {"code": message}, "values": values},
            status_code=429,
            private=True,
        )
    except FormError as error:
        return pages.render(
            request,
            "accounts/recover.html",
            {"errors": _errors(error, loc), "values": values},
            status_code=400,
            private=True,
        )
    return _signed_in_response(
        request,
        user=user,
        shared_device=False,
        target=f"/{loc.code}/account/?recovered=1",
        session=session,
        settings=settings,
        now=now,
    )


@router.post("/{locale}/account/sign-out", include_in_schema=False)
def sign_out(request: Request, loc: LocaleDep, session: SessionDep, now: ClockDep) -> Response:
    """Ends the session on the server (and the reminders it turned on in this browser,
    unless kept), and asks the browser to forget this site's data."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        notify.sign_out_device(session, session_token=token, now=now)
        service.end_session(session, token=token)
    response = RedirectResponse(f"/{loc.code}/sign-in?signed_out=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(SIGNED_IN_MARKER, path="/")
    response.headers["Clear-Site-Data"] = CLEAR_SITE_DATA
    response.headers["Cache-Control"] = "no-store"
    return response


# --- passkey sign-in -------------------------------------------------------------------


@router.post("/{locale}/sign-in/passkey/options", include_in_schema=False)
def passkey_sign_in_options(
    request: Request, loc: LocaleDep, session: SessionDep, settings: SettingsDep, now: ClockDep
) -> Response:
    _, rp_id = _origin(request, settings)
    options = passkeys.authentication_options(session, rp_id=rp_id, now=now)
    return Response(options, media_type="application/json", headers={"Cache-Control": "no-store"})


@router.post("/{locale}/sign-in/passkey", include_in_schema=False)
async def passkey_sign_in(
    request: Request, loc: LocaleDep, session: SessionDep, settings: SettingsDep, now: ClockDep
) -> Response:
    """Signs in with a passkey; answers JSON with where to go next."""
    try:
        body = json.loads(await request.body())
        credential, shared = body["credential"], bool(body.get("shared_device"))
        next_path = safe_next(body.get("next") or f"/{loc.code}/account/")
    except (ValueError, KeyError, TypeError):
        return _passkey_failed(loc)
    origin, rp_id = _origin(request, settings)
    try:
        user = passkeys.authenticate(
            session, credential=credential, rp_id=rp_id, origin=origin, now=now
        )
    except passkeys.PasskeyFailed:
        return _passkey_failed(loc)
    return _signed_in_response(
        request,
        user=user,
        shared_device=shared,
        target=next_path,
        session=session,
        settings=settings,
        now=now,
        response=JSONResponse({"next": next_path}),
    )


def _passkey_failed(loc: LocaleInfo) -> JSONResponse:
    message = loc.translations.gettext(
        "That passkey did not work here. Try again, or use your name and passphrase."
    )
    return JSONResponse({"error": message}, status_code=400, headers={"Cache-Control": "no-store"})


# --- the account page, sessions, passkeys, recovery codes ----------------------------


@router.get("/{locale}/account/", include_in_schema=False)
def account(
    request: Request,
    loc: LocaleDep,
    pages: PagesDep,
    session: SessionDep,
    user: CurrentUser,
    recovered: str = "",
) -> Response:
    """The signed-in person's own account."""
    return pages.render(
        request,
        "accounts/account.html",
        {
            "user": user,
            "organisation": service.organisation_of(session, user=user),
            "codes_left": service.unused_recovery_codes(session, user=user),
            "passkeys": passkeys.list_passkeys(session, user=user),
            "recovered": bool(recovered),
            "passkeys_script": True,
        },
        private=True,
    )


@router.get("/{locale}/account", include_in_schema=False)
def account_without_slash(loc: LocaleDep) -> RedirectResponse:
    return RedirectResponse(f"/{loc.code}/account/", status_code=301)


@router.get("/{locale}/account/sessions", include_in_schema=False)
def sessions(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep, user: CurrentUser
) -> Response:
    """Where the person is signed in."""
    current = request.state.user_session
    return pages.render(
        request,
        "accounts/sessions.html",
        {"sessions": service.list_sessions(session, user=user), "current_id": current.id},
        private=True,
    )


@router.post("/{locale}/account/sessions/{session_id}/end", include_in_schema=False)
def end_session(
    loc: LocaleDep, session: SessionDep, user: CurrentUser, session_id: RowId, now: ClockDep
) -> RedirectResponse:
    """Signs out one of the person's sessions (and forgets the reminders it turned on)."""
    notify.sign_out_sessions(session, user_id=user.id, session_id=session_id, now=now)
    service.end_one_session(session, user=user, session_id=session_id)
    return RedirectResponse(f"/{loc.code}/account/sessions", status_code=303)


@router.post("/{locale}/account/sessions/end-all", include_in_schema=False)
def end_all_sessions(
    loc: LocaleDep, session: SessionDep, user: CurrentUser, now: ClockDep
) -> Response:
    """Sign out everywhere, this browser included."""
    notify.sign_out_sessions(session, user_id=user.id, now=now)
    service.end_all_sessions(session, user=user)
    response = RedirectResponse(f"/{loc.code}/sign-in?signed_out=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(SIGNED_IN_MARKER, path="/")
    response.headers["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response


@router.post("/{locale}/account/recovery-codes", include_in_schema=False)
def renew_recovery_codes(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep, user: CurrentUser
) -> Response:
    """New recovery codes, shown once; the old ones stop working."""
    codes = service.new_recovery_codes(session, user=user)
    return pages.render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "new_account": False},
        private=True,
    )


@router.post("/{locale}/account/passkeys/options", include_in_schema=False)
def passkey_options(
    request: Request,
    loc: LocaleDep,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    now: ClockDep,
) -> Response:
    _, rp_id = _origin(request, settings)
    options = passkeys.registration_options(session, user=user, rp_id=rp_id, now=now)
    return Response(options, media_type="application/json", headers={"Cache-Control": "no-store"})


@router.post("/{locale}/account/passkeys", include_in_schema=False)
async def add_passkey(
    request: Request,
    loc: LocaleDep,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    now: ClockDep,
) -> Response:
    """Keeps the passkey the browser just made."""
    origin, rp_id = _origin(request, settings)
    try:
        body = json.loads(await request.body())
        passkeys.register(
            session,
            user=user,
            credential=body["credential"],
            name=str(body.get("name") or describe_device(request.headers.get("user-agent", ""))),
            rp_id=rp_id,
            origin=origin,
            now=now,
        )
    except (ValueError, KeyError, TypeError, passkeys.PasskeyFailed):
        message = loc.translations.gettext("That passkey could not be added. Try again.")
        return JSONResponse({"error": message}, status_code=400)
    return JSONResponse({"next": f"/{loc.code}/account/"})


@router.post("/{locale}/account/passkeys/{passkey_id}/remove", include_in_schema=False)
def remove_passkey(
    loc: LocaleDep, session: SessionDep, user: CurrentUser, passkey_id: RowId
) -> RedirectResponse:
    passkeys.remove_passkey(session, user=user, passkey_id=passkey_id)
    return RedirectResponse(f"/{loc.code}/account/", status_code=303)


# --- my data: export and deletion (the parent's own things, through the gate) -------


@router.get("/{locale}/account/data", include_in_schema=False)
def my_data(request: Request, loc: LocaleDep, pages: PagesDep, access: OwnerAccess) -> Response:
    return pages.render(request, "accounts/data.html", {}, private=True)


@router.get("/{locale}/account/data/export", include_in_schema=False)
def export_data(
    request: Request,
    loc: LocaleDep,
    pages: PagesDep,
    session: SessionDep,
    settings: SettingsDep,
    access: OwnerAccess,
    now: ClockDep,
    national: NationalDep,
) -> Response:
    """A zip of everything held about the parent."""
    template = pages.env.get_template("accounts/export.html")

    gettext = loc.translations.gettext
    labels = {
        "agency_names": {a.value: gettext(name) for a, name in AGENCY_NAMES.items()},
        "permission_labels": permission_labels(loc),
        "section_titles": {section.key: gettext(section.title) for section in SECTIONS},
        "reminder_names": {code: gettext(name) for code, name in REMINDER_LABELS.items()},
        "change_names": {kind: gettext(name) for kind, name in CHANGE_NAMES.items()},
    }

    def render_html(data: dict) -> str:
        return template.render(loc=loc, data=data, request=None, **labels)

    body = export.build_zip(
        session, user=access.parent, render_html=render_html,
        national=national,
    )  # fmt: skip
    filename = f"next-steps-my-data-{now:%Y-%m-%d}.zip"
    return Response(
        body,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/{locale}/account/delete", include_in_schema=False)
def delete_form(request: Request, loc: LocaleDep, pages: PagesDep, access: OwnerAccess) -> Response:
    return pages.render(request, "accounts/delete.html", {"errors": {}}, private=True)


CONFIRM_WORD = "delete"


@router.post("/{locale}/account/delete", include_in_schema=False)
def delete_account(
    request: Request,
    loc: LocaleDep,
    pages: PagesDep,
    session: SessionDep,
    settings: SettingsDep,
    access: OwnerAccess,
    confirm: FormText = "",
) -> Response:
    """Removes the parent and everything about them, once they have typed the word."""
    word = loc.translations.gettext("delete")
    if confirm.strip().casefold() not in {word.casefold(), CONFIRM_WORD}:
        message = loc.translations.gettext("Type the word %(word)s to delete your account.") % {
            "word": word
        }
        return pages.render(
            request,
            "accounts/delete.html",
            {"errors": {"confirm": message}},
            status_code=400,
            private=True,
        )
    service.delete_account(session, user=access.parent, settings=settings)
    response = RedirectResponse(f"/{loc.code}/sign-in?signed_out=1&deleted=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(SIGNED_IN_MARKER, path="/")
    response.headers["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response


# --- staff: invitations, sign-up by invitation, suspension ---------------------------


@router.get("/{locale}/account/organisation", include_in_schema=False)
def organisation(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep, user: OrganisationAdmin
) -> Response:
    """An organisation admin's page: the staff, their state, and new invitations."""
    return _organisation_page(request, pages, session, user, {})


def _organisation_page(request, pages, session, user, extra: dict, status_code: int = 200):
    return pages.render(
        request,
        "accounts/organisation.html",
        {
            "organisation": service.organisation_of(session, user=user),
            "staff": service.organisation_staff(session, admin=user),
            "roles": INVITABLE_ROLES,
            "errors": {},
            "invitation_code": None,
            "invitation_days": request.app.state.settings.invitation_days,
            **extra,
        },
        status_code=status_code,
        private=True,
    )


@router.post("/{locale}/account/organisation/invite", include_in_schema=False)
def invite_staff(
    request: Request,
    loc: LocaleDep,
    pages: PagesDep,
    session: SessionDep,
    settings: SettingsDep,
    user: OrganisationAdmin,
    now: ClockDep,
    role: FormText = "",
) -> Response:
    try:
        code = service.invite_staff(session, admin=user, role=role, settings=settings, now=now)
    except FormError as error:
        return _organisation_page(
            request, pages, session, user, {"errors": _errors(error, loc)}, status_code=400
        )
    return _organisation_page(
        request, pages, session, user, {"invitation_code": code, "invited_role": Role(role)}
    )


@router.post("/{locale}/account/organisation/staff/{staff_id}/{action}", include_in_schema=False)
def suspend_staff(
    loc: LocaleDep,
    session: SessionDep,
    user: OrganisationAdmin,
    now: ClockDep,
    staff_id: RowId,
    action: str,
) -> RedirectResponse:
    """Suspends a staff account at once (its sessions end), or restores it."""
    if action not in {"suspend", "restore"}:
        raise HTTPException(status_code=404)
    try:
        service.set_suspended(
            session, admin=user, staff_id=staff_id, suspended=action == "suspend", now=now
        )
    except PermissionError as error:
        raise HTTPException(status_code=403) from error
    return RedirectResponse(f"/{loc.code}/account/organisation", status_code=303)


@router.get("/{locale}/sign-up/staff", include_in_schema=False)
def staff_sign_up_form(
    request: Request,
    loc: LocaleDep,
    pages: PagesDep,
    session: SessionDep,
    now: ClockDep,
    code: str = "",
) -> Response:
    errors = {}
    if code:
        try:
            service.staff_invitation(session, code=code, now=now)
        except FormError as error:
            errors = _errors(error, loc)
    return pages.render(
        request,
        "accounts/staff_sign_up.html",
        {"errors": errors, "values": {"code": code}},
        status_code=400 if errors else 200,
        private=True,
    )


@router.post("/{locale}/sign-up/staff", include_in_schema=False)
def staff_sign_up(
    request: Request,
    loc: LocaleDep,
    pages: PagesDep,
    session: SessionDep,
    settings: SettingsDep,
    now: ClockDep,
    code: FormText = "",
    name: FormText = "",
    display_name: FormText = "",
    passphrase: FormText = "",
) -> Response:
    """A staff account from an invitation code; the code works once."""
    values = {"code": code, "name": name, "display_name": display_name}
    try:
        staff = service.accept_staff_invitation(
            session,
            code=code,
            name=name,
            display_name=display_name,
            passphrase=passphrase,
            now=now,
        )
    except FormError as error:
        return pages.render(
            request,
            "accounts/staff_sign_up.html",
            {"errors": _errors(error, loc), "values": values},
            status_code=400,
            private=True,
        )
    return _signed_in_response(
        request,
        user=staff,
        shared_device=False,
        target=f"/{loc.code}/account/",
        session=session,
        settings=settings,
        now=now,
    )
