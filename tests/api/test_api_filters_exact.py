"""Filters that do what the docs say: repeated values match any of them, every value
is checked, an unknown parameter is refused and an error names the parameter sent."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.api.conftest import ids
from tracker.models import Letter, Transition

pytestmark = pytest.mark.django_db


def _errors(response: Any) -> dict[str, Any]:
    assert response.status_code == 400, response.content
    errors: dict[str, Any] = response.json()["errors"]
    return errors


# --- Repeated values match any ---------------------------------------------------------


def test_a_repeated_jurisdiction_matches_either(reader: APIClient, cases: dict[str, Any]) -> None:
    sf, arlington = cases["sf"], cases["arlington"]
    found = ids(
        reader.get(
            f"/api/v1/requests/?jurisdiction={sf.jurisdiction_id}"
            f"&jurisdiction={arlington.jurisdiction_id}"
        )
    )
    assert sorted(found) == sorted([sf.pk, arlington.pk])
    letters = ids(
        reader.get(
            f"/api/v1/letters/?jurisdiction={sf.jurisdiction_id}"
            f"&jurisdiction={cases['sc'].jurisdiction_id}"
        )
    )
    assert sorted(letters) == sorted([cases["sf_letter"].pk, cases["sc_letter"].pk])


def test_repeated_ids_of_generated_filters_match_any(
    reader: APIClient, cases: dict[str, Any]
) -> None:
    sf_letter, sc_letter = cases["sf_letter"], cases["sc_letter"]
    both = sorted([sf_letter.pk, sc_letter.pk])
    url = f"/api/v1/letters/?request={cases['sf'].pk}&request={cases['sc'].pk}"
    assert sorted(ids(reader.get(url))) == both
    assert ids(reader.get(f"/api/v1/letters/?request={cases['sf'].pk}")) == [sf_letter.pk]
    transitions = ids(
        reader.get(f"/api/v1/transitions/?request={cases['sf'].pk}&request={cases['sc'].pk}")
    )
    expected = Transition.objects.filter(request__in=[cases["sf"], cases["sc"]])
    assert sorted(transitions) == sorted(expected.values_list("pk", flat=True))


def test_a_repeated_agency_or_owner_matches_any(reader: APIClient, cases: dict[str, Any]) -> None:
    ice, sheriff = cases["ice"], cases["sheriff"]
    both = sorted([cases["sf_letter"].pk, cases["sc_letter"].pk])
    assert ids(reader.get(f"/api/v1/letters/?recipient={sheriff.pk}")) == []
    assert (
        sorted(ids(reader.get(f"/api/v1/letters/?recipient={sheriff.pk}&recipient={ice.pk}")))
        == both
    )
    assert sorted(ids(reader.get(f"/api/v1/letters/?agency={ice.pk}&agency={sheriff.pk}"))) == both
    assert ids(reader.get("/api/v1/requests/?owner=editor&owner=editor")) == [cases["arlington"].pk]


def test_a_repeated_direction_matches_either(reader: APIClient, cases: dict[str, Any]) -> None:
    assert ids(reader.get("/api/v1/letters/?direction=incoming")) == []
    both = ids(reader.get("/api/v1/letters/?direction=incoming&direction=outgoing"))
    assert sorted(both) == sorted(Letter.objects.values_list("pk", flat=True))


def test_an_unknown_id_among_several_is_a_400_naming_the_parameter(
    reader: APIClient, cases: dict[str, Any]
) -> None:
    sf = cases["sf"]
    errors = _errors(
        reader.get(f"/api/v1/requests/?jurisdiction={sf.jurisdiction_id}&jurisdiction=0")
    )
    assert list(errors) == ["jurisdiction"]
    assert list(_errors(reader.get("/api/v1/letters/?sender=abc"))) == ["sender"]
    assert list(_errors(reader.get("/api/v1/requests/?owner=nobody"))) == ["owner"]


def test_anonymous_callers_may_repeat_public_filters(
    client: Any, cases: dict[str, Any], editor: Any
) -> None:
    for optout in (cases["sf"], cases["sc"]):
        optout.is_public = True
        optout.save()
    sf, sc = cases["sf"], cases["sc"]
    response = client.get(
        f"/api/v1/requests/?jurisdiction={sf.jurisdiction_id}&jurisdiction={sc.jurisdiction_id}"
    )
    assert sorted(ids(response)) == sorted([sf.pk, sc.pk])


def test_no_select_distinct_for_repeated_values(reader: APIClient, cases: dict[str, Any]) -> None:
    url = (
        f"/api/v1/letters/?recipient={cases['ice'].pk}&recipient={cases['sheriff'].pk}"
        f"&request={cases['sf'].pk}&request={cases['sc'].pk}"
    )
    with CaptureQueriesContext(connection) as captured:
        assert len(ids(reader.get(url))) == 2
    assert captured.captured_queries
    assert not any("DISTINCT" in query["sql"].upper() for query in captured.captured_queries)


# --- Unknown parameters ----------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/requests/?stauts=draft",
        "/api/v1/requests/?opened_on=2010",
        "/api/v1/letters/?sent_on_from=2010-01-01",
        "/api/v1/jurisdictions/?county=Arlington",
        "/api/v1/transitions/?status=draft",
        "/api/v1/statements/contradictions/?position=impossible",
        "/api/v1/milestones/agencies/?state=CA",
        "/api/v1/milestones/requests/?stauts=draft",
    ],
)
def test_an_unknown_parameter_is_a_400_naming_it(
    reader: APIClient, cases: dict[str, Any], url: str
) -> None:
    sent = url.split("?")[1].split("=")[0]
    errors = _errors(reader.get(url))
    assert list(errors) == [sent]
    assert "Unknown parameter" in errors[sent][0]


def test_a_detail_takes_no_filters(reader: APIClient, cases: dict[str, Any]) -> None:
    assert list(_errors(reader.get(f"/api/v1/requests/{cases['sf'].pk}/?status=draft"))) == [
        "status"
    ]
    assert reader.get(f"/api/v1/requests/{cases['sf'].pk}/?format=json").status_code == 200


def test_an_anonymous_caller_is_told_about_an_unknown_parameter(client: Any) -> None:
    assert list(_errors(client.get("/api/v1/requests/?stauts=draft"))) == ["stauts"]


def test_the_parameters_a_list_reads_are_accepted(reader: APIClient, cases: dict[str, Any]) -> None:
    url = (
        "/api/v1/letters/?status=notice_sent&sent_on_after=2010-01-01&sent_on_before=2011-01-01"
        "&search=notice&ordering=-sent_on&page=1&page_size=10&format=json"
    )
    assert len(ids(reader.get(url))) == 2
    contradictions = f"/api/v1/statements/contradictions/?agency={cases['ice'].pk}&page=1"
    assert reader.get(contradictions).status_code == 200


def test_a_malformed_range_box_is_reported_under_its_own_name(
    reader: APIClient, cases: dict[str, Any]
) -> None:
    errors = _errors(
        reader.get("/api/v1/requests/?opened_on_after=2010-02-01&opened_on_before=2010-02-30")
    )
    assert list(errors) == ["opened_on_before"]
    errors = _errors(reader.get("/api/v1/letters/?due_on_after=soon"))
    assert list(errors) == ["due_on_after"]


# --- A jurisdiction's requests ------------------------------------------------------------


def test_a_jurisdictions_requests_take_the_request_filters(
    reader: APIClient, cases: dict[str, Any]
) -> None:
    sf = cases["sf"]
    url = f"/api/v1/jurisdictions/{sf.jurisdiction_id}/requests/"
    # A jurisdiction filter does not hide the jurisdiction (San Francisco is in CA).
    assert ids(reader.get(f"{url}?state=VA")) == []
    assert ids(reader.get(f"{url}?state=CA")) == [sf.pk]
    assert ids(reader.get(f"{url}?status=notice_sent")) == [sf.pk]
    assert ids(reader.get(f"{url}?status=draft")) == []
    assert list(_errors(reader.get(f"{url}?status=bogus"))) == ["status"]
    assert list(_errors(reader.get(f"{url}?deployment_status=activated"))) == ["deployment_status"]


def test_a_jurisdictions_requests_are_ordered_by_request_fields(
    reader: APIClient, cases: dict[str, Any]
) -> None:
    url = f"/api/v1/jurisdictions/{cases['sf'].jurisdiction_id}/requests/"
    assert ids(reader.get(f"{url}?ordering=-opened_on")) == [cases["sf"].pk]
    assert list(_errors(reader.get(f"{url}?ordering=deployment_status"))) == ["ordering"]


def test_an_existing_jurisdiction_with_another_state_filter_is_found_by_the_public(
    client: Any, cases: dict[str, Any]
) -> None:
    sf = cases["sf"]
    sf.is_public = True
    sf.save()
    url = f"/api/v1/jurisdictions/{sf.jurisdiction_id}/requests/"
    assert ids(client.get(f"{url}?state=CA&status=notice_sent")) == [sf.pk]
    assert ids(client.get(f"{url}?state=VA")) == []
    assert "owner" in _errors(client.get(f"{url}?owner=editor"))


def test_a_missing_jurisdiction_is_still_a_404(reader: APIClient, cases: dict[str, Any]) -> None:
    assert reader.get("/api/v1/jurisdictions/999999/requests/").status_code == 404
