"""Accounts and consent in Chromium on a phone: sign-up, linking, the gate, revoking,
who looked, sign-out clearing the browser, and passkeys with a virtual authenticator."""

import re

import pytest
from sqlmodel import Session

from app.accounts.models import OrganisationKind, Role
from app.accounts.service import get_or_create_organisation, get_or_create_user
from app.consent.models import Level, Permission
from tests.browser.conftest import axe_violations, phone_context, screenshot, watched_page
from tests.consent.test_gate import gated

pytestmark = pytest.mark.browser

PASSPHRASE = "kettle river purple moon"


def make_supporter(app, name: str) -> None:
    with Session(app.state.engine) as session:
        charity = get_or_create_organisation(
            session, name="Browser Test Charity", kind=OrganisationKind.charity
        )
        get_or_create_user(
            session,
            username=name,
            display_name=f"{name.title()} (advocate)",
            role=Role.supporter,
            organisation=charity,
            passphrase=PASSPHRASE,
        )
        session.commit()


def sign_up(page, live_server, name: str) -> list[str]:
    page.goto(f"{live_server}/en/sign-up")
    assert axe_violations(page) == []
    page.get_by_label("A name to sign in with").fill(name)
    page.get_by_label("A passphrase").fill(PASSPHRASE)
    page.get_by_role("button", name="Make my account").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Your recovery codes"
    assert page.get_by_role("button", name="Print these codes").is_visible()
    codes = page.locator("[data-recovery-codes] code").all_inner_texts()
    assert len(codes) == 10
    assert axe_violations(page) == []
    return codes


def sign_in(page, live_server, name: str) -> None:
    page.goto(f"{live_server}/en/sign-in")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Passphrase", exact=True).fill(PASSPHRASE)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(re.compile(r".*/en/account/$"))


def allowed_for(need, granted: set[Permission]) -> bool:
    if need == Level.owner:
        return False
    return need == Level.linked or need in granted


def test_parent_links_a_supporter_then_revokes(browser, live_app, live_server, watch):
    make_supporter(live_app, "riley")
    parent_context = phone_context(browser, watch)
    supporter_context = phone_context(browser, watch)
    parent = watched_page(parent_context, watch)
    supporter = watched_page(supporter_context, watch)

    # The parent signs up on a 390×844 phone and links a supporter to see appointments only.
    assert parent.viewport_size == {"width": 390, "height": 844}
    sign_up(parent, live_server, "Morgan")
    parent.get_by_role("link", name="I have saved my codes").click()
    parent.get_by_role("link", name="My team: who can see my things").click()
    parent.get_by_label("See my appointments").check()
    parent.get_by_role("button", name="Get a code").click()
    code = parent.locator("[data-link-code]").inner_text()
    assert axe_violations(parent) == []
    screenshot(parent, "team-code-390")

    # The supporter uses the code and sees this parent, with what they may do.
    sign_in(supporter, live_server, "riley")
    supporter.goto(f"{live_server}/en/account/parents/link")
    supporter.get_by_label("Code").fill(code)
    supporter.get_by_role("button", name="Link me").click()
    supporter.get_by_role("link", name="Morgan").click()
    assert supporter.locator("h1").inner_text() == "Morgan"
    # A supporter reads third person, and only what Morgan allows.
    assert supporter.locator("[data-permissions] li").all_inner_texts() == [
        "See Morgan's appointments"
    ]
    parent_query = supporter.url.split("?", 1)[1]
    assert axe_violations(supporter) == []

    # Every gated page the parent's things have: open only where the link allows it.
    # The calendar (see appointments: 200) and birth plan (403) join this loop when they exist.
    visited = []
    for method, route, need in gated(live_app):
        if method != "GET" or set(re.findall(r"{(\w+)}", route.path)) != {"locale"}:
            continue
        address = route.path.replace("{locale}", "en")
        response = supporter.goto(f"{live_server}{address}?{parent_query}")
        expected = 200 if allowed_for(need, {Permission.see_appointments}) else 403
        assert response.status == expected, (route.path, need)
        visited.append((route.path, response.status))
    assert ("/{locale}/team/", 200) in visited and ("/{locale}/account/who-looked", 403) in visited

    # The parent revokes; the supporter's very next request is refused.
    parent.goto(f"{live_server}/en/team/")
    parent.get_by_role("button", name="Stop sharing with Riley (advocate)").click()
    parent.wait_for_url(re.compile(r".*/en/team/\?revoked="))
    response = supporter.goto(f"{live_server}/en/team/?{parent_query}")
    assert response.status == 403
    assert supporter.locator("h1").inner_text() == "You cannot see this"

    # The parent sees the supporter's visit listed.
    parent.goto(f"{live_server}/en/account/who-looked")
    looks = parent.locator(".looks .item").all_inner_texts()
    assert looks and all("Riley (advocate)" in look for look in looks)
    assert axe_violations(parent) == []
    screenshot(parent, "who-looked-390")

    # Chromium logs each refused page as a console error; nothing else may fail.
    watch.console_errors = [e for e in watch.console_errors if "403" not in e]
    watch.assert_clean()
    parent_context.close()
    supporter_context.close()


def test_sign_out_clears_the_browser_and_back_shows_nothing_private(page, live_server, watch):
    sign_up(page, live_server, "Jordan")
    page.goto(f"{live_server}/en/account/")
    page.evaluate("""async () => {
        localStorage.setItem('draft', 'private');
        await (await caches.open('private-pages')).put('/en/account/', new Response('x'));
    }""")
    # Stands in for the service worker (built later), which listens on the same channel.
    listener = page.context.new_page()
    listener.goto(f"{live_server}/en/")
    listener.evaluate("""() => {
        window.heard = [];
        new BroadcastChannel('next-steps').onmessage = (event) => window.heard.push(event.data);
    }""")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r".*/en/sign-in\?signed_out=1$"))
    page.wait_for_selector("html[data-private-cleared]", state="attached")
    assert page.evaluate("localStorage.getItem('draft')") is None
    # Private copies go; the shell and public guides stay for reading offline.
    assert [n for n in page.evaluate("caches.keys()") if n.startswith("private")] == []
    listener.wait_for_function("window.heard.length > 0")
    assert listener.evaluate("window.heard") == [{"type": "signed-out"}]

    page.go_back()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Sign in", "Back does not bring the account back"


def test_passkey_added_then_used_to_sign_in(page, live_server):
    # WebAuthn needs a secure context and a domain as relying party: localhost is both.
    local = live_server.replace("127.0.0.1", "localhost")
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    sign_up(page, local, "Casey")
    page.goto(f"{local}/en/account/")
    page.get_by_role("button", name="Add a passkey on this device").click()
    page.wait_for_selector("form[action*='/passkeys/'][action$='/remove']")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r".*/en/sign-in\?signed_out=1$"))
    page.get_by_role("button", name="Sign in with a passkey").click()
    page.wait_for_url(re.compile(r".*/en/account/$"))
    assert "Signed in as Casey." in page.locator("main").inner_text()


def test_passkey_button_is_hidden_without_webauthn(browser, live_server, watch):
    context = phone_context(browser, watch)
    context.add_init_script("delete window.PublicKeyCredential;")
    page = watched_page(context, watch)
    page.goto(f"{live_server}/en/sign-in")
    assert not page.get_by_role("button", name="Sign in with a passkey").is_visible()
    watch.assert_clean()
    context.close()
