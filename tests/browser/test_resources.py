"""Share packs in Chromium on a 390×844 phone: a worker filters services by "legal advice"
and a language, makes a pack with a note, and someone with no account opens its short
link; the QR code on the worker's screen, read back by a QR reader, is that same link. The
pack, once opened, stays readable offline; withdrawn, it says so."""

import datetime as dt
import io
import re

import pytest
import zxingcpp
from PIL import Image
from sqlmodel import Session

from app.accounts.models import OrganisationKind, Role, User
from app.accounts.service import get_or_create_organisation, get_or_create_user
from app.resources import service
from tests.browser.conftest import axe_violations, phone_context, screenshot, watched_page
from tests.browser.test_birth_plan import PASSPHRASE, sign_in
from tests.browser.test_offline import until

pytestmark = pytest.mark.browser

def a_worker(app, name: str):
    with Session(app.state.engine) as session:
        charity = get_or_create_organisation(
            session, name="Share Pack Test Charity", kind=OrganisationKind.charity
        )
        worker = get_or_create_user(
            session, username=name, display_name=name.title(), role=Role.supporter,
            organisation=charity, passphrase=PASSPHRASE,
        )  # fmt: skip
        session.commit()
        return worker.id


def read_qr(png: bytes) -> list[str]:
    return [found.text for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_a_worker_makes_a_pack_and_anyone_opens_its_short_link(
    browser, live_app, live_server, watch
):
    worker_id = a_worker(live_app, "rowan")
    page = watched_page(phone_context(browser, watch), watch)

    # The worker finds Welsh-speaking legal advice and makes a pack with a note.
    sign_in(page, live_server, "rowan")
    page.get_by_role("link", name="Share packs and local services").click()
    page.get_by_role("link", name="Make a share pack").click()
    page.get_by_label("Title").fill("Legal help in Welsh")
    page.get_by_label("Your note").fill("Dyma'r rhifau y buom yn siarad amdanynt.\nCall me after.")
    page.get_by_label("Topic", exact=True).select_option(label="Legal advice")
    page.locator("select#f-language").select_option(label="Welsh")
    page.get_by_role("button", name="Show services").click()
    cards = page.locator("fieldset.picks .pick__name")
    names = cards.all_inner_texts()
    assert "Citizens Advice Cymru (Advicelink Cymru)" in names
    assert page.get_by_label("Title").input_value() == "Legal help in Welsh", "kept on filter"
    assert axe_violations(page) == []
    page.get_by_label("Citizens Advice Cymru (Advicelink Cymru)", exact=True).check()
    page.get_by_role("button", name="Make the pack").click()
    page.wait_for_url(re.compile(r".*/en/resources/packs/[a-z0-9]+\?made=1$"))
    assert "Your pack is ready" in page.locator("main").inner_text()
    link = page.locator("#share-link").input_value()
    assert re.fullmatch(rf"{re.escape(live_server)}/s/[a-z0-9]{{8}}", link)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy the link").click()
    until(page, "document.querySelector('[data-share-status]').textContent === 'Link copied.'")
    assert page.evaluate("navigator.clipboard.readText()") == link
    assert axe_violations(page) == []
    screenshot(page, "share-pack-worker-390")

    # The QR code on the worker's screen, read by a QR reader, is the short link.
    qr = page.locator("figure.qr svg")
    qr.scroll_into_view_if_needed()
    assert read_qr(qr.screenshot()) == [link]

    # Someone with no account opens the short link on their own phone, for the first time.
    visitor = watched_page(phone_context(browser, watch), watch)
    response = visitor.goto(link)
    assert response.status == 200
    code = link.rsplit("/", 1)[1]
    assert visitor.url == f"{live_server}/en/share/{code}"
    assert visitor.locator("h1").inner_text() == "Legal help in Welsh"
    assert "Call me after." in visitor.locator(".pack__note").inner_text()
    assert visitor.locator(".resource__name").all_inner_texts() == [
        "Citizens Advice Cymru (Advicelink Cymru)"
    ]
    # Nobody is signed in on the visitor's phone: the header offers only "Sign in".
    assert visitor.locator(".account-nav a").all_inner_texts() == ["Sign in"]
    assert axe_violations(visitor) == []
    screenshot(visitor, "share-pack-visitor-390")
    assert visitor.evaluate("document.documentElement.scrollWidth") <= 390

    # Opened once, even before the service worker was there, it stays readable without a
    # connection: by the short link from the text message too.
    kept = f"document.documentElement.getAttribute('data-pack-kept') === '/en/share/{code}'"
    until(visitor, kept)
    visitor.context.set_offline(True)
    try:
        for address in (link, f"{live_server}/en/share/{code}"):
            again = visitor.goto(address)
            assert again.from_service_worker
            assert visitor.locator("h1").inner_text() == "Legal help in Welsh"
    finally:
        visitor.context.set_offline(False)

    # Withdrawn: the same address says so, and the copy kept on the phone is replaced.
    with Session(live_app.state.engine) as session:
        worker = session.get(User, worker_id)
        service.withdraw_pack(session, user=worker, code=code, now=dt.datetime.now(dt.UTC))
    visitor.goto(link)
    assert "withdrew this pack" in visitor.locator("main").inner_text()
    visitor.context.set_offline(True)
    try:
        visitor.goto(link)
        assert "withdrew this pack" in visitor.locator("main").inner_text()
    finally:
        visitor.context.set_offline(False)
    # Leaving quickly forgets the packs kept on the phone.
    visitor.goto(f"{live_server}/en/share/{code}")
    until(visitor, kept)
    assert visitor.evaluate("caches.has('packs')")
    visitor.locator(".quick-exit__button").click()
    visitor.wait_for_url(re.compile(r".*/weather$"))
    visitor.goto(f"{live_server}/en/")
    until(visitor, "caches.has('packs').then((kept) => !kept)")

    # Chromium logs every 4xx answer to a navigation; this 410 is the point.
    watch.console_errors = [e for e in watch.console_errors if "status of 410" not in e]
    watch.assert_clean()
