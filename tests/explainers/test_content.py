"""The content itself: enough of it, plain enough, fully linked, sourced and reachable."""

import pytest

from app.explainers.content import load_content
from app.explainers.readability import GRADE_LIMIT, grade
from app.explainers.schema import Nation

CONTENT = load_content(["en"])
EXPLAINERS = CONTENT.english.explainers
GLOSSARY = CONTENT.english.glossary

# CONTENT_GUIDE.md: the topics the set must cover, each by the explainer that covers it.
REQUIRED_TOPICS = [
    "why-social-care-contact-you", "referral", "pre-birth-assessment",
    "strategy-discussion-and-section-47", "child-in-need-plan", "child-protection-conference",
    "child-protection-plan", "letter-before-proceedings", "pre-proceedings-meeting",
    "family-group-conference", "parenting-assessments", "birth-plan",
    "hospital-and-discharge-planning", "court-hearing-around-birth", "voluntary-accommodation",
    "care-proceedings", "childrens-guardian", "your-solicitor", "possible-outcomes",
    "baby-stays-with-you", "supervision-order", "parent-and-baby-placement", "kinship-care",
    "foster-care", "adoption", "family-time", "support-after-separation",
    "probation-and-criminal-justice", "asking-for-help", "whos-who", "your-records",
    "complaints", "interpreters-and-welsh-language", "free-legal-advice",
]  # fmt: skip


def test_there_are_enough_explainers_and_terms():
    assert len(EXPLAINERS) >= 30
    assert len(GLOSSARY) >= 60


def test_every_topic_of_the_content_guide_is_covered():
    assert set(REQUIRED_TOPICS) <= set(EXPLAINERS)


@pytest.mark.parametrize("slug", sorted(EXPLAINERS))
def test_english_explainer_reads_at_grade_six_or_below(slug):
    score = grade(EXPLAINERS[slug].body)
    assert score <= GRADE_LIMIT, f"{slug} scores Flesch–Kincaid grade {score}"


@pytest.mark.parametrize("slug", sorted(EXPLAINERS))
def test_explainer_has_sources_review_date_and_question_headings(slug):
    explainer = EXPLAINERS[slug]
    assert explainer.meta.sources
    assert explainer.meta.reviewed_on
    headings = [line for line in explainer.body.splitlines() if line.startswith("## ")]
    assert headings, f"{slug} has no headings"
    assert all(h.rstrip().endswith("?") for h in headings), f"{slug}: headings are questions"


@pytest.mark.parametrize("slug", sorted(EXPLAINERS))
def test_every_marked_term_is_explained_in_place(slug):
    explainer = EXPLAINERS[slug]
    for term in explainer.meta.terms:
        assert term in GLOSSARY
    assert explainer.html.count('<details class="term">') == len(
        {t for t in explainer.meta.terms if f"[[{t}" in explainer.body}
    )


def test_every_explainer_is_reachable_from_the_index_or_the_pathway():
    in_pathway = {step.explainer for step in CONTENT.pathway.steps}
    linked = {target for e in EXPLAINERS.values() for target in e.meta.related}
    # The index lists every explainer; the pathway and cross-links must cover the steps.
    assert in_pathway <= set(EXPLAINERS)
    orphans = set(EXPLAINERS) - in_pathway - linked
    assert not orphans, f"reachable from the index only: {orphans}"


def test_pathway_has_the_real_branches_and_ends():
    steps = {step.slug: step for step in CONTENT.pathway.steps}
    assert CONTENT.pathway.steps[0].slug == "referral"
    ends = [slug for slug, step in steps.items() if not step.next]
    assert len(ends) >= 3, "outcomes and 'no further action' are ends"
    branching = [slug for slug, step in steps.items() if len(step.next) >= 2]
    assert len(branching) >= 5
    stages = {step.stage for step in steps.values()}
    assert {"before-birth", "at-birth", "court"} <= {s.value for s in stages}


def test_every_timescale_names_its_source():
    for step in CONTENT.pathway.steps:
        if step.timescale:
            for nation in Nation:
                rule = getattr(step.timescale, nation.value)
                if rule:
                    assert rule.source.strip()


def test_wales_has_its_own_words_somewhere():
    assert any(step.wales and step.wales.name for step in CONTENT.pathway.steps)


def test_areas_override_only_real_steps():
    steps = {step.slug for step in CONTENT.pathway.steps}
    for area in CONTENT.areas.values():
        assert set(area.timescales) <= steps
        assert area.source.url
