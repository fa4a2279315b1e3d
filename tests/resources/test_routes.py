"""The resources pages on SQLite and PostgreSQL: the public directory and share packs,
My saved, Shared with you, and the workers' pages, each page's HTML checked."""

import io
import json
import re
import zipfile

import pytest
from sqlmodel import select

from app.accounts.models import Role
from app.resources import service
from app.resources.models import PackDelivery
from tests import factories
from tests.factories import post
from tests.pages import check_page

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def worker(db):
    charity = factories.organisation(db, "Riverside Charity")
    return factories.user(db, Role.supporter, display_name="Jo", organisation=charity)


def national(client):
    return client.http.app.state.national_resources


def make_pack(client, db, worker, **changes):
    values = {"title": "Legal help", "note": "Call them today.",
              "refs": ["civil-legal-advice", "samaritans"], "locale": "en"} | changes  # fmt: skip
    return service.make_pack(
        db, author=worker, national=national(client), now=factories.START, **values
    )


def test_the_directory_filters_by_topic_and_language_without_an_account(client):
    response, soup = client.page("/en/resources/?topic=legal_advice&language=cy")
    names = [h.get_text(strip=True) for h in soup.select(".resource__name")]
    assert "Citizens Advice Cymru (Advicelink Cymru)" in names
    assert all("Legal advice" in a.get_text() for a in soup.select(".resource"))
    assert response.headers["cache-control"].startswith("public")
    assert "HX-Request" in response.headers["vary"]
    # Tap to call: a tel: address of digits.
    _, soup = client.page("/en/resources/?topic=mental_health")
    calls = [a["href"] for a in soup.select("a.resource__call")]
    assert calls and all(re.fullmatch(r"tel:\+?\d+", href) for href in calls)


def test_the_directory_searches_and_htmx_gets_only_the_results(client):
    _, soup = client.page("/en/resources/?q=housing")
    assert any("Shelter" in h.get_text() for h in soup.select(".resource__name"))
    _, fragment = client.fragment("/en/resources/?q=housing")
    assert fragment.select_one("#results") and not fragment.select_one("form.filters")
    _, soup = client.page("/en/resources/?q=zzzzqqq")
    assert "No services match" in soup.get_text()


def test_national_summaries_are_marked_english_on_other_languages_pages(client):
    _, soup = client.page("/cy/resources/?topic=housing")
    summary = soup.select_one(".resource__summary")
    assert summary["lang"] == "en"


def test_local_services_show_for_their_area_and_everything_is_escaped(client, db, worker):
    service.save_local(
        db, author=worker, values={"name": f"Drop-in {SCRIPT}", "summary": f"Help {SCRIPT}",
        "areas": "CF10", "phone": "01632 960 001", "website": "https://drop.example/?a=1&b=2"},
        topics=["family_rights"], languages=["en"], free=True, now=factories.START,
    )  # fmt: skip
    response, soup = client.page("/en/resources/?area=CF10+1AA")
    assert SCRIPT not in response.text and "&lt;script&gt;" in response.text
    local = soup.select_one(".resource--local")
    assert "Riverside Charity" in local.get_text()
    assert local.select_one("a.resource__web")["href"] == "https://drop.example/?a=1&b=2"
    _, soup = client.page("/en/resources/?area=LS1")
    assert not soup.select(".resource--local")


def test_a_pack_opens_by_its_short_link_without_an_account(client, db, worker):
    pack = make_pack(client, db, worker, locale="cy", note=f"Ffoniwch {SCRIPT}")
    short = client.get(f"/s/{pack.code}", follow_redirects=False)
    assert short.status_code == 302 and short.headers["location"] == f"/cy/share/{pack.code}"
    response, soup = client.page(f"/cy/share/{pack.code}")
    assert soup.h1.get_text(strip=True) == "Legal help"
    assert SCRIPT not in response.text
    assert soup.select_one(".pack__note")["lang"] == "cy"
    assert [h.get_text(strip=True) for h in soup.select(".resource__name")] == [
        "Civil Legal Advice", "Samaritans",
    ]  # fmt: skip
    # Public, so the service worker keeps it for reading offline; but asked again each
    # visit, as its maker may change or withdraw it (the browser kept it five minutes).
    assert response.headers["cache-control"] == "public, no-cache"
    client.page("/en/share/nosuchcode", status=404)
    assert client.get("/s/nosuchcode").status_code == 404


