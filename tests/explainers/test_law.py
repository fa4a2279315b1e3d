"""Each fact corrected in issue 18 ("what the guides say is right in law") stays corrected.

One test per finding: it fails if the old wrong sentence comes back or the new one goes.
Sources and the reasoning are in app/content/REVIEW_LOG.md.
"""

import re

from app.explainers.content import load_content

CONTENT = load_content(["en"])
EXPLAINERS = CONTENT.english.explainers
GLOSSARY = CONTENT.english.glossary
STEPS = {step.slug: step for step in CONTENT.pathway.steps}


def plain(markdown: str) -> str:
    """Markdown as read: glossary marks and links by their words, on one line."""
    words = re.sub(r"\[\[[a-z0-9-]+\|([^\]]+)\]\]", r"\1", markdown)
    words = re.sub(r"\[\[([a-z0-9-]+)\]\]", lambda m: m.group(1).replace("-", " "), words)
    words = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", words)
    return " ".join(words.replace("**", "").split())


def text(slug: str) -> str:
    """An explainer's words as read, so a sentence split by a line break still matches."""
    return plain(EXPLAINERS[slug].body)


def cited(slug: str, words: str) -> bool:
    return any(words in source.title for source in EXPLAINERS[slug].meta.sources)


def test_1_a_father_without_parental_responsibility_gets_legal_aid_whatever_his_money():
    old = re.compile(r"If you do not, you can still get advice\. Legal aid may then depend on")
    assert not old.search(text("your-solicitor"))
    assert "you may still get legal aid. It may depend on your income" not in text(
        "court-hearing-around-birth"
    )
    assert "even if you do not have parental responsibility" in text("your-solicitor")
    assert "This includes a father without parental responsibility" in text(
        "court-hearing-around-birth"
    )
    assert "So a dad gets it even if he does not have parental responsibility" in text(
        "free-legal-advice"
    )
    for slug in ("your-solicitor", "court-hearing-around-birth", "free-legal-advice"):
        assert "join the case" in text(slug), slug
        assert cited(slug, "Financial Resources and Payment for Services"), slug


def test_2_free_legal_aid_covers_emergency_protection_and_opposing_adoption():
    page = text("free-legal-advice")
    assert "There are two times when you get free" not in page
    assert "At these two steps" not in page
    assert "emergency protection order" in page
    assert "placement order" in page and "adoption order" in page
    assert "Since March 2023, your money does not matter" in page
    assert cited("free-legal-advice", "Miscellaneous Amendments) Order 2023")
    assert "since March 2023" in text("adoption")
    assert "even a father without parental responsibility" in GLOSSARY["legal-aid"].text


def test_3_england_has_a_duty_to_offer_family_group_decision_making():
    fgc = text("family-group-conference")
    assert "But no law says you must be offered a family group conference." not in fgc
    assert "section 31ZA of the Children Act 1989" in fgc
    assert "Children's Wellbeing and Schools Act 2026" in fgc
    assert "In Wales, this new law does not apply" in fgc
    # Whether it has started is said plainly, not assumed.
    assert "we could not find that this day had come" in fgc
    for slug in ("letter-before-proceedings", "pre-proceedings-meeting", "family-group-conference"):
        assert "new law" in text(slug), slug
        assert cited(slug, "Children's Wellbeing and Schools Act 2026"), slug
    letter_next = {option.step: option.when for option in STEPS["letter-before-proceedings"].next}
    assert "31ZA" in letter_next["family-group-conference"]


def test_4_an_interim_care_order_does_not_by_itself_mean_separation():
    for slug in ("care-proceedings", "court-hearing-around-birth"):
        page = text(slug)
        assert "Does an interim care order mean my baby is taken from me?" in page, slug
        assert "No, not by itself." in page, slug
        assert "Your baby's safety must need you to be apart now" in page, slug
        assert "in proportion to the risk" in page, slug
        assert "could stay together" in page, slug
        assert cited(slug, "Re C (A Child) (Interim Separation) [2019] EWCA Civ 1998"), slug
        assert cited(slug, "Re L-A (Children) [2009] EWCA Civ 822"), slug


