"""Resources: the public directory, share packs and their short links, a parent's saved
and shared-with-you lists, and the pages where workers make packs and add local services.

The directory and a pack's page are the same for everyone (no sign-in is read), so they
are cached publicly and stay readable offline once opened.
"""

from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from app.consent import service as consent
from app.deps import (
    ClockDep,
    Curator,
    CurrentUser,
    LinkedAccess,
    LocaleDep,
    NationalDep,
    OwnerAccess,
    PagesDep,
    SessionDep,
    SettingsDep,
    public_origin,
)
from app.forms import FormError
from app.i18n import LocaleInfo
from app.resources import service
from app.resources.directory import (
    TOPICS,
    Filters,
    Resource,
    clean_filters,
    find,
    language_name,
    language_options,
)
from app.resources.models import SharePack
from app.resources.qr import qr_svg
from app.resources.service import NotAllowed, NotFound

router = APIRouter()

Text = Annotated[str, Form(max_length=2000)]
Picks = Annotated[list[str], Form(max_length=80)]
QueryText = Annotated[str, Query(max_length=100)]
RowId = Annotated[int, Path(ge=1, le=2_147_483_647)]  # what any database's integer holds


def _topic_names(loc: LocaleInfo) -> dict[str, str]:
    return {key: loc.translations.gettext(name) for key, name in TOPICS.items()}


def _card_words(loc: LocaleInfo) -> dict:
    """What resources/_card.html needs to name topics and languages in the reader's language."""
    return {
        "topic_names": _topic_names(loc),
        "language_name": lambda code: language_name(code, loc.code),
    }


def _listing(session, national, loc: LocaleInfo, filters: Filters) -> dict:
    """What a filtered list of services needs: the services, topic and language choices."""
    every = service.directory(session, national=national)
    words = _card_words(loc)
    return words | {
        "filters": filters,
        "found": find(every, filters, topic_names=words["topic_names"]),
        "language_options": language_options(every, loc.code),
    }


def _short_link(request: Request, pack: SharePack) -> str:
    return f"{public_origin(request)}/s/{pack.code}"


@contextmanager
def _answers():
    """A missing pack or service is a 404; one this person may not touch, a 403."""
    try:
        yield
    except NotFound as missing:
        raise HTTPException(status_code=404) from missing
    except NotAllowed as refused:
        raise HTTPException(status_code=403) from refused


# The directory -------------------------------------------------------------------------


@router.get("/{locale}/resources/", include_in_schema=False)
def directory(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep, national: NationalDep,
    topic: QueryText = "", language: QueryText = "", area: QueryText = "", q: QueryText = "",
) -> Response:  # fmt: skip
    """National services and local ones for the reader's area, filtered and searched."""
    filters = clean_filters(topic=topic, language=language, area=area, q=q)
    return pages.render(
        request, "resources/index.html", _listing(session, national, loc, filters),
        fragment="results",
    )  # fmt: skip


@router.get("/{locale}/resources", include_in_schema=False)
def directory_without_slash(loc: LocaleDep) -> RedirectResponse:
    return RedirectResponse(f"/{loc.code}/resources/", status_code=308)


# A parent's saved services -------------------------------------------------------------


def _saved_page(request, pages, session, national, loc, user, *, adding=None, notice=None):
    refs = service.saved_refs(session, user=user)
    found = service.resolve(session, national=national, refs=refs)
    return pages.render(
        request,
        "resources/saved.html",
        {
            "saved": [found[ref] for ref in refs if ref in found],
            "adding": adding,
            "notice": notice,
            **_card_words(loc),
            "csrf_protected": True,
        },
        private=True,
    )


@router.get("/{locale}/resources/saved", include_in_schema=False)
def saved(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep,
    national: NationalDep, user: CurrentUser, add: QueryText = "", saved: QueryText = "",
    removed: QueryText = "",
) -> Response:  # fmt: skip
    """My saved services; `?add=` asks to confirm saving one (the directory links here)."""
    adding = None
    if add:
        adding = service.resolve(session, national=national, refs=[add]).get(add)
        if adding is None or adding.withdrawn:
            raise HTTPException(status_code=404)
        if add in service.saved_refs(session, user=user):
            adding = None
    notice = None
    if saved:
        notice = loc.translations.gettext("Saved. You can find it here at any time.")
    elif removed:
        notice = loc.translations.gettext("Taken off your list.")
    return _saved_page(request, pages, session, national, loc, user, adding=adding, notice=notice)