def test_the_print_view_has_the_qr_code_and_the_link(client, db, worker):
    pack = make_pack(client, db, worker)
    response, soup = client.page(f"/en/share/{pack.code}/print")
    assert soup.select_one("figure.qr svg path")
    assert f"/s/{pack.code}" in soup.select_one("figure.qr figcaption").get_text()
    assert len(soup.select(".print-pack__table tbody tr")) == 2


def test_a_withdrawn_pack_says_so_instead_of_vanishing(client, db, worker):
    pack = make_pack(client, db, worker)
    service.withdraw_pack(db, user=worker, code=pack.code, now=factories.START)
    response, soup = client.page(f"/en/share/{pack.code}", status=410)
    assert "withdrew this pack" in soup.get_text()
    assert "Riverside Charity" in soup.get_text()
    assert not soup.select(".resource")


def test_a_worker_makes_a_pack_filtering_without_losing_what_is_picked(client, db, worker):
    factories.sign_in_as(client, db, worker)
    client.page("/en/resources/packs/new")
    kept = post(client, "/en/resources/packs/new", {
        "action": "filter", "title": "Help", "note": "Hello", "topic": "housing",
        "pick": ["civil-legal-advice"],
    })  # fmt: skip
    assert kept.status_code == 200
    assert 'value="Help"' in kept.text and "Hello" in kept.text
    assert re.search(r'id="pick-civil-legal-advice"[^>]*checked', kept.text), "still picked"
    # On a phone: each service a name, one line and a checkbox; the pack summed up above the
    # list, with its button, before any service; the note's hint says who can read it.
    soup = check_page(kept.text)
    assert not soup.select("form .resource__facts"), "no full cards in the builder"
    row = soup.select_one(".pick[data-ref=civil-legal-advice]")
    assert row.select_one("label").get_text() == "Civil Legal Advice"
    assert row.select_one("input")["aria-describedby"] == row.select_one(".pick__about")["id"]
    assert [li.get_text() for li in soup.select("[data-chosen-list] li")] == ["Civil Legal Advice"]
    assert soup.select_one("[data-chosen-num]").get_text() == "1"
    summary = soup.select_one("#your-pack")
    make = summary.select_one("button[value=make]")
    assert make.get_text() == "Make the pack"
    order = [tag for tag in soup.select("form button[value], form .pick")]
    assert order[0]["value"] == "filter" and order[1] is make, "filters, then the summary"
    hint = soup.select_one("#f-note-hint").get_text()
    assert "Anyone with the link can read this note" in hint and "the parent's name" in hint
    assert soup.select_one(".pack-bar a")["href"] == "#your-pack"
    refused = post(client, "/en/resources/packs/new", {"title": "", "pick": []})
    assert refused.status_code == 400
    assert "Give the pack a title" in refused.text and "Pick at least one" in refused.text
    made = post(client, "/en/resources/packs/new", {
        "title": "Help", "note": "Hello", "pick": ["civil-legal-advice", "shelter-england"],
    })  # fmt: skip
    assert made.status_code == 303
    code = made.headers["location"].split("/")[-1].split("?")[0]
    response, soup = client.page(made.headers["location"])
    assert soup.select_one("#share-link")["value"].endswith(f"/s/{code}")
    assert soup.select_one("figure.qr svg")
    assert response.headers["cache-control"] == "no-store"


