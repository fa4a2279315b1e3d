"""The national services file, areas, filters and addresses: no database needed."""

import datetime as dt
from pathlib import Path

import pytest

from app.explainers.readability import grade
from app.resources.directory import (
    TOPICS,
    DirectoryError,
    Resource,
    clean_filters,
    find,
    language_name,
    load_national,
    nation_of,
    parse_place,
    serves,
    tel_href,
)
from app.resources.service import clean_website
from app.settings import ROOT

NATIONAL = load_national(ROOT / "app" / "content")
NAMES = {key: key for key in TOPICS}


def test_at_least_25_national_services_cover_what_parents_need():
    assert len(NATIONAL) >= 25
    topics = {topic for resource in NATIONAL.values() for topic in resource.topics}
    # Legal advice, family rights, perinatal mental health, domestic abuse, substance use,
    # housing, benefits, baby loss and separation, interpreters and Welsh language rights.
    assert set(TOPICS) <= topics
    wales_only = [r for r in NATIONAL.values() if r.nations == ("wales",)]
    assert wales_only, "Wales has its own helplines; the directory says which"
    assert any(r.speaks("cy") for r in NATIONAL.values())


@pytest.mark.parametrize("slug", sorted(NATIONAL))
def test_each_national_service_is_dated_sourced_and_reachable(slug):
    resource = NATIONAL[slug]
    assert resource.sources, "every fact has a source"
    assert resource.checked_on <= dt.date(2026, 12, 31)
    assert resource.website.startswith("https://")
    assert resource.phone or resource.text or resource.website
    if resource.phone:
        assert tel_href(resource.phone).startswith("tel:")
    # Plain words: a summary a frightened parent can read on a phone.
    assert grade(resource.summary) <= 6, resource.summary


def _write(tmp_path: Path, body: str) -> Path:
    (tmp_path / "resources").mkdir()
    (tmp_path / "resources" / "national.yaml").write_text(body)
    return tmp_path


GOOD = """
- slug: helpline
  name: A helpline
  summary: Free help on the phone for parents, any day of the week.
  topics: [legal_advice]
  phone: "0808 000 0000"
  website: https://helpline.example
  nations: [england]
  checked_on: 2026-12-01
  source: https://helpline.example/contact
"""


def test_a_good_file_loads(tmp_path):
    found = load_national(_write(tmp_path, GOOD))
    assert found["helpline"].phone == "0808 000 0000"
    assert found["helpline"].languages == ("en",)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (("https://helpline.example\n", "javascript:alert(1)\n"), "website"),
        (("https://helpline.example\n", "http://helpline.example\n"), "website"),
        (('"0808 000 0000"', '"call us"'), "phone"),
        (("[legal_advice]", "[knitting]"), "topics"),
        (("  source: https://helpline.example/contact\n", ""), "source"),
        (("[england]", "[scotland]"), "nations"),
    ],
)
def test_a_bad_entry_stops_start_up_naming_the_service_and_field(tmp_path, change, named):
    old, new = change
    with pytest.raises(DirectoryError) as error:
        load_national(_write(tmp_path, GOOD.replace(old, new)))
    assert "helpline" in str(error.value)
    assert named in str(error.value)


def test_a_slug_used_twice_is_refused(tmp_path):
    with pytest.raises(DirectoryError, match="twice"):
        load_national(_write(tmp_path, GOOD + GOOD))


@pytest.mark.parametrize(
    ("typed", "area", "district", "council"),
    [
        ("CF10 1AA", "CF", "CF10", ""),
        ("cf101aa", "CF", "CF10", ""),
        ("sw1a", "SW", "SW1A", ""),
        ("M", "M", "", ""),
        ("  Cardiff  Council ", "", "", "cardiff council"),
    ],
)
def test_places_are_read_from_postcodes_or_council_names(typed, area, district, council):
    place = parse_place(typed)
    assert (place.area, place.district, place.council) == (area, district, council)


def test_a_local_service_serves_its_districts_areas_and_councils():
    tagged = ("CF10", "CF11", "Cardiff", "NP")
    assert serves(tagged, parse_place("CF10 1AA"))
    assert not serves(tagged, parse_place("CF24 3AA")), "another district of the same area"
    assert serves(tagged, parse_place("CF")), "a whole area includes its districts"
    assert serves(tagged, parse_place("NP20 1AB")), "tagged with a whole area"
    assert serves(tagged, parse_place("cardiff"))
    assert not serves(tagged, parse_place("Swansea"))


