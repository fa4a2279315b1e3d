"""Notifications: the parent's page (devices, reminder times, quiet hours, discreet mode),
the JSON calls push.js makes to turn this device on or off, and the public VAPID key."""

import json
import secrets
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
from app.notify import demo
from app.notify import service as notify
from app.notify.models import (
    REMINDER_CHOICES,
    REMINDER_LABELS,
    WAY_CHOICES,
    WAY_LABELS,
    AddressKind,
)
from app.routes.accounts import describe_device

router = APIRouter()
MAX_JSON = 4096
# What Notify (or our worker) last said of a text or email, as the parent reads it.
DELIVERY_LABELS = {
    "sent": N_("sent"),
    "sending": N_("sent"),
    "delivered": N_("delivered"),
    "permanent-failure": N_("did not arrive"),
    "temporary-failure": N_("not delivered yet"),
    "technical-failure": N_("not sent"),
    "failed": N_("not sent"),
}



def _reminder_options(loc) -> list[tuple[str, str]]:
    return [(code, loc.translations.gettext(REMINDER_LABELS[code])) for code in REMINDER_CHOICES]


def _page(request, loc, pages, session, access, *, errors=None, form=None, status_code=200):
    user_id = access.parent.id
    prefs = notify.preferences(session, user_id=user_id)
    context = {
        "csrf_protected": True,
        "push_ready": request.app.state.vapid_public_key is not None,
        "texts_on": request.app.state.channels.text is not None,
        "email_on": request.app.state.channels.email is not None,
        "addresses": notify.addresses_of(session, user_id=user_id),
        "demo_channels": request.app.state.settings.demo_channels,
        "way_options": [(code, loc.translations.gettext(WAY_LABELS[code])) for code in WAY_CHOICES],
        "ways": {
            name: (form or {}).get(name) or getattr(prefs, name) for name in notify.WAY_NAMES
        },
        "recent": notify.recent_deliveries(session, user_id=user_id),
        "delivery_labels": {
            code: loc.translations.gettext(label) for code, label in DELIVERY_LABELS.items()
        },
        "public_key": request.app.state.vapid_public_key or "",
        "devices": notify.list_devices(session, user_id=user_id),
        "prefs": prefs,
        "chosen": set(form["reminders"])
        if form and "reminders" in form
        else set(notify.reminder_codes(prefs)),
        "reminder_options": _reminder_options(loc),
        "form": form or {},
        "errors": errors or {},
        "saved": request.query_params.get("saved") == "1",
        "note": {
            name: request.query_params.get(name)
            for name in ("code_sent", "confirmed", "removed")
            if request.query_params.get(name) in ("phone", "email")
        },
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
    reminders_by: Annotated[str, Form(max_length=20)] = "push",
    changes_by: Annotated[str, Form(max_length=20)] = "push",
    shared_by: Annotated[str, Form(max_length=20)] = "push",
) -> Response:
    ways = {"reminders_by": reminders_by, "changes_by": changes_by, "shared_by": shared_by}
    try:
        notify.save_preferences(
            session,
            user_id=access.parent.id,
            reminders=reminders,
            quiet_start=quiet_start,
            quiet_end=quiet_end,
            discreet=discreet == "yes",
            now=now,
            ways=ways,
        )
    except FormError as error:
        form = {
            "reminders": reminders,
            "quiet_start": quiet_start,
            "quiet_end": quiet_end,
            "discreet": discreet == "yes",
            **ways,
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


def _address_done(loc, kind: AddressKind, note: str) -> RedirectResponse:
    return RedirectResponse(
        f"/{loc.code}/account/notifications?{note}={kind.value}#{kind.value}", status_code=303
    )


def _address_error(request, loc, pages, session, access, error: FormError, form: dict):
    errors = error.translated(loc.translations)
    return _page(request, loc, pages, session, access, errors=errors, form=form, status_code=400)


@router.post("/{locale}/account/notifications/addresses/{kind}", include_in_schema=False)
def add_address(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep, access: OwnerAccess,
    now: ClockDep, kind: AddressKind, phone: Annotated[str, Form(max_length=300)] = "",
    email: Annotated[str, Form(max_length=300)] = "",
) -> Response:  # fmt: skip
    """A mobile number or email address for texts or emails: a code is sent to it."""
    value = phone if kind == AddressKind.phone else email
    try:
        notify.add_address(
            session, user_id=access.parent.id, kind=kind, value=value,
            channels=request.app.state.channels, locale=loc.code, now=now,
        )  # fmt: skip
    except FormError as error:
        return _address_error(request, loc, pages, session, access, error, {kind.value: value})
    return _address_done(loc, kind, "code_sent")


@router.post("/{locale}/account/notifications/addresses/{kind}/new-code", include_in_schema=False)
def new_code(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep, access: OwnerAccess,
    now: ClockDep, kind: AddressKind,
) -> Response:  # fmt: skip
    """Another code for the number or address waiting to be confirmed."""
    try:
        notify.send_new_code(
            session, user_id=access.parent.id, kind=kind, channels=request.app.state.channels,
            locale=loc.code, now=now,
        )  # fmt: skip
    except FormError as error:
        return _address_error(request, loc, pages, session, access, error, {})
    return _address_done(loc, kind, "code_sent")


@router.post("/{locale}/account/notifications/addresses/{kind}/confirm", include_in_schema=False)
def confirm_address(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep, access: OwnerAccess,
    now: ClockDep, kind: AddressKind, phone_code: Annotated[str, Form(max_length=20)] = "",
    email_code: Annotated[str, Form(max_length=20)] = "",
) -> Response:  # fmt: skip
    """The code typed back: from now on messages may go to this number or address."""
    code = phone_code if kind == AddressKind.phone else email_code
    try:
        notify.confirm_address(session, user_id=access.parent.id, kind=kind, code=code, now=now)
    except FormError as error:
        named = FormError({f"{kind.value}_code": m for m in error.errors.values()})
        return _address_error(request, loc, pages, session, access, named, {})
    return _address_done(loc, kind, "confirmed")


@router.post("/{locale}/account/notifications/addresses/{kind}/remove", include_in_schema=False)
def remove_address(
    loc: LocaleDep, session: SessionDep, access: OwnerAccess, now: ClockDep, kind: AddressKind
) -> RedirectResponse:
    """Forgets the number or address: nothing more is sent to it, from now."""
    notify.remove_address(session, user_id=access.parent.id, kind=kind, now=now)
    return _address_done(loc, kind, "removed")


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


@router.post("/notify/shown", include_in_schema=False)
async def shown(request: Request, session: SessionDep, now: ClockDep) -> Response:
    """The service worker showed a push message (`{"id": …}`, the random id the message
    carried; nothing else): a "then text" for it need not go. Sent without cookies."""
    ack = (await _json(request)).get("id")
    if isinstance(ack, str):
        notify.acknowledge(session, ack=ack, now=now)
    return Response(status_code=204, headers={"Cache-Control": "no-store"})


@router.post("/notify/callbacks/status", include_in_schema=False)
async def delivery_status(
    request: Request, session: SessionDep, settings: SettingsDep, now: ClockDep
) -> Response:
    """GOV.UK Notify's delivery-status callback, with our bearer token."""
    token = settings.notify_callback_token
    given = request.headers.get("authorization", "")
    if not token or not secrets.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return JSONResponse({"error": "unauthorised"}, status_code=401)
    data = await _json(request)
    ref, status = data.get("id"), data.get("status")
    if isinstance(ref, str) and isinstance(status, str):
        notify.record_status(session, ref=ref, status=status, now=now)
    return Response(status_code=204, headers={"Cache-Control": "no-store"})


@router.get("/push/public-key", include_in_schema=False)
def vapid_public_key(request: Request) -> Response:
    """The key browsers subscribe with (public by design: it only proves messages are ours)."""
    key = request.app.state.vapid_public_key
    if key is None:
        return JSONResponse({"publicKey": None}, status_code=404)
    return JSONResponse({"publicKey": key}, headers={"Cache-Control": "public, max-age=3600"})


# The demo's GOV.UK Notify stand-in (DEMO_CHANNELS only) -------------------------------


@router.post("/v2/notifications/{kind}", include_in_schema=False)
async def demo_notify(request: Request, settings: SettingsDep, kind: str) -> Response:
    """Takes a text or email the way Notify does (its JWT checked) and keeps it in memory."""
    if not settings.demo_channels or kind not in ("sms", "email"):
        return JSONResponse({"errors": [{"error": "NotFound"}]}, status_code=404)
    if not demo.check_token(request.headers.get("authorization")):
        return JSONResponse({"errors": [{"error": "AuthError"}]}, status_code=403)
    data = await _json(request)
    kept = {
        "to": data.get("phone_number") or data.get("email_address") or "",
        "personalisation": data.get("personalisation") or {},
    }
    ident = request.app.state.demo_inbox.take(kind, kept)
    return JSONResponse({"id": ident, "reference": data.get("reference")}, status_code=201)


@router.get("/{locale}/demo-messages", include_in_schema=False)
def demo_messages(
    request: Request, loc: LocaleDep, pages: PagesDep, settings: SettingsDep
) -> Response:
    """The demo's texts and emails, newest first, as they would have arrived."""
    if not settings.demo_channels:
        return Response(status_code=404)
    context = {"messages": request.app.state.demo_inbox.list()}
    return pages.render(request, "push/demo_messages.html", context, private=True)