def test_workers_cannot_change_another_organisations_things(client, db, worker):
    pack = make_pack(client, db, worker)
    row = service.save_local(
        db, author=worker, values={"name": "Drop-in", "summary": "A drop-in for parents.",
        "areas": "CF10", "phone": "01632 960 001"}, topics=["loss"], languages=["en"],
        free=None, now=factories.START,
    )  # fmt: skip
    stranger = factories.user(db, Role.supporter)
    factories.sign_in_as(client, db, stranger)
    assert client.get(f"/en/resources/local/{row.id}").status_code == 403
    changed = post(client, f"/en/resources/local/{row.id}", {"name": "Mine", "summary": "x" * 20,
                   "areas": "LS1", "phone": "0113 496 0000", "topics": ["loss"]})  # fmt: skip
    assert changed.status_code == 403
    assert post(client, f"/en/resources/local/{row.id}/withdraw").status_code == 403
    assert post(client, f"/en/resources/packs/{pack.code}/withdraw").status_code == 403
    assert client.get(f"/en/resources/packs/{pack.code}").status_code == 403
    assert client.get(f"/en/resources/packs/{pack.code}/edit").status_code == 403
    # A parent has no workers' pages at all.
    factories.sign_in_as(client, db, factories.user(db))
    assert client.get("/en/resources/packs/").status_code == 403


def test_a_bad_local_service_is_refused_in_the_workers_language(client, db, worker):
    factories.sign_in_as(client, db, worker)
    client.page("/cy/resources/local/new")
    refused = post(client, "/cy/resources/local/new", {
        "name": "Drop-in", "summary": "A drop-in for parents.", "areas": "CF10",
        "website": "javascript:alert(1)", "topics": ["loss"], "languages": ["en"],
    })  # fmt: skip
    assert refused.status_code == 400
    assert 'href="#f-website"' in refused.text
    assert 'value="Drop-in"' in refused.text, "what was typed is kept"
    assert 'lang="cy"' in refused.text


def test_a_parent_saves_and_removes_a_service(client, db):
    parent = factories.user(db)
    assert client.get("/en/resources/saved?add=samaritans", follow_redirects=False).headers[
        "location"
    ].startswith("/en/sign-in?next=")
    factories.sign_in_as(client, db, parent)
    _, soup = client.page("/en/resources/saved?add=samaritans")
    assert "Save Samaritans to your list?" in soup.get_text()
    assert post(client, "/en/resources/saved", {"ref": "samaritans"}).status_code == 303
    _, soup = client.page("/en/resources/saved?saved=1")
    assert [h.get_text(strip=True) for h in soup.select(".resource__name")] == ["Samaritans"]
    assert post(client, "/en/resources/saved", {"ref": "no-such"}).status_code == 404
    assert post(client, "/en/resources/saved/remove", {"ref": "samaritans"}).status_code == 303
    _, soup = client.page("/en/resources/saved")
    assert not soup.select(".resource")


def test_a_linked_worker_puts_a_pack_in_the_parents_app(client, db, worker):
    parent = factories.user(db, display_name="Sam")
    link = factories.link(db, parent, worker, set())
    pack = make_pack(client, db, worker)
    factories.sign_in_as(client, db, worker)
    _, soup = client.page(f"/en/resources/packs/{pack.code}")
    assert "Send to Sam" in soup.get_text()
    sent = post(client, f"/en/resources/shared?parent={link.public_id}", {"pack": pack.code})
    assert sent.status_code == 303
    _, soup = client.page(sent.headers["location"])
    assert "Sent to Sam" in soup.get_text()
    # Someone the parent has not linked cannot.
    stranger = factories.user(db, Role.supporter)
    factories.sign_in_as(client, db, stranger)
    refused = post(client, f"/en/resources/shared?parent={link.public_id}", {"pack": pack.code})
    assert refused.status_code == 403
    # The parent sees it in full under Shared with you, and can take it off the list.
    factories.sign_in_as(client, db, parent)
    response, soup = client.page("/en/resources/shared")
    assert "Legal help" in soup.h2.get_text() and "From Jo, Riverside Charity" in soup.get_text()
    assert len(soup.select(".resource")) == 2
    assert response.headers["cache-control"] == "no-store"
    delivery = db.exec(select(PackDelivery).where(PackDelivery.parent_id == parent.id)).one()
    assert post(client, f"/en/resources/shared/{delivery.id}/hide").status_code == 303
    _, soup = client.page("/en/resources/shared")
    assert not soup.select(".pack")