@router.post("/{locale}/resources/saved", include_in_schema=False)
def save(
    loc: LocaleDep, session: SessionDep, national: NationalDep, user: CurrentUser,
    now: ClockDep, ref: Text = "",
) -> RedirectResponse:  # fmt: skip
    """Keeps a service in My saved."""
    with _answers():
        service.save_resource(session, user=user, national=national, ref=ref, now=now)
    return RedirectResponse(f"/{loc.code}/resources/saved?saved=1", status_code=303)


@router.post("/{locale}/resources/saved/remove", include_in_schema=False)
def unsave(
    loc: LocaleDep, session: SessionDep, user: CurrentUser, ref: Text = ""
) -> RedirectResponse:
    """Takes a service off My saved."""
    service.unsave_resource(session, user=user, ref=ref)
    return RedirectResponse(f"/{loc.code}/resources/saved?removed=1", status_code=303)


# Shared with you -----------------------------------------------------------------------


@router.get("/{locale}/resources/shared", include_in_schema=False)
def shared_with_parent(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep,
    national: NationalDep, access: LinkedAccess, sent: QueryText = "", hidden: QueryText = "",
) -> Response:  # fmt: skip
    """The packs workers have put into the parent's app, each in full, newest first."""
    # A linked worker sees what their own organisation sent, never what others did.
    organisation_id = None if access.is_parent else access.user.organisation_id or -1
    deliveries = [
        (delivery, pack, service.pack_resources(session, national=national, pack=pack))
        for delivery, pack in service.deliveries_for(
            session, parent=access.parent, organisation_id=organisation_id
        )
    ]
    notice = None
    if sent:
        notice = loc.translations.gettext("Sent. It is in their app under “Shared with you”.")
    elif hidden:
        notice = loc.translations.gettext("Taken off your list.")
    return pages.render(
        request,
        "resources/shared.html",
        {
            "access": access,
            "deliveries": deliveries,
            "notice": notice,
            **_card_words(loc),
            "csrf_protected": True,
        },
        private=True,
    )


@router.post("/{locale}/resources/shared", include_in_schema=False)
def share_with_parent(
    loc: LocaleDep, session: SessionDep, access: LinkedAccess, now: ClockDep, pack: Text = ""
) -> RedirectResponse:
    """A worker the parent has linked puts a pack straight into the parent's app."""
    if access.is_parent:
        raise HTTPException(status_code=400, detail="Packs are sent by the people you link.")
    if not service.can_curate(access.user):
        raise HTTPException(status_code=403)
    with _answers():
        found = service.pack_by_code(session, code=pack)
        service.deliver_pack(session, pack=found, parent=access.parent, sender=access.user, now=now)
    return RedirectResponse(
        f"/{loc.code}/resources/packs/{found.code}?sent={access.link.public_id}", status_code=303
    )


@router.post("/{locale}/resources/shared/{delivery_id}/hide", include_in_schema=False)
def hide_shared(
    loc: LocaleDep, session: SessionDep, access: OwnerAccess, now: ClockDep, delivery_id: RowId
) -> RedirectResponse:
    """The parent takes a shared pack off their list."""
    with _answers():
        service.hide_delivery(session, parent=access.parent, delivery_id=delivery_id, now=now)
    return RedirectResponse(f"/{loc.code}/resources/shared?hidden=1", status_code=303)


# Workers: packs ------------------------------------------------------------------------


@router.get("/{locale}/resources/packs/", include_in_schema=False)
def packs(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep, user: Curator,
    withdrawn: QueryText = "",
) -> Response:  # fmt: skip
    """A worker's packs (an organisation admin sees the organisation's) and local services."""
    return pages.render(
        request,
        "resources/packs.html",
        {
            "packs": service.packs_for(session, user=user),
            "local": service.organisation_local(session, organisation_id=user.organisation_id),
            "user": user,
            "may_withdraw_local": lambda row: service.may_withdraw(user, row),
            "notice": loc.translations.gettext("Withdrawn.") if withdrawn else None,
            "csrf_protected": True,
        },
        private=True,
    )