def _local(**overrides) -> Resource:
    values = dict(ref="local-1", name="Drop-in", summary="A drop-in for parents.",
                  topics=("family_rights",), languages=("en", "pl"),
                  checked_on=dt.date(2026, 12, 1), areas=("CF10",))  # fmt: skip
    return Resource(**(values | overrides))


def test_finding_by_topic_language_area_and_words():
    every = [_local(), *NATIONAL.values()]
    legal = find(every, clean_filters(topic="legal_advice"), topic_names=NAMES)
    assert legal and all("legal_advice" in r.topics for r in legal)
    assert not any(r.local for r in legal), "no area given: no local services"
    near = find(every, clean_filters(area="CF10 1AA", language="pl"), topic_names=NAMES)
    assert near[0].ref == "local-1", "local services come first"
    assert all(r.speaks("pl") or r.interpreter for r in near)
    words = find(every, clean_filters(q="drop"), topic_names=NAMES)
    assert "local-1" not in {r.ref for r in words}
    words = find(every, clean_filters(q="drop", area="CF10"), topic_names=NAMES)
    assert [r.ref for r in words] == ["local-1"]
    withdrawn = find([_local(withdrawn=True)], clean_filters(area="CF10"), topic_names=NAMES)
    assert withdrawn == []


def test_unknown_filters_are_dropped_not_errors():
    filters = clean_filters(topic="<script>", language="english!", area=" x " * 100, q="")
    assert (filters.topic, filters.language) == ("", "")
    assert len(filters.area) <= 80


def test_language_names_come_from_babel_in_the_readers_language():
    assert language_name("cy", "en") == "Welsh"
    assert language_name("cy", "cy") == "Cymraeg"
    assert language_name("pl", "pl") == "polski"


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("https://example.org/help", "https://example.org/help"),
        ("http://example.org", "http://example.org"),
        ("www.example.org", "https://www.example.org"),
    ],
)
def test_websites_are_http_or_https(typed, kept):
    assert clean_website(typed) == kept


@pytest.mark.parametrize(
    "typed",
    ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,hi", "ftp://example.org",
     "https://user:pass@example.org", "https://exa mple.org", "https://localhost"],
)  # fmt: skip
def test_other_links_are_refused(typed):
    with pytest.raises(ValueError):
        clean_website(typed)


@pytest.mark.parametrize(
    ("typed", "nation"),
    [
        ("CF10 1AA", "wales"), ("sa1", "wales"), ("LL57 2DG", "wales"), ("CH7 1AA", "wales"),
        ("SY23", "wales"), ("SY1 1AA", "england"), ("DN1 1AA", "england"), ("M", "england"),
        ("CH4 8AA", None), ("NP16", None), ("SY", None), ("EH1 1AA", None), ("BT1", None),
        ("Cardiff", "wales"), ("City and County of Cardiff", "wales"), ("Cardif", "wales"),
        ("Cyngor Sir Gaerfyrddin", "wales"), ("Rhondda Cynon Taf County Borough Council", "wales"),
        ("Isle of Anglesey", "wales"), ("Doncaster", "england"), ("Sefton Council", "england"),
        ("", None),
    ],
)  # fmt: skip
def test_the_nation_of_a_postcode_or_council(typed, nation):
    assert nation_of(parse_place(typed)) == nation


def test_services_for_the_other_nation_come_last():
    every = [*NATIONAL.values(), _local(areas=("CF10", "DN1"))]

    def only(found, nation):
        return [r.nations == (nation,) for r in found if not r.local]

    wales = find(every, clean_filters(area="CF10 1AA"), topic_names=NAMES)
    assert wales[0].local
    flags = only(wales, "england")
    assert any(flags) and flags == sorted(flags), "England-only after every other"
    assert any(r.nations == ("wales",) for r in wales[: len(wales) - sum(flags)])
    england = find(every, clean_filters(area="DN1 1AA"), topic_names=NAMES)
    flags = only(england, "wales")
    assert any(flags) and flags == sorted(flags), "Wales-only after every other"
    # Unknown nation: the file's order, as before.
    border = find(every, clean_filters(area="NP16"), topic_names=NAMES)
    assert [r.ref for r in border] == [r.ref for r in NATIONAL.values()]