def test_a_linked_worker_sees_only_their_own_organisations_packs(client, db, worker):
    parent = factories.user(db, display_name="Sam")
    pack = make_pack(client, db, worker, title="Domestic abuse support")
    service.deliver_pack(db, pack=pack, parent=parent, sender=worker, now=factories.START)
    midwife = factories.user(db, Role.agency_staff)
    link = factories.link(db, parent, midwife, {"see_appointments"})
    factories.sign_in_as(client, db, midwife)
    response, soup = client.page(f"/en/resources/shared?parent={link.public_id}")
    assert "Domestic abuse support" not in response.text
    assert not soup.select(".pack")


def test_refs_and_ids_beyond_any_database_integer_are_not_found(client, db, worker):
    factories.sign_in_as(client, db, factories.user(db))
    huge = "9" * 30
    assert client.get(f"/en/resources/saved?add=local-{huge}").status_code == 404
    assert post(client, "/en/resources/saved", {"ref": f"local-{huge}"}).status_code == 404
    factories.sign_in_as(client, db, worker)
    assert client.get(f"/en/resources/local/{huge}").status_code in (404, 422)


def test_saved_and_shared_are_in_the_parents_export(client, db, worker):
    parent = factories.user(db)
    pack = make_pack(client, db, worker)
    service.deliver_pack(db, pack=pack, parent=parent, sender=worker, now=factories.START)
    service.save_resource(
        db, user=parent, national=national(client), ref="samaritans", now=factories.START
    )
    factories.sign_in_as(client, db, parent)
    response = client.get("/en/account/data/export")
    data = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("my-data.json"))
    assert data["resources"]["saved"][0]["name"] == "Samaritans"
    shared = data["resources"]["shared_with_me"][0]
    assert shared["title"] == "Legal help" and shared["services"] == [
        "Civil Legal Advice", "Samaritans",
    ]  # fmt: skip


def test_the_account_page_leads_workers_and_parents_to_their_lists(client, db, worker):
    factories.sign_in_as(client, db, worker)
    _, soup = client.page("/en/account/")
    assert soup.find("a", href="/en/resources/packs/")
    factories.sign_in_as(client, db, factories.user(db))
    _, soup = client.page("/en/account/")
    assert soup.find("a", href="/en/resources/shared")
    assert soup.find("a", href="/en/resources/saved")


def test_for_a_place_in_wales_england_only_services_come_after_marked(client, db, worker):
    _, soup = client.page("/en/resources/?area=CF10+1AA")
    cards = soup.select("#results article.resource, #results [data-elsewhere]")
    marker = next(i for i, tag in enumerate(cards) if tag.has_attr("data-elsewhere"))
    assert cards[marker].get_text() == "For England only, not Wales"
    before, after = cards[:marker], cards[marker + 1 :]
    assert after and all("England only" in card.get_text() for card in after)
    assert not any("England only" in card.get_text() for card in before)
    _, soup = client.page("/en/resources/?area=Doncaster")
    assert soup.select_one("[data-elsewhere]").get_text() == "For Wales only, not England"
    later = soup.select_one("[data-elsewhere]").find_all_next("article")
    assert later and all("Wales only" in card.get_text() for card in later)
    _, soup = client.page("/en/resources/")
    assert not soup.select("[data-elsewhere]"), "no place, no ranking"

    # The pack builder ranks the same way for the area the worker names.
    factories.sign_in_as(client, db, worker)
    client.page("/en/resources/packs/new")
    page = post(client, "/en/resources/packs/new", {"action": "filter", "area": "SA1 1AA"})
    soup = check_page(page.text)
    rows = soup.select("fieldset.picks .pick, fieldset.picks [data-elsewhere]")
    marker = next(i for i, tag in enumerate(rows) if tag.has_attr("data-elsewhere"))
    assert all(row.select_one("[data-nation-only]") for row in rows[marker + 1 :])
    assert all(
        "England only" not in row.get_text() for row in rows[:marker]
    ), "nothing England-only before the heading"
