"""create_app(): settings, database, middleware, routers and templates in one place."""

import logging
from contextlib import asynccontextmanager
from urllib.parse import quote

from asgi_csrf import asgi_csrf
from fastapi import FastAPI, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import RedirectResponse, Response
from starlette.types import Receive, Scope, Send

from app import localtime
from app.accounts.secrets import Busy
from app.caching import PreparedPages, PreparedStore
from app.calendar.worker import FeedRefresher, NoRefresher, feed_client
from app.clock import utcnow
from app.db import is_unavailable, make_engine
from app.deps import SignInRequired
from app.i18n import LOCALE_COOKIE, LocaleInfo, locale_info, negotiate
from app.logs import RequestLog, RouteName
from app.notify.channels import build as build_channels
from app.notify.demo import Inbox
from app.notify.webpush import public_key, sender_for
from app.notify.worker import NoNotifier, Notifier
from app.routes import (
    accounts,
    agency_api,
    birth_plan,
    calendar,
    consent,
    explainers,
    home,
    pathway,
    position,
    push,
    pwa,
    questions,
    resources,
    team,
)
from app.security import (
    HeadAsGetMiddleware,
    MultipartTokenMiddleware,
    SecurityHeadersMiddleware,
    security_headers,
)
from app.settings import Settings
from app.site import Site, shared_site
from app.templating import Pages

log = logging.getLogger("next_steps")


class NextSteps(FastAPI):
    """The app, answering its prepared public pages before anything else runs.

    The lookup sits in front of FastAPI's own outermost layers (error pages, body limit),
    not only in front of our middleware: a prepared page needs none of them, and on a
    page served thousands of times a second each layer costs as much as the lookup."""

    def __init__(self, *, trusted_proxies: list, **kwargs) -> None:
        super().__init__(**kwargs)
        self.state.prepared = PreparedStore()
        # Outermost, so that prepared pages too have a request id and an access line.
        self._front = RequestLog(
            PreparedPages(super().__call__, store=self.state.prepared),
            trusted_proxies=trusted_proxies,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._front(scope, receive, send)


NO_TELEMETRY = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
    "auto_configure": False,
}


def create_app(
    settings: Settings | None = None, *, engine: Engine | None = None, site: Site | None = None
) -> FastAPI:
    """The Next Steps application for the given settings (read from the environment if none).

    The read-only `site` (content, search, service worker) is built once per process and
    shared unless one is given."""
    settings = settings or Settings()
    localtime.configure(settings.timezone)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if settings.feed_refresh_in_process:
            app.state.refresher = FeedRefresher(app.state.engine, app.state.feed_client)
            app.state.refresher.start()
        channels = app.state.channels
        if settings.notify_in_process and (
            app.state.vapid_public_key or channels.text or channels.email
        ):
            sender = sender_for(settings)
            app.state.notifier = Notifier(
                app.state.engine, sender, settings,
                build_channels(settings, push_sender=sender),
            )  # fmt: skip
            app.state.notifier.start()
        yield
        if settings.feed_refresh_in_process:
            app.state.refresher.stop()
        app.state.notifier.stop()
        app.state.feed_client.close()

    app = NextSteps(
        title="Next Steps agency API",
        version="1",
        description="Agency staff linked to a parent add, move and cancel bookings in the "
        "parent's Next Steps calendar. Authenticate with a personal API token.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
        lifespan=lifespan,
        # No OpenTelemetry: it would record request bodies and exception messages (personal
        # data) for any exporter configured in the environment, and its per-request check
        # of the global providers was half the cost of a prepared page.
        telemetry=NO_TELEMETRY,
        trusted_proxies=settings.trusted_proxy_networks,
    )
    app.state.settings = settings
    app.state.engine = engine or make_engine(settings)
    app.state.clock = utcnow
    app.state.feed_client = feed_client(settings)
    app.state.refresher = NoRefresher()
    app.state.notifier = NoNotifier()
    # Texts and email (the pages send confirmation codes through them); push is the worker's.
    app.state.channels = build_channels(settings)
    app.state.demo_inbox = Inbox()
    # Notifications need a VAPID subject; without one the page says they are not set up.
    app.state.vapid_public_key = (
        public_key(settings.vapid_key_pem()) if settings.push_subject else None
    )
    if not settings.push_subject:
        log.warning("notifications are off: set VAPID_SUBJECT (a mailto: or https: address)")
    site = site or shared_site(settings)
    app.state.pages = Pages(settings, site.static)
    app.state.content = site.content
    app.state.national_resources = site.national_resources
    app.state.search = site.search
    app.state.service_worker = site.service_worker
    app.state.manifest = site.manifest

    app.mount("/static", site.static, name="static")
    app.include_router(pwa.router)
    app.include_router(home.router)
    app.include_router(explainers.router)
    app.include_router(pathway.router)
    app.include_router(position.router)
    app.include_router(questions.router)
    app.include_router(accounts.router)
    app.include_router(consent.router)
    app.include_router(team.router)
    app.include_router(resources.router)
    app.include_router(birth_plan.router)
    app.include_router(calendar.router)
    app.include_router(push.router)
    app.include_router(agency_api.router)
    app.include_router(agency_api.pages_router)

    _add_error_pages(app)

    # Added innermost first (prepared public pages are answered before all of it, see
    # NextSteps): security headers wrap everything else, then CSRF, then compression.
    # Level 6 compresses pages nearly as small as 9 at a fraction of the time; prepared
    # pages are compressed once at the best level instead.
    app.add_middleware(RouteName)
    app.add_middleware(GZipMiddleware, minimum_size=500, compresslevel=6)
    app.add_middleware(
        asgi_csrf,
        signing_secret=settings.signing_key(),
        cookie_secure=settings.secure_cookies,
        send_csrf_failed=_csrf_failed(app),
    )
    app.add_middleware(MultipartTokenMiddleware, refuse=_csrf_failed(app))
    app.add_middleware(SecurityHeadersMiddleware, https=settings.secure_cookies)
    app.add_middleware(HeadAsGetMiddleware)
    return app


