"""The translators' round trip on real guides: content → PO → a reviewer's edits → content.

Each test copies the content folder into tmp_path, so the real files are never touched.
"""

import datetime as dt
import shutil

import frontmatter
import pytest
import yaml
from fastapi.testclient import TestClient
from translate.storage import po

from app.explainers.content import CONTENT_DIR, load_content
from app.i18n import LOCALES_DIR
from app.main import create_app
from app.translation import review
from app.translation.export import export
from app.translation.importer import import_translations
from app.translation_status import report
from tests.conftest import settings_for
from tests.pages import check_page

GUIDE = ("explainers", "referral")
REVIEWER = "Ana Reviewer <ana@example.org>"


@pytest.fixture
def root(tmp_path):
    root = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, root)
    return root


@pytest.fixture
def out(tmp_path):
    return tmp_path / "export"


def open_po(path):
    with path.open("rb") as handle:
        return po.pofile(handle)


def units(store):
    return [unit for unit in store.units if not unit.isheader()]


def by_context(store, context):
    return next(unit for unit in units(store) if unit.getcontext() == context)


def approve_all(path, *, edits=None, reviewer=REVIEWER, date="2026-12-05 10:00+0000"):
    """What a reviewer does in Poedit: check every segment (clearing fuzzy), change some
    words, and save with their name and the date in the header."""
    store = open_po(path)
    store.updateheader(Last_Translator=reviewer, PO_Revision_Date=date)
    for unit in units(store):
        unit.markfuzzy(False)
        if edits and unit.getcontext() in edits:
            unit.target = edits[unit.getcontext()]
    path.write_bytes(bytes(store))


def client_for(root, tmp_path) -> TestClient:
    settings = settings_for(f"sqlite:///{tmp_path / 't.db'}", tmp_path, content_dir=root)
    return TestClient(create_app(settings))


def test_export_writes_a_guide_segment_by_segment_with_notes_and_fuzzy_drafts(root, out):
    written = export(root, out, ["cy"], only={GUIDE})
    assert out / "cy" / "explainers" / "referral.po" in written
    store = open_po(out / "cy" / "explainers" / "referral.po")
    header = store.parseheader()
    assert header["Language"] == "cy"
    english = load_content(["en"], root=root).english.explainers["referral"]
    assert header["X-Source-Version"] == english.version, "the English it was made from"
    title = by_context(store, "referral/title")
    assert title.source == "What is a referral?"
    assert title.target == "Beth yw atgyfeiriad?"
    assert title.isfuzzy(), "a machine draft is fuzzy until a person checks it"
    marked = by_context(store, "referral/body/h2[1]/p[1]")
    notes = marked.getnotes("developer")
    assert "a paragraph under “What is a referral?”" in notes
    assert "[[referral|…]]" in notes
    timescale = by_context(store, "referral/body/h2[6]/li[3]/p[1]")
    assert "{1}" in timescale.source and "the numbers 45" in timescale.getnotes("developer")
    # The English alone, for msgmerge or a new language; the interface catalog as it is.
    template = open_po(out / "templates" / "explainers" / "referral.pot")
    assert all(not unit.target for unit in units(template))
    catalog = LOCALES_DIR / "cy" / "LC_MESSAGES" / "messages.po"
    assert (out / "cy" / "interface.po").read_bytes() == catalog.read_bytes()


def reviewed_referral(root, out, today=dt.date(2026, 12, 6)):
    """Export the Welsh referral guide, a reviewer checks every segment and rewords one,
    and it is imported."""
    export(root, out, ["cy"], only={GUIDE})
    approve_all(
        out / "cy" / "explainers" / "referral.po",
        edits={"referral/body/h2[1]/p[2]": "Pryder yw atgyfeiriad, nid penderfyniad."},
    )
    return import_translations(out, root, ["cy"], today=today)


