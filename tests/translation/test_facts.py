"""The facts a translation must keep, found in any script and any order."""

import pytest

from app.explainers.facts import differences, facts


def test_facts_are_numbers_phones_links_and_glossary_marks():
    found = facts(
        "Call 0808 800 5000 within 45 days; read [the guide](explainer:referral) or "
        "https://www.gov.uk/legal-aid, and see [[section-47|section 47]] and {1}."
    )
    assert set(found) == {
        "phone:08088005000",
        "number:45",
        "link:explainer:referral",
        "link:https://www.gov.uk/legal-aid",
        "term:section-47",
        "link:1",
    }


@pytest.mark.parametrize(
    "translated",
    [
        "خلال ٤٥ يوم عمل، اتصلوا بـ 0808 800 5000",  # Arabic-Indic digits are the same number
        "৪৫ দিনের মধ্যে 0808 800 5000",  # Bengali digits
        "o fewn 45 diwrnod (45 working days), ffoniwch 08088005000",  # repeated, regrouped
    ],
)
def test_a_translation_may_write_the_same_facts_its_own_way(translated):
    assert differences("within 45 working days, call 0808 800 5000", translated) == []


def test_an_english_number_in_words_may_become_digits_but_digits_must_stay():
    assert differences("not before six weeks", "nid cyn 6 wythnos") == []
    assert differences("up to 1 year", "hyd at flwyddyn") == ["number 1 is missing"]


def test_what_is_lost_or_added_is_named():
    assert differences(
        "[x]{1} costs £1,000 on 7 December 2026", "[x] costs £1.000 on 8/12/2026"
    ) == [
        "link {1} is missing",
        "number 7 is missing",
        "number 12 is not in the English",
        "number 8 is not in the English",
    ]