def error_locale(request: Request) -> LocaleInfo:
    """The locale for an error page: the path's, else the visitor's preference."""
    settings: Settings = request.app.state.settings
    first = request.url.path.strip("/").split("/", 1)[0]
    if first in settings.locale_list:
        return locale_info(first)
    return locale_info(
        negotiate(
            settings.locale_list,
            cookie=request.cookies.get(LOCALE_COOKIE),
            accept_language=request.headers.get("accept-language"),
            default=settings.default_locale,
        )
    )


def _add_error_pages(app: FastAPI) -> None:
    pages: Pages = app.state.pages

    async def not_found(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code not in (403, 404) or request.url.path.startswith("/api/"):
            return await http_exception_handler(request, exc)
        if exc.status_code == 403:
            return pages.render_error(error_locale(request), 403, name="errors/no_access.html")
        return pages.render_error(error_locale(request), 404)

    async def sign_in_required(request: Request, exc: SignInRequired) -> Response:
        loc = error_locale(request)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        address = f"/{loc.code}/sign-in?next={quote(target, safe='')}"
        if request.headers.get("hx-request") == "true":
            return Response(status_code=204, headers={"HX-Redirect": address})
        return RedirectResponse(address, status_code=303, headers={"Cache-Control": "no-store"})

    async def database_error(request: Request, exc: DBAPIError) -> Response:
        if not is_unavailable(exc):
            raise exc
        log.warning("database unavailable: %s", type(exc.orig).__name__)
        response = pages.render_error(error_locale(request), 503)
        response.headers["Retry-After"] = "30"
        return response

    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if request.url.path.startswith("/api/"):
            return await request_validation_exception_handler(request, exc)
        # Never the input back (it may be long or hostile), never cached. A wrong value in
        # the address is a page that does not exist; a wrong form is to be sent again.
        in_address = any(error.get("loc", ("",))[0] == "path" for error in exc.errors())
        return pages.render_error(error_locale(request), 404 if in_address else 400)

    async def busy(request: Request, exc: Busy | PoolTimeout) -> Response:
        # Truly saturated (every slot for costly work taken for a while): say try again.
        log.warning("busy: %s", type(exc).__name__)
        response = pages.render_error(error_locale(request), 503)
        response.headers["Retry-After"] = "10"
        return response

    async def server_error(request: Request, exc: Exception) -> Response:
        # Answered by Starlette's outermost middleware, so the headers are added here.
        response = pages.render_error(error_locale(request), 500)
        response.raw_headers.extend(security_headers(https=app.state.settings.secure_cookies))
        return response

    app.add_exception_handler(StarletteHTTPException, not_found)
    app.add_exception_handler(SignInRequired, sign_in_required)
    app.add_exception_handler(DBAPIError, database_error)
    app.add_exception_handler(Busy, busy)
    app.add_exception_handler(PoolTimeout, busy)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(Exception, server_error)


def _csrf_failed(app: FastAPI):
    async def send_csrf_failed(scope, send, message_id) -> None:
        request = Request(scope)
        request.scope["app"] = app
        response = app.state.pages.render_error(error_locale(request), 403)
        await response(scope, None, send)

    return send_csrf_failed
