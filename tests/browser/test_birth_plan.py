"""The birth plan written together, in Chromium on a 390×844 phone: the parent writes, a
supporter suggests, the parent accepts, the history shows both; the plan is shared
read-only with someone without an account, then the link is stopped. My team too."""

import re

import pytest
from sqlmodel import Session

from app.accounts.models import OrganisationKind, Role
from app.accounts.service import get_or_create_organisation, get_or_create_user
from tests.browser.conftest import axe_violations, phone_context, screenshot, watched_page
from tests.browser.test_offline import controlled
from tests.factories import link

pytestmark = pytest.mark.browser

PASSPHRASE = "kettle river purple moon"


def people(app, parent_name: str, supporter_name: str) -> str:
    """A parent and an advocate linked with the birth plan permission; the link's id."""
    with Session(app.state.engine) as session:
        charity = get_or_create_organisation(
            session, name="Birth Plan Test Charity", kind=OrganisationKind.charity
        )
        parent = get_or_create_user(
            session, username=parent_name, display_name=parent_name.title(),
            role=Role.parent, passphrase=PASSPHRASE,
        )  # fmt: skip
        supporter = get_or_create_user(
            session, username=supporter_name, display_name=f"{supporter_name.title()} (advocate)",
            role=Role.supporter, organisation=charity, passphrase=PASSPHRASE,
        )  # fmt: skip
        session.commit()
        return link(session, parent, supporter, {"birth_plan"}).public_id


def sign_in(page, base: str, name: str) -> None:
    page.goto(f"{base}/en/sign-in")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Passphrase", exact=True).fill(PASSPHRASE)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(re.compile(r".*/en/account/$"))


def write(page, section: str, text: str, button: str = "Save") -> None:
    page.locator(f"[data-section={section}] a.button").click()
    page.get_by_label(re.compile("In your own words|Your suggestion")).fill(text)
    page.get_by_role("button", name=button).click()
    page.wait_for_url(re.compile(rf".*#section-{section}$"))