def _pack_form(
    request, pages, session, national, loc, *, form, picks, pack=None, errors=None,
    status_code=200,
):  # fmt: skip
    filters = clean_filters(
        topic=form.get("topic", ""), language=form.get("language", ""),
        area=form.get("area", ""), q=form.get("q", ""),
    )  # fmt: skip
    listing = _listing(session, national, loc, filters)
    shown = {resource.ref for resource in listing["found"]}
    picked = service.resolve(session, national=national, refs=picks)
    # A local service withdrawn since it was picked leaves the pack; the page says so.
    dropped = [picked[r] for r in picks if r in picked and picked[r].withdrawn]
    picks = [r for r in picks if r in picked and not picked[r].withdrawn]
    return pages.render(
        request,
        "resources/pack_form.html",
        listing
        | {
            "form": form,
            "picks": picks,
            # Picked services the current filter hides stay picked, listed apart.
            "picked_elsewhere": [picked[r] for r in picks if r in picked and r not in shown],
            "chosen": [picked[r] for r in picks],
            "pack": pack,
            "dropped": dropped,
            "errors": errors or {},
        },
        status_code=status_code,
        private=True,
    )


@router.get("/{locale}/resources/packs/new", include_in_schema=False)
def new_pack(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep,
    national: NationalDep, user: Curator,
) -> Response:  # fmt: skip
    """Pick services, filtered and searched, and write a note: a new pack."""
    return _pack_form(request, pages, session, national, loc, form={}, picks=[])


def _pack_fields(title, note, topic, language, area, q) -> dict:
    return {"title": title, "note": note, "topic": topic, "language": language, "area": area,
            "q": q}  # fmt: skip


@router.post("/{locale}/resources/packs/new", include_in_schema=False)
def make_pack(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep,
    national: NationalDep, user: Curator, now: ClockDep, action: Text = "make",
    title: Text = "", note: Text = "", topic: Text = "", language: Text = "", area: Text = "",
    q: Text = "", pick: Picks = [],  # noqa: B006 - FastAPI reads the default, never mutates it
) -> Response:  # fmt: skip
    """Filters the list (keeping what is picked and written), or makes the pack."""
    form = _pack_fields(title, note, topic, language, area, q)
    if action == "filter":
        return _pack_form(request, pages, session, national, loc, form=form, picks=pick)
    try:
        pack = service.make_pack(
            session, author=user, national=national, title=title, note=note, refs=pick,
            locale=loc.code, now=now,
        )  # fmt: skip
    except FormError as error:
        return _pack_form(
            request, pages, session, national, loc, form=form, picks=pick,
            errors=error.translated(loc.translations), status_code=400,
        )  # fmt: skip
    return RedirectResponse(f"/{loc.code}/resources/packs/{pack.code}?made=1", status_code=303)


@router.get("/{locale}/resources/packs/{code}", include_in_schema=False)
def manage_pack(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep,
    national: NationalDep, user: CurrentUser, code: str, made: QueryText = "",
    sent: QueryText = "",
) -> Response:  # fmt: skip
    """A worker's view of a pack: its short link and QR code, share, send, print, change."""
    with _answers():
        pack = service.organisation_pack(session, user=user, code=code)
    parents = consent.parents_for_supporter(session, supporter=user)
    sent_to = next((v.person for v in parents if v.link.public_id == sent), None)
    link = _short_link(request, pack)
    return pages.render(
        request,
        "resources/pack_manage.html",
        {
            "pack": pack,
            "resources": service.pack_resources(session, national=national, pack=pack),
            "link": link,
            "qr": qr_svg(link),
            "parents": parents,
            "made": bool(made),
            "sent_to": sent_to,
            "may_change": pack.author_id == user.id and pack.withdrawn_at is None,
            "may_withdraw": service.may_withdraw(user, pack) and pack.withdrawn_at is None,
            **_card_words(loc),
            "csrf_protected": True,
        },
        private=True,
    )


@router.get("/{locale}/resources/packs/{code}/edit", include_in_schema=False)
def edit_pack(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep,
    national: NationalDep, user: Curator, code: str,
) -> Response:  # fmt: skip
    """The author changes the pack; the short link stays the same."""
    with _answers():
        pack = service.own_pack(session, author=user, code=code)
    form = {"title": pack.title, "note": pack.note}
    picks = service.pack_refs(session, pack=pack)
    return _pack_form(request, pages, session, national, loc, form=form, picks=picks, pack=pack)