def test_5_leaving_hospital_against_a_plan_says_what_can_follow():
    page = text("hospital-and-discharge-planning")
    assert "What if I want to leave hospital against the plan?" in page
    assert "police protection" in page
    assert "emergency protection order" in page and "interim care order" in page
    assert "Talk to your solicitor first, before you leave." in page


def test_6_an_unmarried_father_has_parental_responsibility_only_once_named_on_the_register():
    page = text("voluntary-accommodation")
    old = "A father has it if he is married to the mother, or named on the birth certificate."
    assert old not in page
    assert "1 December 2003" in page
    assert "within 42 days" in page
    assert "often has no parental responsibility in the first days after the birth" in page
    assert "you cannot end it or object on your own" in page
    assert cited("voluntary-accommodation", "Births and Deaths Registration Act 1953")
    assert "1 December 2003" in GLOSSARY["parental-responsibility"].text


def test_7_taking_the_baby_home_from_voluntary_accommodation_is_a_right():
    options = {option.step: option.when for option in STEPS["voluntary-accommodation"].next}
    assert "you can ask for this at any time" not in options["baby-stays-with-you"]
    assert "this is your right at any time" in options["baby-stays-with-you"]
    assert "This is your right, not a favour you ask for." in text("voluntary-accommodation")


def test_8_pre_sentence_reports_follow_the_2025_act():
    page = text("probation-and-criminal-justice")
    old = "If there is no such report, the court should normally wait for one."
    assert old not in page
    assert "Sentencing Guidelines (Pre-sentence Reports) Act 2025" in page
    assert "so they no longer say this" in page
    assert "Ask your solicitor to ask the court for a report." in page
    assert cited("probation-and-criminal-justice", "Pre-sentence Reports) Act 2025")
    assert cited("probation-and-criminal-justice", "section 30")


def test_9_court_pages_say_a_decision_can_be_appealed_in_time():
    pages = (
        "care-proceedings", "court-hearing-around-birth", "supervision-order",
        "possible-outcomes", "adoption",
    )  # fmt: skip
    for slug in pages:
        page = text(slug)
        assert "appeal" in page, slug
        assert "You usually need permission first." in page, slug
        assert "21 days" in page, slug
        assert cited(slug, "Family Procedure Rules 2010, Part 30"), slug
    for slug in ("care-proceedings", "court-hearing-around-birth"):
        assert 'This pause is called a "stay".' in text(slug), slug
    assert "appeal" in GLOSSARY


def test_10_consent_to_adoption_six_weeks_witness_and_withdrawal():
    page = text("adoption")
    assert "never sign anything about adoption without talking to your solicitor" in page
    assert "before the baby is six weeks old" in page
    assert "Cafcass in England, or Cafcass Cymru in Wales" in page
    assert "reporting officer" in page and "reporting-officer" in GLOSSARY
    assert "You can take back your consent in writing." in page
    assert "it is too late to take it back" in page
    assert cited("adoption", "Adoption and Children Act 2002, section 52")


PHONE = re.compile(r"\b0\d{2,4}(?: \d{2,4}){1,3}\b")


def test_phone_numbers_are_written_whole_so_they_can_become_tel_links():
    """A number split over a line break, or with no word saying it is one, can't be linked."""
    for slug, explainer in EXPLAINERS.items():
        for line in explainer.body.splitlines():
            assert not re.search(r"\b0\d{2,4}\s*$", line), f"{slug}: a number is split: {line!r}"
        for match in PHONE.finditer(" ".join(explainer.body.split())):
            before = " ".join(explainer.body.split())[max(0, match.start() - 12) : match.start()]
            assert re.search(r"(?i)(call|text|on|line is)\s*$", before), f"{slug}: {match.group()}"