def test_a_reviewer_approving_every_segment_makes_the_page_checked(root, out, tmp_path):
    outcome = reviewed_referral(root, out)
    assert outcome.ok, outcome.refused
    page = root / "cy" / "explainers" / "referral.md"
    assert str(page) in outcome.written
    post = frontmatter.load(page)
    assert post["translation"]["status"] == "checked"
    assert post["translation"]["reviewer"] == "Ana Reviewer", "the name, not the e-mail"
    assert post["translation"]["checked_on"] == dt.date(2026, 12, 5)
    assert "Pryder yw atgyfeiriad, nid penderfyniad.\n" in post.content
    # The English facts the loader checks are kept: sources, terms, links.
    english = frontmatter.load(root / "en" / "explainers" / "referral.md")
    assert post["sources"] == english["sources"] and post["terms"] == english["terms"]
    assert "(explainer:pre-birth-assessment)" in post.content
    records = review.read_records(review.sidecar_path(root, "cy", *GUIDE))
    assert {record.checked_by for record in records.values()} == {"Ana Reviewer"}

    soup = check_page(client_for(root, tmp_path).get("/cy/explainers/referral").text)
    notice = soup.select_one("[data-checked]").get_text(" ", strip=True)
    assert notice == "Cafodd ei wirio gan gyfieithydd ar 5 Rhagfyr 2026."
    assert "Dydy neb wedi gwirio" not in soup.get_text(), "no draft notice on a checked page"

    # A second import of the same file changes nothing.
    again = import_translations(out, root, ["cy"])
    assert again.written == [] and str(page) in again.unchanged


def test_a_page_with_a_segment_left_fuzzy_stays_a_draft(root, out):
    export(root, out, ["cy"], only={GUIDE})
    path = out / "cy" / "explainers" / "referral.po"
    approve_all(path)
    store = open_po(path)
    by_context(store, "referral/summary").markfuzzy(True)
    path.write_bytes(bytes(store))
    outcome = import_translations(out, root, ["cy"])
    assert outcome.ok
    meta = frontmatter.load(root / "cy" / "explainers" / "referral.md")["translation"]
    assert meta["status"] == "draft" and "reviewer" not in meta


def test_approval_without_a_reviewers_name_is_not_a_check(root, out):
    export(root, out, ["cy"], only={GUIDE})
    approve_all(out / "cy" / "explainers" / "referral.po", reviewer="FULL NAME <EMAIL@ADDRESS>")
    outcome = import_translations(out, root, ["cy"])
    assert any("names no reviewer" in warning for warning in outcome.warnings)
    meta = frontmatter.load(root / "cy" / "explainers" / "referral.md")["translation"]
    assert meta["status"] == "draft"


@pytest.mark.parametrize(
    ("context", "change", "problem"),
    [
        ("referral/body/h2[6]/li[3]/p[1]", ("45", "30"), "number 45 is missing"),
        ("referral/body/h2[6]/li[3]/p[1]", ("{1}", "asesiad cyn geni"), "link {1} is missing"),
        (
            "referral/body/h2[1]/p[1]",
            ("[[referral|Atgyfeiriad]]", "Atgyfeiriad"),
            "glossary mark referral is missing",
        ),
        (
            "referral/body/h2[1]/p[2]",
            ("babi.", "babi. Ffoniwch 0808 800 5000."),
            "phone number 08088005000 is not in the English",
        ),
    ],
)
def test_a_translation_that_changes_a_fact_is_refused(root, out, context, change, problem):
    before = (root / "cy" / "explainers" / "referral.md").read_text()
    export(root, out, ["cy"], only={GUIDE})
    path = out / "cy" / "explainers" / "referral.po"
    store = open_po(path)
    unit = by_context(store, context)
    assert change[0] in unit.target
    unit.target = unit.target.replace(*change)
    path.write_bytes(bytes(store))
    outcome = import_translations(out, root, ["cy"])
    assert not outcome.ok
    [message] = outcome.refused
    assert str(path) in message and f"segment '{context}'" in message and problem in message
    assert (root / "cy" / "explainers" / "referral.md").read_text() == before


def test_a_file_exported_from_older_english_is_refused_with_the_segment_named(root, out):
    export(root, out, ["cy"], only={GUIDE})
    english = root / "en" / "explainers" / "referral.md"
    english.write_text(english.read_text().replace("Anyone can.", "Anyone at all can."))
    outcome = import_translations(out, root, ["cy"])
    [message] = outcome.refused
    assert "segment 'referral/body/h2[2]/p[1]'" in message and "translation-export" in message


