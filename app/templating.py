"""One Jinja2 environment: gettext per request's locale, Babel filters, hashed static URLs.

A page is one template; an htmx request gets its `content` block from the same template.
"""

import datetime as dt
import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache
from jinja2 import pass_context
from jinja2.runtime import Context
from jinja2_fragments.fastapi import Jinja2Blocks
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from app.assets import HashedStatic
from app.caching import add_vary, prepare
from app.explainers.phones import link_phones
from app.i18n import Formatter, LocaleInfo, locale_info
from app.settings import Settings

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

PUBLIC_CACHE = "public, max-age=300"
# Public, but may change any minute (a pack its maker can withdraw): asked again each time.
PUBLIC_FRESH = "public, no-cache"
PRIVATE_CACHE = "private, no-cache"
# A signed-in person's page: never stored, so Back cannot show it after sign-out.
NO_STORE = "no-store"


@pass_context
def _gettext(context: Context, message: str) -> str:
    return context["loc"].translations.gettext(message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return context["loc"].translations.ngettext(singular, plural, n)


@pass_context
def _pgettext(context: Context, msgctxt: str, message: str) -> str:
    return context["loc"].translations.pgettext(msgctxt, message)


@pass_context
def _csrf_token(context: Context) -> str:
    """The CSRF token for forms and htmx; a page that uses it is never shared-cached."""
    request: Request = context["request"]
    request.state.csrf_used = True
    return request.scope["csrftoken"]()


def _formatter(context: Context) -> Formatter:
    return Formatter(context["loc"].code)


@pass_context
def _format_datetime(context: Context, value, fmt: str = "medium") -> str:
    return _formatter(context).datetime(value, fmt)


@pass_context
def _format_date(context: Context, value, fmt: str = "long") -> str:
    return _formatter(context).date(value, fmt)


@pass_context
def _format_time(context: Context, value, fmt: str = "short") -> str:
    return _formatter(context).time(value, fmt)


class _ProcessBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates kept for the process, so each new app skips compiling them again.

    Jinja keys each entry by the template's name and a checksum of its source, so an edited
    template is compiled afresh."""

    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        compiled = self._compiled.get(bucket.key)
        if compiled is not None:
            bucket.bytecode_from_string(compiled)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._compiled[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _ProcessBytecodeCache()


class Pages:
    """Renders pages and fragments with everything the base layout needs."""

    def __init__(self, settings: Settings, static: HashedStatic) -> None:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
            autoescape=True,
            extensions=["jinja2.ext.i18n"],
            undefined=jinja2.StrictUndefined,
            bytecode_cache=_COMPILED,
        )
        env.policies["ext.i18n.trimmed"] = True
        env.install_gettext_callables(_gettext, _ngettext, newstyle=True, pgettext=_pgettext)
        env.globals.update(
            static=static.url,
            csrf_token=_csrf_token,
            quick_exit_url=settings.quick_exit_url,
            available_locales=[locale_info(code) for code in settings.locale_list],
        )
        env.filters.update(
            datetime=_format_datetime,
            date=_format_date,
            time=_format_time,
            fromjson=json.loads,
            isodate=dt.datetime.fromisoformat,
            isoday=dt.date.fromisoformat,
            phones=link_phones,
        )
        self.env = env
        self.templates = Jinja2Blocks(env=env)
        self._cache: dict[tuple, tuple[bytes, bytes, str, dict[str, str]]] = {}

    def render(
        self,
        request: Request,
        name: str,
        context: dict[str, Any] | None = None,
        *,
        status_code: int = 200,
        private: bool = False,
        fresh: bool = False,
        fragment: str = "content",
    ) -> Response:
        """The page, or its `fragment` block (`content` unless said) when htmx asks.

        `private` pages (anything shown to a signed-in person) are sent `no-store`; `fresh`
        public pages are checked with the server on every visit, never kept for minutes.
        """
        loc: LocaleInfo = request.state.loc
        current_user = getattr(request.state, "user", None)
        private = private or current_user is not None
        full_context = {
            "loc": loc,
            "path_in_locale": path_in_locale(request),
            "current_user": current_user,
            **(context or {}),
        }
        wants_fragment = (
            request.headers.get("hx-request") == "true"
            and request.headers.get("hx-history-restore-request") != "true"
        )
        response = self.templates.TemplateResponse(
            request,
            name,
            full_context,
            status_code=status_code,
            block_name=fragment if wants_fragment else None,
        )
        add_vary(response.headers, "HX-Request")
        if private:
            response.headers["Cache-Control"] = NO_STORE
        elif getattr(request.state, "csrf_used", False):
            response.headers["Cache-Control"] = PRIVATE_CACHE
        else:
            response.headers["Cache-Control"] = PUBLIC_FRESH if fresh else PUBLIC_CACHE
        response.headers["Content-Language"] = loc.code
        return response

    def render_cached(
        self, request: Request, key: tuple, name: str, context: dict[str, Any] | None = None
    ) -> Response:
        """A page whose bytes depend only on `key` and the htmx flag: rendered once, then
        served from memory with an ETag, and 304 when the browser already has it."""
        wants_fragment = request.headers.get("hx-request") == "true"
        cache_key = (*key, name, wants_fragment)
        cached = self._cache.get(cache_key)
        if cached is None:
            response = self.render(request, name, context)
            body = bytes(response.body)
            etag = f'W/"{hashlib.sha256(body).hexdigest()[:20]}"'
            add_vary(response.headers, "Accept-Encoding")
            prepare(response)
            headers = {k: v for k, v in response.headers.items() if k != "content-length"}
            cached = self._cache[cache_key] = (body, gzip.compress(body, 9), etag, headers)
        body, compressed, etag, headers = cached
        if etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers={**_revalidation(headers), "ETag": etag})
        if "gzip" in request.headers.get("accept-encoding", ""):
            # Compressed once here, so the compression middleware passes it through.
            headers = {**headers, "content-encoding": "gzip"}
            body = compressed
        return Response(body, headers={**headers, "ETag": etag}, media_type="text/html")

    def render_error(
        self, loc: LocaleInfo, status_code: int, path: str = "/", *, name: str | None = None
    ) -> HTMLResponse:
        """An error page in the reader's language, built without a route or a database."""
        template = self.env.get_template(name or f"errors/{status_code}.html")
        body = template.render(loc=loc, path_in_locale=path, request=None, current_user=None)
        response = HTMLResponse(body, status_code=status_code)
        response.headers["Cache-Control"] = "no-store"
        response.headers["Content-Language"] = loc.code
        return response


def _revalidation(headers: dict[str, str]) -> dict[str, str]:
    keep = {"cache-control", "vary", "content-language"}
    return {k: v for k, v in headers.items() if k in keep}


def path_in_locale(request: Request) -> str:
    """The request's path with its locale prefix removed: `/cy/explainers/x` → `/explainers/x`."""
    path = request.url.path
    loc = getattr(request.state, "loc", None)
    if loc and (path == f"/{loc.code}" or path.startswith(f"/{loc.code}/")):
        path = path[len(loc.code) + 1 :] or "/"
    return path