def test_a_plan_written_together_shared_and_stopped(browser, live_app, live_server, watch):
    selector = people(live_app, "robin", "kit")
    parent = watched_page(phone_context(browser, watch), watch)
    supporter = watched_page(phone_context(browser, watch), watch)
    assert parent.viewport_size == {"width": 390, "height": 844}

    # The parent writes two sections, in their own words.
    sign_in(parent, live_server, "robin")
    parent.get_by_role("link", name="My birth plan").click()
    assert parent.locator("h1").inner_text() == "My birth plan"
    parent.locator("[data-section=about_me] summary").click()
    assert parent.locator("[data-section=about_me] .why p").is_visible()
    write(parent, "about_me", "Please call me Robin. Talk to me, not about me.")
    write(parent, "feeding", "I hope to breastfeed.")
    assert "Talk to me" in parent.locator("[data-section=about_me]").inner_text()
    assert axe_violations(parent) == []
    screenshot(parent, "birth-plan-390")

    # The supporter suggests a change; the plan itself does not change.
    sign_in(supporter, live_server, "kit")
    supporter.goto(f"{live_server}/en/birth-plan/?parent={selector}")
    assert supporter.locator("h1").inner_text() == "Robin's birth plan"
    write(
        supporter, "feeding", "I hope to breastfeed, with help on the ward.", "Send my suggestion"
    )
    assert "Your suggestion is sent" in supporter.locator("main").inner_text()
    # The plan still says what Robin wrote; the supporter sees their own suggestion waiting.
    feeding = supporter.locator("[data-section=feeding]")
    assert feeding.locator(":scope > p.preserve").inner_text() == "I hope to breastfeed."
    waiting = feeding.locator("[data-my-pending]").inner_text()
    assert "Waiting" in waiting and "with help on the ward" in waiting

    # The parent sees it waiting, beside what the plan says now, and accepts it.
    parent.goto(f"{live_server}/en/birth-plan/")
    parent.get_by_role("link", name="1 suggested change is waiting for you.").click()
    suggestion = parent.locator("[data-suggestion]")
    assert "Kit (advocate)" in suggestion.inner_text()
    assert axe_violations(parent) == []
    suggestion.get_by_role("button", name="Use this").click()
    parent.wait_for_url(re.compile(r".*/history\?accepted="))
    history = parent.locator("[data-change]").all_inner_texts()
    assert len(history) == 3
    assert "Suggested by Kit (advocate)" in history[0] and "Accepted" in history[0]
    assert all("Changed by Robin" in row for row in history[1:])
    assert axe_violations(parent) == []
    screenshot(parent, "birth-plan-history-390")

    # Ready to share; a link for the midwife.
    parent.goto(f"{live_server}/en/birth-plan/")
    parent.get_by_role("button", name="My plan is ready to share").click()
    parent.get_by_label("Who is the link for?").fill("My midwife")
    parent.get_by_role("button", name="Make a link").click()
    shared_link = parent.locator("[data-share-link]").inner_text()

    # Someone with no account opens it: read-only, nothing to change.
    stranger_context = phone_context(browser, watch)
    stranger = watched_page(stranger_context, watch)
    stranger.goto(shared_link)
    assert stranger.locator("h1").inner_text() == "Birth plan for Robin"
    text = stranger.locator("main").inner_text()
    assert "with help on the ward" in text and "Talk to me" in text
    assert stranger.locator("textarea, form[action*='birth-plan']").count() == 0
    assert axe_violations(stranger) == []
    screenshot(stranger, "birth-plan-shared-390")

    # The parent sees it was opened, and stops it.
    parent.goto(f"{live_server}/en/birth-plan/")
    share = parent.locator("[data-share]")
    assert share.locator("[data-opens] li").count() == 1
    share.get_by_role("button", name="Stop sharing with My midwife").click()
    parent.wait_for_url(re.compile(r".*\?revoked=\d+#sharing$"))
    response = stranger.goto(shared_link)
    assert response.status == 410
    assert stranger.locator("h1").inner_text() == "This birth plan is no longer shared"
    assert "with help on the ward" not in stranger.locator("main").inner_text()

    # My team: the midwife added, tap to call, and the who-to-ask note.
    parent.goto(f"{live_server}/en/team/")
    parent.get_by_role("link", name="Add a professional").click()
    parent.get_by_label("Name").fill("Priya Shah")
    parent.get_by_label("Where they work").select_option("midwifery")
    parent.get_by_label("Phone").fill("01632 960 001")
    parent.get_by_label("What to ask them about").fill("the birth and the ward")
    parent.get_by_label("This is my key worker").check()
    parent.get_by_role("button", name="Save").click()
    parent.wait_for_url(re.compile(r".*/team/\?saved_member=\d+#professionals$"))
    call = parent.get_by_role("link", name=re.compile("Call Priya Shah"))
    assert call.get_attribute("href") == "tel:01632960001"
    assert (
        "Ask Priya Shah about: the birth and the ward"
        in parent.locator("[data-who-to-ask]").inner_text()
    )
    assert axe_violations(parent) == []
    screenshot(parent, "my-team-390")

    # Chromium logs the refused (410) page as a console error; nothing else may fail.
    watch.console_errors = [e for e in watch.console_errors if "410" not in e]
    watch.assert_clean()
    for context in (parent.context, supporter.context, stranger_context):
        context.close()


def test_the_plan_reads_offline_on_the_parents_phone(page, context, live_app, live_server):
    people(live_app, "sasha", "lee")
    controlled(page, live_server)
    sign_in(page, live_server, "sasha")
    page.goto(f"{live_server}/en/birth-plan/")
    write(page, "time_with_baby", "Skin to skin straight away.")
    page.goto(f"{live_server}/en/birth-plan/")
    context.set_offline(True)
    try:
        page.reload()
        page.wait_for_load_state()
        assert page.locator("[data-saved-banner]").is_visible()
        assert "Skin to skin" in page.locator("[data-section=time_with_baby]").inner_text()
    finally:
        context.set_offline(False)
