"""The 2010 record loads on an empty database, completely and only once."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from jurisdictions.models import Agency, Contact, Jurisdiction
from tracker.domain import selectors, services
from tracker.domain.workflow import State
from tracker.models import AgencyResponse, Letter, Meeting, OptOutRequest, Source, Statement

pytestmark = pytest.mark.django_db

MODELS = (
    Jurisdiction,
    Agency,
    Contact,
    Source,
    OptOutRequest,
    Letter,
    AgencyResponse,
    Meeting,
    Statement,
)
#: The records that bear facts, each citing its seeds.
CITING = (OptOutRequest, Letter, AgencyResponse, Meeting, Statement)
EXPECTED_COUNTS = {
    "Jurisdiction": 4,
    "Agency": 19,
    "Contact": 12,
    "Source": 5,
    "OptOutRequest": 4,
    "Letter": 2,
    "AgencyResponse": 0,
    "Meeting": 1,
    "Statement": 11,
}


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def test_the_fixtures_load_into_an_empty_database(record_2010: None) -> None:
    assert counts() == EXPECTED_COUNTS


def test_loading_the_fixtures_twice_adds_nothing(record_2010: None) -> None:
    before = counts()
    versions = sorted(OptOutRequest.objects.values_list("reference", "version"))
    call_command("loaddata", "jurisdictions", "secure_communities_2010", verbosity=0)
    assert counts() == before
    assert sorted(OptOutRequest.objects.values_list("reference", "version")) == versions


def test_the_four_jurisdictions_carry_fips_and_ocd_ids(record_2010: None) -> None:
    rows = set(Jurisdiction.objects.values_list("name", "state", "fips", "ocd_id"))
    assert rows == {
        ("Arlington County", "VA", "51013", "ocd-division/country:us/state:va/county:arlington"),
        ("San Francisco", "CA", "06075", "ocd-division/country:us/state:ca/county:san_francisco"),
        (
            "Santa Clara County",
            "CA",
            "06085",
            "ocd-division/country:us/state:ca/county:santa_clara",
        ),
        ("District of Columbia", "DC", "11001", "ocd-division/country:us/district:dc"),
    }


def test_every_fixture_record_is_valid_and_cites_its_seeds(record_2010: None) -> None:
    for model in MODELS:
        for obj in model.objects.all():
            obj.full_clean()
    for model in CITING:
        for obj in model.objects.prefetch_related("sources"):
            seeds = [source.seed for source in obj.sources.all()]
            assert seeds and all(seeds), f"{model.__name__} {obj} cites no seed"
            # Every seed is now a linked source: nothing is left in the free-text field.
            assert obj.source == ""


def test_the_seed_sources_are_no_more_precise_than_the_seeds(record_2010: None) -> None:
    dated = {
        source.reference: source.published.isoformat() if source.published else None
        for source in Source.objects.all()
    }
    assert dated == {
        "seed-000": "2010-10-06",
        "seed-001": None,
        "seed-002": "2010-10-14",
        "seed-003": None,
        "seed-004": None,
    }
    publishers = dict(Source.objects.values_list("seed", "publisher"))
    assert publishers["000"] == "The Washington Independent"
    assert publishers["002"] == "National Immigration Forum"
    assert publishers["001"] == publishers["003"] == publishers["004"] == ""


def test_san_francisco_sent_two_letters_and_the_second_is_unanswered(record_2010: None) -> None:
    sf = OptOutRequest.objects.get(jurisdiction__name="San Francisco")
    assert sf.status == State.NOTICE_SENT
    first, second = sf.letters.order_by("reference")
    assert first.sent is not None and first.sent.display() == "2010"
    assert not second.responses.exists()
    assert {a.kind for a in second.recipients.all()} == {"program_office", "sib"}
    assert all(item.done for item in selectors.request_checklist(sf)[:2])


def test_stored_due_dates_agree_with_the_deadline_rules(record_2010: None) -> None:
    for letter in Letter.objects.all():
        deadline = selectors.letter_deadline(letter)
        assert deadline is not None and letter.due_on == deadline.due_on


def test_undated_facts_stay_undated(record_2010: None) -> None:
    meeting = Meeting.objects.get()
    assert meeting.held_on is None and meeting.status == "planned"
    assert "date unknown" in str(meeting)
    assert not Jurisdiction.objects.filter(activation_date__isnull=False).exists()


def test_the_statements_record_the_reversal(record_2010: None) -> None:
    positions = {
        (s.stated.isoformat() if s.stated else None, s.agency.abbreviation, s.position)
        for s in Statement.objects.select_related("agency")
    }
    assert ("2010-09-07", "DHS", "possible") in positions
    assert ("2010-10-06", "DHS", "impossible") in positions
    assert ("2010-08", "ICE", "possible") in positions
    assert ("2010-09-27/2010-10-02", "ICE", "impossible") in positions


def test_the_natural_keys_resolve(record_2010: None, **_: Any) -> None:
    assert Agency.objects.get_by_natural_key("ice").parent == Agency.objects.get(reference="dhs")
    sf = Jurisdiction.objects.get_by_natural_key("ca-san-francisco")
    assert sf.natural_key() == ("ca-san-francisco",)


def test_load_record_loads_once_and_never_undoes_edits(editor: Any) -> None:
    call_command("load_record", verbosity=0)
    assert counts() == EXPECTED_COUNTS
    arlington = OptOutRequest.objects.get(reference="arlington-2010")
    services.request_transition(request=arlington, to="withdrawn", by=editor)
    call_command("load_record", verbosity=0)
    arlington.refresh_from_db()
    assert arlington.status == State.WITHDRAWN
    assert counts() == EXPECTED_COUNTS


def test_load_record_gives_the_first_edit_conflict_something_to_compare(
    editor: Any, viewer: Any
) -> None:
    call_command("load_record", verbosity=0)
    mine = Statement.objects.get(reference="2010-10-06-napolitano")
    theirs = Statement.objects.get(pk=mine.pk)
    theirs.speaker = "Secretary Janet Napolitano"
    services.record_save(theirs, by=viewer, expected_version=mine.version)
    mine.medium = "interview"
    with pytest.raises(services.StaleRecord) as caught:
        services.record_save(mine, by=editor, expected_version=mine.version)
    assert [change.field for change in caught.value.changes] == ["speaker"]
