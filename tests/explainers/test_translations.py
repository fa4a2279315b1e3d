"""Translated content is honest: drafts and out-of-date pages say so in the reader's language,
a missing translation falls back to English, and a translation keeps the English facts."""

import re
import shutil

import frontmatter
import pytest
import yaml
from fastapi.testclient import TestClient

from app.explainers.content import CONTENT_DIR, ContentError, load_content
from app.main import create_app
from app.translation_status import report
from tests.conftest import settings_for
from tests.pages import check_page

ENGLISH = load_content(["en"])


def translate(
    root,
    slug: str,
    *,
    version: str | None = None,
    status: str = "draft",
    reviewer: str | None = None,
    checked_on: str | None = None,
    **changes,
):
    """A Welsh file for an English explainer, its words marked, its facts kept."""
    english = frontmatter.load(CONTENT_DIR / "en" / "explainers" / f"{slug}.md")
    meta = dict(english.metadata)
    meta["title"] = "Cymraeg: " + meta["title"]
    meta["translation"] = {
        "status": status,
        "source_version": version or ENGLISH.english.explainers[slug].version,
    }
    if reviewer:
        meta["translation"].update(reviewer=reviewer, checked_on=checked_on)
    meta.update(changes)
    folder = root / "cy" / "explainers"
    folder.mkdir(parents=True, exist_ok=True)
    post = frontmatter.Post("Testun Cymraeg.\n\n" + english.content, **meta)
    (folder / f"{slug}.md").write_text(frontmatter.dumps(post))


@pytest.fixture
def root(tmp_path):
    root = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, root, ignore=shutil.ignore_patterns("cy"))
    return root


def client_for(root, tmp_path) -> TestClient:
    settings = settings_for(f"sqlite:///{tmp_path / 't.db'}", tmp_path, content_dir=root)
    return TestClient(create_app(settings))


def test_a_draft_translation_says_so_in_the_readers_language(root, tmp_path):
    translate(root, "referral")
    page = client_for(root, tmp_path).get("/cy/explainers/referral")
    soup = check_page(page.text)
    assert soup.h1.get_text(strip=True).startswith("Cymraeg: ")
    notice = soup.select_one(".notice").get_text(" ", strip=True)
    assert "Dydy neb wedi gwirio" in notice
    assert soup.select_one(".notice a")["href"] == "/en/explainers/referral"
    assert soup.select_one("article")["lang"] == "cy"


def test_a_checked_translation_says_who_checked_it_when_not_that_it_is_a_draft(root, tmp_path):
    translate(root, "referral", status="checked", reviewer="Ana", checked_on="2026-12-05")
    soup = check_page(client_for(root, tmp_path).get("/cy/explainers/referral").text)
    [notice] = soup.select(".notice")
    assert notice.get_text(strip=True) == "Cafodd ei wirio gan gyfieithydd ar 5 Rhagfyr 2026."


@pytest.mark.parametrize(
    "translation",
    [
        {"status": "checked"},  # by whom, and when?
        {"status": "checked", "reviewer": "Ana"},
        {"status": "draft", "reviewer": "Ana", "checked_on": "2026-12-05"},
    ],
)
def test_a_check_names_its_reviewer_and_date_and_a_draft_has_neither(root, translation):
    translate(root, "referral")
    path = root / "cy" / "explainers" / "referral.md"
    post = frontmatter.load(path)
    post["translation"] = {**post["translation"], **translation}
    path.write_text(frontmatter.dumps(post))
    with pytest.raises(ContentError, match="translation"):
        load_content(["en", "cy"], root=root)


def test_a_translation_of_an_older_english_text_is_marked_out_of_date(root, tmp_path):
    translate(
        root,
        "referral",
        version="000000000000",
        status="checked",
        reviewer="Ana",
        checked_on="2026-12-05",
    )
    soup = check_page(client_for(root, tmp_path).get("/cy/explainers/referral").text)
    assert "Mae’r dudalen Saesneg wedi newid" in soup.select_one(".notice").get_text()


def test_a_missing_translation_falls_back_to_english_with_a_notice(root, tmp_path):
    soup = check_page(client_for(root, tmp_path).get("/cy/explainers/adoption").text)
    assert soup.select_one("article")["lang"] == "en"
    assert "Saesneg" in soup.select_one(".notice").get_text()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"sources": [{"title": "Somewhere else", "url": "https://example.org/"}]}, "sources"),
        ({"stage": "court"}, "stage"),
        ({"terms": ["section-47"]}, "terms"),
    ],
)
def test_a_translation_that_changes_the_facts_is_refused(root, change, field):
    translate(root, "referral", **change)
    with pytest.raises(ContentError) as caught:
        load_content(["en", "cy"], root=root)
    assert caught.value.field == field


