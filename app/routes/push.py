"""Notifications: the parent's page (devices, reminder times, quiet hours, discreet mode),
the JSON calls push.js makes to turn this device on or off, and the public VAPID key."""

import json
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from app.deps import (
    SESSION_COOKIE,
    ClockDep,
    LocaleDep,
    OwnerAccess,
    PagesDep,
    RowId,
    SessionDep,
    SettingsDep,
)
from app.forms import N_, FormError
from app.notify import service as notify
from app.notify.models import REMINDER_CHOICES, REMINDER_LABELS
from app.routes.accounts import describe_device

router = APIRouter()
MAX_JSON = 4096



def _reminder_options(loc) -> list[tuple[str, str]]:
    return [(code, loc.translations.gettext(REMINDER_LABELS[code])) for code in REMINDER_CHOICES]


def _page(request, loc, pages, session, access, *, errors=None, form=None, status_code=200):
    user_id = access.parent.id
    settings = request.app.state.settings
    prefs = notify.preferences(session, user_id=user_id)
    context = {
        "csrf_protected": True,
        "push_ready": request.app.state.vapid_public_key is not None,
        "texts_on": settings.texts_on,
        "email_on": settings.email_by is not None,
        "public_key": request.app.state.vapid_public_key or "",
        "devices": notify.list_devices(session, user_id=user_id),
        "prefs": prefs,
        "chosen": set(form["reminders"]) if form else set(notify.reminder_codes(prefs)),
        "reminder_options": _reminder_options(loc),
        "form": form or {},
        "errors": errors or {},
        "saved": request.query_params.get("saved") == "1",
        "this_device_kept": notify.kept_after_sign_out(
            session, user_id=user_id, session_token=request.cookies.get(SESSION_COOKIE)
        ),
    }
    return pages.render(
        request, "push/notifications.html", context, private=True, status_code=status_code
    )


@router.get("/{locale}/account/notifications", include_in_schema=False)
def notifications(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep, access: OwnerAccess
) -> Response:
    """This parent's devices and what they want to be told, and when."""
    return _page(request, loc, pages, session, access)


@router.post("/{locale}/account/notifications", include_in_schema=False)
def save_preferences(
    request: Request,
    loc: LocaleDep,
    pages: PagesDep,
    session: SessionDep,
    access: OwnerAccess,
    now: ClockDep,
    reminders: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI reads the default
    quiet_start: Annotated[str, Form(max_length=10)] = "",
    quiet_end: Annotated[str, Form(max_length=10)] = "",
    discreet: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    try:
        notify.save_preferences(
            session,
            user_id=access.parent.id,
            reminders=reminders,
            quiet_start=quiet_start,
            quiet_end=quiet_end,
            discreet=discreet == "yes",
            now=now,
        )
    except FormError as error:
        form = {
            "reminders": reminders,
            "quiet_start": quiet_start,
            "quiet_end": quiet_end,
            "discreet": discreet == "yes",
        }
        errors = error.translated(loc.translations)
        return _page(
            request, loc, pages, session, access, errors=errors, form=form, status_code=400
        )
    return RedirectResponse(f"/{loc.code}/account/notifications?saved=1", status_code=303)


@router.post("/{locale}/account/notifications/devices/{device_id}/remove", include_in_schema=False)
def remove_device(
    loc: LocaleDep, session: SessionDep, access: OwnerAccess, now: ClockDep, device_id: RowId
) -> RedirectResponse:
    """Stops notifications to one of this parent's devices (its browser keeps nothing)."""
    notify.remove_device(session, user_id=access.parent.id, subscription_id=device_id, now=now)
    return RedirectResponse(f"/{loc.code}/account/notifications", status_code=303)


async def _json(request: Request) -> dict:
    body = await request.body()
    if len(body) > MAX_JSON:
        return {}
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _problem(loc, message: str, status_code: int = 400) -> JSONResponse:
    return JSONResponse(
        {"error": loc.translations.gettext(message)},
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
    )


@router.post("/{locale}/account/notifications/subscribe", include_in_schema=False)
async def subscribe(
    request: Request,
    loc: LocaleDep,
    session: SessionDep,
    settings: SettingsDep,
    access: OwnerAccess,
    now: ClockDep,
) -> Response:
    """This browser's PushSubscription (its `toJSON()`), kept for this parent."""
    if request.app.state.vapid_public_key is None:
        return _problem(loc, N_("This site is not set up to send notifications yet."), 409)
    data = await _json(request)
    keys = data.get("keys") if isinstance(data.get("keys"), dict) else {}
    values = [data.get("endpoint"), keys.get("p256dh"), keys.get("auth")]
    if not all(isinstance(value, str) and value for value in values):
        return _problem(loc, N_("We could not turn on notifications. Please try again."))
    try:
        notify.subscribe(
            session,
            user_id=access.parent.id,
            endpoint=values[0],
            p256dh=values[1],
            auth=values[2],
            device=describe_device(request.headers.get("user-agent", "")),
            now=now,
            allow_loopback=settings.push_allow_loopback,
            session_token=request.cookies.get(SESSION_COOKIE),
            keep_after_sign_out=data.get("keep") is True,
        )
    except FormError as error:
        return JSONResponse(
            {"error": " ".join(error.translated(loc.translations).values())},
            status_code=400,
            headers={"Cache-Control": "no-store"},
        )
    message = loc.translations.gettext("Notifications are on for this device.")
    return JSONResponse({"ok": True, "message": message}, headers={"Cache-Control": "no-store"})


@router.post("/{locale}/account/notifications/unsubscribe", include_in_schema=False)
async def unsubscribe(
    request: Request, loc: LocaleDep, session: SessionDep, access: OwnerAccess, now: ClockDep
) -> Response:
    """Forgets this browser's push address (push.js then unsubscribes the browser too)."""
    endpoint = (await _json(request)).get("endpoint")
    if not isinstance(endpoint, str) or not endpoint:
        return _problem(loc, N_("We could not turn off notifications. Please try again."))
    notify.remove_device(session, user_id=access.parent.id, endpoint=endpoint, now=now)
    message = loc.translations.gettext("Notifications are off for this device.")
    return JSONResponse({"ok": True, "message": message}, headers={"Cache-Control": "no-store"})


@router.get("/push/public-key", include_in_schema=False)
def vapid_public_key(request: Request) -> Response:
    """The key browsers subscribe with (public by design: it only proves messages are ours)."""
    key = request.app.state.vapid_public_key
    if key is None:
        return JSONResponse({"publicKey": None}, status_code=404)
    return JSONResponse({"publicKey": key}, headers={"Cache-Control": "public, max-age=3600"})
