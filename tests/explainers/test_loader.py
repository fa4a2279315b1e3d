"""A content file that does not fit stops start-up with a message naming the file and field."""

import shutil
import textwrap
from pathlib import Path

import pytest

from app.explainers.content import CONTENT_DIR, ContentError, load_content

GOOD = textwrap.dedent(
    """\
    ---
    slug: sample
    title: What is a sample?
    summary: A sample page for tests.
    stage: any-time
    jurisdiction: both
    related: []
    terms: [section-47]
    sources:
      - title: Children Act 1989
        url: https://www.legislation.gov.uk/ukpga/1989/41
    reviewed_on: 2026-11-23
    ---
    ## What is it?

    A [[section-47]] is a check.
    """
)


SOURCES = GOOD[GOOD.index("sources:") : GOOD.index("reviewed_on")]


@pytest.fixture
def content_root(tmp_path) -> Path:
    """A copy of the real content to spoil one file at a time."""
    root = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, root)
    return root


def write(root: Path, text: str, name: str = "sample") -> Path:
    path = root / "en" / "explainers" / f"{name}.md"
    path.write_text(text)
    return path


def test_a_good_new_file_loads(content_root):
    write(content_root, GOOD)
    content = load_content(["en"], root=content_root)
    assert "sample" in content.english.explainers


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (("reviewed_on: 2026-11-23\n", ""), "reviewed_on"),
        ((SOURCES, "sources: []\n"), "sources"),
        (("stage: any-time", "stage: someday"), "stage"),
        (("slug: sample", "slug: other"), "slug"),
        (("terms: [section-47]", "terms: []"), "terms"),
        (("terms: [section-47]", "terms: [section-47, no-such-term]"), "terms"),
        (("related: []", "related: [no-such-page]"), "related"),
        (("A [[section-47]] is a check.", "See [this](explainer:no-such-page)."), "body"),
        (("A [[section-47]] is a check.", "See [this](http://example.org)."), "body"),
        (("title: What is a sample?\n", "title: What is a sample?\ncolour: blue\n"), "colour"),
    ],
)  # fmt: skip
def test_a_bad_file_names_itself_and_the_field(content_root, change, field):
    old, new = change
    assert old in GOOD
    path = write(content_root, GOOD.replace(old, new))
    with pytest.raises(ContentError) as caught:
        load_content(["en"], root=content_root)
    assert caught.value.path == path
    assert caught.value.field.split(".")[0] == field
    assert str(path) in str(caught.value) and field in str(caught.value)


def test_broken_yaml_is_reported(content_root):
    path = write(content_root, "---\ntitle: [unclosed\n---\nbody\n")
    with pytest.raises(ContentError, match="not valid YAML") as caught:
        load_content(["en"], root=content_root)
    assert caught.value.path == path


def test_a_pathway_step_pointing_nowhere_is_reported(content_root):
    path = content_root / "en" / "pathway.yaml"
    path.write_text(path.read_text().replace("- step: pre-birth-assessment", "- step: nowhere", 1))
    with pytest.raises(ContentError) as caught:
        load_content(["en"], root=content_root)
    assert caught.value.path == path
    assert caught.value.field.endswith(".step")


def test_app_start_up_stops_on_bad_content(content_root, tmp_path):
    from app.main import create_app
    from tests.conftest import settings_for

    write(content_root, GOOD.replace("stage: any-time", "stage: someday"))
    settings = settings_for(f"sqlite:///{tmp_path / 'x.db'}", tmp_path, content_dir=content_root)
    with pytest.raises(ContentError, match="sample.md: field 'stage'"):
        create_app(settings)