def test_a_translation_without_an_english_original_is_refused(root):
    translate(root, "referral")
    source = root / "cy" / "explainers" / "referral.md"
    source.rename(source.with_name("no-such-page.md"))
    with pytest.raises(ContentError, match="slug"):
        load_content(["en", "cy"], root=root)


def test_pathway_words_come_from_the_translation_and_sources_stay(root, tmp_path):
    words = {
        "translation": {"status": "draft", "source_version": ENGLISH.pathway_version},
        "steps": {"referral": {"name": "Atgyfeirio", "what": "Mae rhywun yn poeni."}},
    }
    (root / "cy").mkdir(exist_ok=True)
    (root / "cy" / "pathway.yaml").write_text(yaml.safe_dump(words, allow_unicode=True))
    page = client_for(root, tmp_path).get("/cy/pathway/referral?nation=england")
    soup = check_page(page.text)
    assert soup.h1.get_text(strip=True) == "Atgyfeirio"
    assert "Working Together" in soup.get_text()


def test_a_pathway_translation_of_an_unknown_step_is_refused(root):
    words = {
        "translation": {"status": "draft", "source_version": ENGLISH.pathway_version},
        "steps": {"nowhere": {"name": "Unman"}},
    }
    (root / "cy").mkdir(exist_ok=True)
    (root / "cy" / "pathway.yaml").write_text(yaml.safe_dump(words))
    with pytest.raises(ContentError, match="steps.nowhere"):
        load_content(["en", "cy"], root=root)


def test_translation_status_counts_checked_drafts_out_of_date_and_missing(root):
    translate(root, "referral")
    translate(root, "adoption", version="000000000000")
    translate(root, "care-proceedings", status="checked", reviewer="Ana", checked_on="2026-12-05")
    lines = report(["en", "cy"], root).splitlines()
    welsh = next(line for line in lines if line.startswith("cy"))
    total = len(load_content(["en"], root=root).english.explainers)
    done, checked, draft, old, missing = welsh.split()[2:7]
    assert (checked, draft, old, missing) == ("1", "1", "1", str(total - 3)), welsh
    assert done == f"{3 / total:.0%}"


def test_the_real_translations_load_and_keep_the_english_facts():
    folders = [p.name for p in CONTENT_DIR.iterdir() if p.is_dir() and p.name != "areas"]
    content = load_content(folders)  # raises on any disagreement with the English
    for code in folders:
        for explainer in content.locales[code].explainers.values():
            english = content.english.explainers[explainer.meta.slug]
            marks = set(re.findall(r"\[\[([a-z0-9-]+)", english.body))
            assert set(re.findall(r"\[\[([a-z0-9-]+)", explainer.body)) == marks, (
                f"{code}/{explainer.meta.slug} marks other glossary terms than the English"
            )


def _bodies(folder) -> dict[str, str]:
    from app.explainers.content import _read_front_matter

    return {path.stem: _read_front_matter(path)[1] for path in sorted(folder.glob("*.md"))}


@pytest.mark.parametrize(
    "locale",
    sorted(
        p.name for p in CONTENT_DIR.iterdir() if (p / "pathway.yaml").is_file() and p.name != "en"
    ),
)
def test_every_translation_in_the_repository_keeps_the_english_facts(locale):
    """Numbers, phone numbers, links and glossary marks of every guide, glossary term and
    pathway timescale in the repository agree with the English, as import insists."""
    from app.explainers.facts import differences

    problems = []
    for kind in ("explainers", "glossary"):
        english = _bodies(CONTENT_DIR / "en" / kind)
        for slug, body in _bodies(CONTENT_DIR / locale / kind).items():
            problems += [f"{kind}/{slug}: {d}" for d in differences(english[slug], body)]
    english_steps = yaml.safe_load((CONTENT_DIR / "en" / "pathway.yaml").read_text())["steps"]
    local = yaml.safe_load((CONTENT_DIR / locale / "pathway.yaml").read_text())
    for step in english_steps:
        words = (local.get("steps") or {}).get(step["slug"]) or {}
        for nation, line in (words.get("timescale") or {}).items():
            english_line = step["timescale"][nation]["text"]
            problems += [
                f"pathway/{step['slug']}/{nation}: {d}" for d in differences(english_line, line)
            ]
    assert problems == []