@router.post("/{locale}/resources/packs/{code}/edit", include_in_schema=False)
def change_pack(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep,
    national: NationalDep, user: Curator, now: ClockDep, code: str, action: Text = "make",
    title: Text = "", note: Text = "", topic: Text = "", language: Text = "", area: Text = "",
    q: Text = "", pick: Picks = [],  # noqa: B006 - FastAPI reads the default, never mutates it
) -> Response:  # fmt: skip
    """Saves the author's changes to a pack, or filters the list while changing it."""
    form = _pack_fields(title, note, topic, language, area, q)
    with _answers():
        pack = service.own_pack(session, author=user, code=code)
    if action == "filter":
        return _pack_form(request, pages, session, national, loc, form=form, picks=pick, pack=pack)
    try:
        with _answers():
            service.change_pack(
                session, author=user, national=national, code=code, title=title, note=note,
                refs=pick, now=now,
            )  # fmt: skip
    except FormError as error:
        return _pack_form(
            request, pages, session, national, loc, form=form, picks=pick, pack=pack,
            errors=error.translated(loc.translations), status_code=400,
        )  # fmt: skip
    return RedirectResponse(f"/{loc.code}/resources/packs/{pack.code}", status_code=303)


@router.post("/{locale}/resources/packs/{code}/withdraw", include_in_schema=False)
def withdraw_pack(
    loc: LocaleDep, session: SessionDep, user: CurrentUser, now: ClockDep, code: str
) -> RedirectResponse:
    """The author or their organisation's admin withdraws a pack; its link says so."""
    with _answers():
        service.withdraw_pack(session, user=user, code=code, now=now)
    return RedirectResponse(f"/{loc.code}/resources/packs/?withdrawn=1", status_code=303)


# Workers: local services ---------------------------------------------------------------


def _local_form(request, pages, loc, *, form, row=None, errors=None, status_code=200):
    return pages.render(
        request,
        "resources/local_form.html",
        {
            "form": form,
            "row": row,
            "errors": errors or {},
            "topic_names": _topic_names(loc),
            "language_choices": [(c, language_name(c, loc.code)) for c in LANGUAGE_CHOICES],
        },
        status_code=status_code,
        private=True,
    )


#: Languages a worker can tick for a local service: the app's own, then other common ones
#: in England and Wales.
LANGUAGE_CHOICES = ("en", "cy", "pl", "ro", "pa", "ur", "pt", "es", "ar", "bn", "gu",
                    "so", "ti", "fa", "ku", "tr", "lt", "zh", "fr", "bg")  # fmt: skip


def _local_values(name, summary, areas, phone, website, email, hours, free) -> dict:
    return {"name": name, "summary": summary, "areas": areas, "phone": phone,
            "website": website, "email": email, "hours": hours, "free": free}  # fmt: skip


