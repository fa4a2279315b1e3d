"""Issue 18, "Must be added": the new guides exist, are linked in, and keep their key facts."""

import pytest

from app.explainers.content import load_content

CONTENT = load_content(["en"])
EXPLAINERS = CONTENT.english.explainers
GLOSSARY = CONTENT.english.glossary

ADDED = [
    "fathers-and-partners", "learning-disability-and-reading", "finding-an-advocate",
    "going-home-without-your-baby", "nhs-mother-and-baby-units",
    "young-parents-and-care-leavers", "migrant-parents", "reports-in-advance",
]  # fmt: skip

# Facts a reviewer checked against the law or guidance; a page that loses one is wrong again.
KEY_FACTS = {
    "fathers-and-partners": ["within 42 days", "Practice Direction 12C", "section 20",
                             "This includes a dad without parental responsibility"],
    "learning-disability-and-reading": ["Part 3A", "Part 15", "section 67", "section 19"],
    "finding-an-advocate": [
        "Family Rights Group phone line is for families in England",
        "Civil Legal Advice:** call 0345 345 4345. It covers England and Wales",
    ],
    "going-home-without-your-baby": ["6 to 8 weeks after the birth", "within 42 days",
                                     "it usually stops after 8 weeks"],
    "nhs-mother-and-baby-units": ["This is not a prison", "Uned Gobaith"],
    "young-parents-and-care-leavers": ["up to the age of 25", "Part 6"],
    "migrant-parents": ["Immigration Advice Authority", "not a \"public fund\""],
    "reports-in-advance": ["Children and Families Act 2014, section 13", "Working Together"],
}  # fmt: skip


@pytest.mark.parametrize("slug", ADDED)
def test_added_guide_exists_is_reviewed_and_linked_from_another_guide(slug):
    assert slug in EXPLAINERS
    assert str(EXPLAINERS[slug].meta.reviewed_on) == "2026-12-07"
    linked_from = {e.meta.slug for e in EXPLAINERS.values() if slug in e.meta.related}
    assert linked_from - {slug}, f"{slug} is linked from no other guide"


@pytest.mark.parametrize("slug", ADDED)
def test_added_guide_keeps_its_checked_facts(slug):
    for fact in KEY_FACTS[slug]:
        assert fact in EXPLAINERS[slug].body, f"{slug} lost: {fact}"


@pytest.mark.parametrize("slug", ADDED)
def test_added_guide_names_a_route_to_free_legal_advice(slug):
    assert "explainer:free-legal-advice" in EXPLAINERS[slug].body


def test_the_two_kinds_of_mother_and_baby_unit_are_told_apart():
    prison = GLOSSARY["mother-and-baby-unit"]
    assert "prison" in prison.meta.term.lower()
    assert "NHS" in prison.meta.short
    nhs = GLOSSARY["nhs-mother-and-baby-unit"]
    assert "prison" not in nhs.meta.short.lower()
    assert "nhs-mother-and-baby-units" in nhs.meta.explainers


def test_a_welsh_parent_is_given_a_free_route_that_serves_wales():
    body = EXPLAINERS["finding-an-advocate"].body
    wales = body.split("## Where can I get free advice in Wales?")[1].split("\n## ")[0]
    assert "0808 801 0366" not in wales
    assert "0345 345 4345" in wales