def test_an_english_edit_makes_the_page_out_of_date_and_only_that_segment_fuzzy(
    root, out, tmp_path
):
    assert reviewed_referral(root, out).ok
    english = root / "en" / "explainers" / "referral.md"
    english.write_text(
        english.read_text().replace(
            "Usually, yes. A worker should normally talk to you first.",
            "Usually, yes. A worker should talk to you first, in most cases.",
        )
    )
    content = load_content(["en", "cy"], root=root)
    assert content.is_out_of_date(content.locales["cy"].explainers["referral"])
    soup = check_page(client_for(root, tmp_path).get("/cy/explainers/referral").text)
    assert "Mae’r dudalen Saesneg wedi newid" in soup.get_text()
    assert not soup.select("[data-checked]"), "a check of older English is not shown as current"
    welsh = next(line for line in report(["en", "cy"], root).splitlines() if line[:3] == "cy ")
    guides = welsh.split()[2:7]  # done, checked, draft, out of date, missing
    assert (guides[1], guides[3]) == ("0", "1"), welsh

    shutil.rmtree(out)
    export(root, out, ["cy"], only={GUIDE})
    store = open_po(out / "cy" / "explainers" / "referral.po")
    fuzzy = [unit for unit in units(store) if unit.isfuzzy()]
    assert [unit.getcontext() for unit in fuzzy] == ["referral/body/h2[3]/p[1]"]
    assert "The English of this segment changed" in fuzzy[0].getnotes("developer")
    assert fuzzy[0].target.startswith("Fel arfer, byddwch."), "the old words, to correct"
    kept = by_context(store, "referral/body/h2[1]/p[2]")
    assert kept.target == "Pryder yw atgyfeiriad, nid penderfyniad."
    assert "Checked by Ana Reviewer on 2026-12-05." in kept.getnotes("developer")

    # The reviewer checks the one segment; the page is checked again, on the new date.
    path = out / "cy" / "explainers" / "referral.po"
    store = open_po(path)
    unit = by_context(store, "referral/body/h2[3]/p[1]")
    unit.target = "Fel arfer, byddwch. Dylai gweithiwr siarad â chi yn gyntaf, gan amlaf."
    unit.markfuzzy(False)
    store.updateheader(Last_Translator="Bryn Adolygydd", PO_Revision_Date="2026-12-20 09:00+0000")
    path.write_bytes(bytes(store))
    assert import_translations(out, root, ["cy"]).ok
    meta = frontmatter.load(root / "cy" / "explainers" / "referral.md")["translation"]
    assert meta["status"] == "checked" and meta["checked_on"] == dt.date(2026, 12, 20)
    assert meta["reviewer"] == "Ana Reviewer, Bryn Adolygydd"
    content = load_content(["en", "cy"], root=root)
    assert not content.is_out_of_date(content.locales["cy"].explainers["referral"])


def test_a_glossary_term_and_the_pathway_go_round_too(root, out):
    slug = next(
        path.stem
        for path in sorted((root / "ar" / "glossary").glob("*.md"))
        if frontmatter.load(root / "en" / "glossary" / path.name).get("also")
    )
    export(root, out, ["ar"], only={("glossary", slug), ("pathway", "pathway")})
    term_po = out / "ar" / "glossary" / f"{slug}.po"
    approve_all(term_po)
    # Other names to search by are optional: a term is checked without them.
    store = open_po(term_po)
    by_context(store, f"{slug}/also").target = ""
    term_po.write_bytes(bytes(store))
    pathway = out / "ar" / "pathway.po"
    store = open_po(pathway)
    name = by_context(store, "referral/name")
    assert name.source == "Referral" and name.target
    # A translator may leave pathway words in English for now; the rest is imported.
    for unit in units(store):
        if unit.getcontext() != "referral/name":
            unit.target = ""
    name.target = "إحالة"
    pathway.write_bytes(bytes(store))
    outcome = import_translations(out, root, ["ar"], today=dt.date(2026, 12, 7))
    assert outcome.ok, outcome.refused
    term = frontmatter.load(root / "ar" / "glossary" / f"{slug}.md")
    assert term["translation"]["status"] == "checked"
    assert term["translation"]["checked_on"] == dt.date(2026, 12, 5)
    assert "also" not in term.metadata
    words = yaml.safe_load((root / "ar" / "pathway.yaml").read_text())
    assert words["steps"] == {"referral": {"name": "إحالة"}}
    assert words["translation"]["status"] == "draft"
    load_content(["en", "ar"], root=root)
