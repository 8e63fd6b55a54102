"""Every invariant holds twice: in the database (named constraints and triggers)
and in clean(), which gives people a readable message."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from jurisdictions.models import Agency, Contact, Jurisdiction
from tests.factories import (
    AgencyFactory,
    JurisdictionFactory,
    LetterFactory,
    MeetingFactory,
    RequestFactory,
    ResponseFactory,
)
from tracker.models import Letter, Meeting, OptOutRequest, Transition

pytestmark = pytest.mark.django_db


def refused_by_database(save: Callable[[], Any], name: str | None = None) -> None:
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        save()
    if name:
        assert name in str(caught.value)


def messages(error: ValidationError) -> str:
    return " ".join(str(m) for m in error.messages)


# --- Jurisdictions --------------------------------------------------------------


def test_a_duplicate_jurisdiction_name_and_state_is_refused() -> None:
    JurisdictionFactory(name="Arlington County", state="VA", fips="51013")
    duplicate = Jurisdiction(name="Arlington County", state="VA", kind="county")
    with pytest.raises(ValidationError) as caught:
        duplicate.full_clean()
    assert "name" in messages(caught.value).lower() or "__all__" in caught.value.message_dict
    refused_by_database(duplicate.save)


def test_a_duplicate_fips_is_refused() -> None:
    JurisdictionFactory(fips="51013", state="VA")
    duplicate = Jurisdiction(name="Other", state="VA", kind="county", fips="51013")
    with pytest.raises(ValidationError) as caught:
        duplicate.full_clean()
    assert "fips" in caught.value.message_dict or "FIPS" in messages(caught.value)
    refused_by_database(duplicate.save)


def test_a_duplicate_ocd_id_is_refused_in_the_database() -> None:
    ocd = "ocd-division/country:us/state:va/county:arlington"
    JurisdictionFactory(ocd_id=ocd)
    refused_by_database(lambda: JurisdictionFactory(ocd_id=ocd))


def test_several_jurisdictions_may_have_no_fips() -> None:
    JurisdictionFactory(fips=None)
    JurisdictionFactory(fips=None)
    assert Jurisdiction.objects.filter(fips__isnull=True).count() == 2


@pytest.mark.parametrize("fips", ["5101", "ABCDE", "510133"])
def test_a_malformed_fips_is_refused(fips: str) -> None:
    jurisdiction = Jurisdiction(name="X", state="VA", kind="county", fips=fips)
    with pytest.raises(ValidationError) as caught:
        jurisdiction.full_clean()
    assert "fips" in caught.value.message_dict


def test_a_fips_code_of_another_state_is_refused() -> None:
    jurisdiction = Jurisdiction(name="X", state="VA", kind="county", fips="06075")
    with pytest.raises(ValidationError) as caught:
        jurisdiction.full_clean()
    assert "start with 51" in messages(caught.value)


def test_a_malformed_ocd_id_is_refused() -> None:
    jurisdiction = Jurisdiction(name="X", state="VA", kind="county", ocd_id="arlington")
    with pytest.raises(ValidationError) as caught:
        jurisdiction.full_clean()
    assert "ocd_id" in caught.value.message_dict


def test_an_unscheduled_jurisdiction_has_no_activation_date() -> None:
    jurisdiction = JurisdictionFactory.build(
        deployment_status="not_scheduled", activation_date=dt.date(2010, 6, 8)
    )
    with pytest.raises(ValidationError) as caught:
        jurisdiction.full_clean()
    assert "activation_date" in caught.value.message_dict
    refused_by_database(
        jurisdiction.save, "jurisdictions_jurisdiction_unscheduled_has_no_activation_date"
    )


def test_a_jurisdiction_reference_is_its_state_and_name() -> None:
    assert JurisdictionFactory(name="Santa Clara County", state="CA").reference == (
        "ca-santa-clara-county"
    )


# --- Agencies and contacts ---------------------------------------------------------


@pytest.mark.parametrize("days", [0])
def test_a_reply_window_of_zero_is_refused(days: int) -> None:
    agency = AgencyFactory.build(reply_window_days=days)
    with pytest.raises(ValidationError) as caught:
        agency.full_clean()
    assert "reply_window_days" in caught.value.message_dict
    refused_by_database(agency.save, "jurisdictions_agency_reply_window_positive")


def test_an_agency_cannot_be_its_own_parent() -> None:
    agency = AgencyFactory()
    agency.parent = agency
    with pytest.raises(ValidationError):
        agency.full_clean()
    refused_by_database(agency.save, "jurisdictions_agency_not_own_parent")


def test_an_agency_cannot_be_its_own_ancestor() -> None:
    dhs = AgencyFactory(name="DHS")
    ice = AgencyFactory(name="ICE", parent=dhs)
    dhs.parent = ice
    with pytest.raises(ValidationError, match="ancestor"):
        dhs.full_clean()


def test_a_contact_belongs_to_an_agency_or_a_jurisdiction() -> None:
    contact = Contact(name="Nobody")
    with pytest.raises(ValidationError, match="agency or a jurisdiction"):
        contact.full_clean()
    refused_by_database(contact.save, "jurisdictions_contact_has_affiliation")


def test_the_agency_lineage_runs_up_to_the_department() -> None:
    dhs = AgencyFactory(name="DHS")
    ice = AgencyFactory(name="ICE", parent=dhs)
    office = AgencyFactory(name="SC", parent=ice)
    assert office.lineage() == [office, ice, dhs]


# --- Requests -------------------------------------------------------------------


def test_a_closed_request_has_a_close_date() -> None:
    request = RequestFactory()
    request.status = "denied"
    refused_by_database(
        lambda: request.save(update_fields=["status"]), "tracker_request_closed_iff_close_date"
    )


def test_an_open_request_has_no_close_date() -> None:
    request = RequestFactory()
    request.closed_on = dt.date(2010, 10, 1)
    refused_by_database(
        lambda: request.save(update_fields=["closed_on"]), "tracker_request_closed_iff_close_date"
    )


def test_a_request_status_must_be_a_workflow_state() -> None:
    request = RequestFactory()
    request.status = "lost"
    refused_by_database(
        lambda: request.save(update_fields=["status"]), "tracker_request_status_known"
    )


def test_a_request_cannot_close_before_it_opened() -> None:
    request = RequestFactory(opened_on=dt.date(2010, 9, 1))
    refused_by_database(
        lambda: OptOutRequest.objects.filter(pk=request.pk).update(
            status="withdrawn", closed_on=dt.date(2010, 8, 1)
        ),
        "tracker_request_closed_after_opened",
    )


# --- Letters --------------------------------------------------------------------


def test_a_letter_cannot_be_received_before_it_was_sent() -> None:
    letter = LetterFactory.build(
        request=RequestFactory(),
        sender=AgencyFactory(),
        sent_on=dt.date(2010, 9, 10),
        received_on=dt.date(2010, 9, 9),
    )
    with pytest.raises(ValidationError) as caught:
        letter.full_clean()
    assert "received_on" in caught.value.message_dict
    assert "10 September 2010" in messages(caught.value)
    refused_by_database(letter.save, "tracker_letter_received_not_before_sent")


def test_a_letter_received_in_the_month_it_was_sent_is_accepted() -> None:
    letter = LetterFactory.build(
        request=RequestFactory(),
        sender=AgencyFactory(),
        sent_on=dt.date(2010, 9, 20),
        received_on=dt.date(2010, 9, 1),
        received_on_precision="month",
    )
    letter.full_clean()
    letter.save()
    assert Letter.objects.get(pk=letter.pk).received_on == dt.date(2010, 9, 1)


def test_a_letter_received_a_month_before_it_was_sent_is_refused() -> None:
    letter = LetterFactory.build(
        request=RequestFactory(),
        sender=AgencyFactory(),
        sent_on=dt.date(2010, 9, 20),
        received_on=dt.date(2010, 8, 1),
        received_on_precision="month",
    )
    with pytest.raises(ValidationError, match="cannot be received"):
        letter.full_clean()


def test_a_letter_cannot_answer_itself() -> None:
    letter = LetterFactory()
    letter.in_reply_to = letter
    with pytest.raises(ValidationError, match="itself"):
        letter.full_clean()
    refused_by_database(letter.save, "tracker_letter_not_reply_to_itself")


def test_a_letter_cannot_answer_a_letter_of_another_request() -> None:
    other = LetterFactory()
    letter = LetterFactory.build(
        request=RequestFactory(), sender=AgencyFactory(), in_reply_to=other
    )
    with pytest.raises(ValidationError, match="same request"):
        letter.full_clean()


# --- Responses --------------------------------------------------------------------


def test_a_response_to_a_letter_of_another_request_is_refused() -> None:
    letter = LetterFactory()
    response = ResponseFactory.build(
        request=RequestFactory(), agency=AgencyFactory(), letter=letter
    )
    with pytest.raises(ValidationError) as caught:
        response.full_clean()
    assert "another request" in messages(caught.value)
    refused_by_database(response.save, "tracker_response_letter_same_request")


def test_a_response_cannot_predate_the_letter_it_answers() -> None:
    letter = LetterFactory(sent_on=dt.date(2010, 9, 10))
    response = ResponseFactory.build(
        request=letter.request,
        agency=AgencyFactory(),
        letter=letter,
        responded_on=dt.date(2010, 9, 1),
    )
    with pytest.raises(ValidationError) as caught:
        response.full_clean()
    assert "cannot predate" in messages(caught.value)
    refused_by_database(response.save, "tracker_response_not_before_letter")


def test_moving_an_answered_letter_after_its_response_is_refused() -> None:
    letter = LetterFactory(sent_on=dt.date(2010, 9, 10))
    ResponseFactory(request=letter.request, letter=letter, responded_on=dt.date(2010, 9, 20))
    refused_by_database(
        lambda: Letter.objects.filter(pk=letter.pk).update(sent_on=dt.date(2010, 9, 30)),
        "tracker_response_not_before_letter",
    )


def test_a_response_on_the_same_day_as_its_letter_is_accepted() -> None:
    letter = LetterFactory(sent_on=dt.date(2010, 9, 10))
    response = ResponseFactory(request=letter.request, letter=letter, responded_on=letter.sent_on)
    response.full_clean()


# --- Meetings, transitions ------------------------------------------------------------


def test_a_meeting_that_was_held_has_a_date() -> None:
    meeting = MeetingFactory.build(request=RequestFactory(), status=Meeting.Status.HELD)
    with pytest.raises(ValidationError) as caught:
        meeting.full_clean()
    assert "held_on" in caught.value.message_dict
    refused_by_database(meeting.save, "tracker_meeting_held_has_date")


def test_a_transition_must_change_the_state() -> None:
    request = RequestFactory()
    refused_by_database(
        lambda: Transition.objects.create(request=request, from_state="draft", to_state="draft"),
        "tracker_transition_changes_state",
    )


def test_the_transition_log_is_append_only() -> None:
    transition = Transition.objects.create(
        request=RequestFactory(), from_state="draft", to_state="withdrawn"
    )
    transition.note = "rewritten"
    with pytest.raises(ValidationError, match="append-only"):
        transition.save()


def test_every_save_raises_the_version() -> None:
    agency = AgencyFactory()
    assert agency.version == 1
    agency.name = "Renamed"
    agency.save(update_fields=["name"])
    assert Agency.objects.get(pk=agency.pk).version == 2