def _free(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


@router.get("/{locale}/resources/local/new", include_in_schema=False)
def new_local(
    request: Request, loc: LocaleDep, pages: PagesDep, user: Curator
) -> Response:
    """The form to add a local service for an area."""
    return _local_form(request, pages, loc, form={"languages": ["en"], "topics": []})


@router.post("/{locale}/resources/local/new", include_in_schema=False)
def add_local(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep, user: Curator,
    now: ClockDep, name: Text = "", summary: Text = "", areas: Text = "", phone: Text = "",
    website: Text = "", email: Text = "", hours: Text = "", free: Text = "",
    topics: Picks = [], languages: Picks = [],  # noqa: B006 - read, never mutated
) -> Response:  # fmt: skip
    """Adds a local service for the worker's organisation."""
    values = _local_values(name, summary, areas, phone, website, email, hours, free)
    try:
        service.save_local(
            session, author=user, values=values, topics=topics, languages=languages,
            free=_free(free), now=now,
        )  # fmt: skip
    except FormError as error:
        form = values | {"topics": topics, "languages": languages}
        errors = error.translated(loc.translations)
        return _local_form(request, pages, loc, form=form, errors=errors, status_code=400)
    return RedirectResponse(f"/{loc.code}/resources/packs/#local", status_code=303)


@router.get("/{locale}/resources/local/{resource_id}", include_in_schema=False)
def edit_local(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep, user: CurrentUser,
    resource_id: RowId,
) -> Response:  # fmt: skip
    """The author's form to change their local service."""
    with _answers():
        row = service.own_local(session, author=user, resource_id=resource_id)
    form = row.model_dump() | {
        "topics": row.topics.split(","),
        "languages": row.languages.split(","),
        "free": {True: "yes", False: "no"}.get(row.free, ""),
    }
    return _local_form(request, pages, loc, form=form, row=row)


@router.post("/{locale}/resources/local/{resource_id}", include_in_schema=False)
def change_local(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep, user: CurrentUser,
    now: ClockDep, resource_id: RowId, name: Text = "", summary: Text = "", areas: Text = "",
    phone: Text = "", website: Text = "", email: Text = "", hours: Text = "", free: Text = "",
    topics: Picks = [], languages: Picks = [],  # noqa: B006 - read, never mutated
) -> Response:  # fmt: skip
    """Saves the author's changes to their local service."""
    values = _local_values(name, summary, areas, phone, website, email, hours, free)
    try:
        with _answers():
            service.save_local(
                session, author=user, values=values, topics=topics, languages=languages,
                free=_free(free), now=now, resource_id=resource_id,
            )  # fmt: skip
    except FormError as error:
        row = service.local_resource(session, resource_id=resource_id)
        form = values | {"topics": topics, "languages": languages}
        errors = error.translated(loc.translations)
        return _local_form(request, pages, loc, form=form, row=row, errors=errors, status_code=400)
    return RedirectResponse(f"/{loc.code}/resources/packs/#local", status_code=303)


@router.post("/{locale}/resources/local/{resource_id}/withdraw", include_in_schema=False)
def withdraw_local(
    loc: LocaleDep, session: SessionDep, user: CurrentUser, now: ClockDep, resource_id: RowId
) -> RedirectResponse:
    """The author or their organisation's admin takes a local service out of the directory."""
    with _answers():
        service.withdraw_local(session, user=user, resource_id=resource_id, now=now)
    return RedirectResponse(f"/{loc.code}/resources/packs/?withdrawn=1#local", status_code=303)


# A pack's public page ------------------------------------------------------------------


def _public_pack(request, loc, pages, session, national, code: str, template: str) -> Response:
    with _answers():
        pack = service.pack_by_code(session, code=code)
    link = _short_link(request, pack)
    withdrawn = pack.withdrawn_at is not None
    resources: list[Resource] = (
        [] if withdrawn else service.pack_resources(session, national=national, pack=pack)
    )
    response = pages.render(
        request,
        template,
        {
            "pack": pack,
            "resources": resources,
            "link": link,
            "qr": qr_svg(link),
            **_card_words(loc),
        },
        # A withdrawn pack says so (and replaces the copy a phone kept offline).
        status_code=410 if withdrawn else 200,
        # Its maker can change or withdraw it at any time: the phone asks again each visit
        # (kept for five minutes, a withdrawn pack still showed as it was).
        fresh=True,
    )
    # Passed on by hand, never listed by search engines.
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@router.get("/{locale}/share/{code}", include_in_schema=False)
def pack_page(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep,
    national: NationalDep, code: str,
) -> Response:  # fmt: skip
    """A pack as the person it was shared with sees it: no account needed."""
    return _public_pack(request, loc, pages, session, national, code, "resources/pack.html")


@router.get("/{locale}/share/{code}/print", include_in_schema=False)
def pack_print(
    request: Request, loc: LocaleDep, pages: PagesDep, session: SessionDep,
    national: NationalDep, code: str,
) -> Response:  # fmt: skip
    """The pack on one printed page, with its QR code, for someone without data."""
    return _public_pack(request, loc, pages, session, national, code, "resources/pack_print.html")


@router.get("/s/{code}", include_in_schema=False)
def short_link(session: SessionDep, settings: SettingsDep, code: str) -> RedirectResponse:
    """The short link texted or printed: the pack, in the language its note is written in."""
    with _answers():
        pack = service.pack_by_code(session, code=code)
    locale = pack.locale if pack.locale in settings.locale_list else settings.default_locale
    return RedirectResponse(
        f"/{locale}/share/{pack.code}", status_code=302, headers={"Cache-Control": "no-cache"}
    )
