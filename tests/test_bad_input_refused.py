"""Each bad input once found to crash the tracker or to be taken wrongly, answered now
with a 4xx that names the field (API), a form error (pages) or a 404 (bad ids in
addresses), and nothing written."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from jurisdictions.models import Agency, Jurisdiction
from tests.factories import AgencyFactory, JurisdictionFactory, LetterFactory, RequestFactory
from tracker.models import Letter, Meeting, OptOutRequest

HUGE_ID = "9223372036854775808"
REQUESTS = "/api/v1/requests/"


def _invalid(response: Any, field: str) -> None:
    assert response.status_code == 400, response.content[:500]
    body = response.json()
    assert body["code"] == "invalid", body
    assert field in body["errors"], body


# --- The API ---------------------------------------------------------------------------


def test_json_nested_ten_thousand_deep_is_a_400(api: APIClient) -> None:
    body = '{"title": ' + "[" * 10_000 + "]" * 10_000 + "}"
    response = api.post(REQUESTS, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert not OptOutRequest.objects.exists()


def test_a_float_id_is_refused_not_rounded(api: APIClient) -> None:
    JurisdictionFactory(pk=1)
    response = api.post(REQUESTS, {"jurisdiction": 1.5, "title": "T"}, format="json")
    _invalid(response, "jurisdiction")
    assert not OptOutRequest.objects.exists()


@pytest.mark.parametrize("value", [True, "1", [1], {"id": 1}, int(HUGE_ID), -1])
def test_an_id_must_be_a_json_integer_of_a_row(api: APIClient, value: Any) -> None:
    JurisdictionFactory(pk=1)
    response = api.post(REQUESTS, {"jurisdiction": value, "title": "T"}, format="json")
    _invalid(response, "jurisdiction")
    assert not OptOutRequest.objects.exists()


@pytest.mark.parametrize("value", [0, 1.5, True, ["ICE"], {"a": "b"}])
def test_text_must_be_a_json_string(api: APIClient, value: Any) -> None:
    response = api.post(
        "/api/v1/agencies/",
        {"name": "Agency", "abbreviation": value, "level": "federal", "kind": "other"},
        format="json",
    )
    _invalid(response, "abbreviation")
    assert not Agency.objects.exists()


@pytest.mark.parametrize("value", ["yes", "true", 1, 0, None, []])
def test_a_flag_must_be_a_json_boolean(api: APIClient, value: Any) -> None:
    jurisdiction = JurisdictionFactory()
    response = api.post(
        REQUESTS,
        {"jurisdiction": jurisdiction.pk, "title": "T", "is_public": value},
        format="json",
    )
    _invalid(response, "is_public")
    assert not OptOutRequest.objects.exists()


def test_a_number_must_be_a_json_number(api: APIClient) -> None:
    response = api.post(
        "/api/v1/agencies/",
        {"name": "A", "level": "federal", "kind": "other", "reply_window_days": "30"},
        format="json",
    )
    _invalid(response, "reply_window_days")


def test_a_list_must_be_a_json_list_of_ids(api: APIClient) -> None:
    request = RequestFactory()
    sender = AgencyFactory()
    before = Letter.objects.count()
    for recipients in ["1", 1, [1.5], [HUGE_ID], [int(HUGE_ID)], [None], {"a": 1}]:
        response = api.post(
            "/api/v1/letters/",
            {
                "request": request.pk,
                "sender": sender.pk,
                "subject": "S",
                "recipients": recipients,
            },
            format="json",
        )
        _invalid(response, "recipients")
    assert Letter.objects.count() == before


def test_a_body_that_is_not_an_object_is_a_400(api: APIClient) -> None:
    for body in ("[]", '"text"', "3", "null"):
        response = api.post(REQUESTS, body, content_type="application/json")
        assert response.status_code == 400, (body, response.content)
    assert not OptOutRequest.objects.exists()


def test_a_letter_sent_far_in_the_future_is_refused(api: APIClient) -> None:
    request = RequestFactory()
    sender = AgencyFactory()
    response = api.post(
        "/api/v1/letters/",
        {"request": request.pk, "sender": sender.pk, "subject": "S", "sent_on": "2099-01-01"},
        format="json",
    )
    _invalid(response, "sent_on")
    assert not Letter.objects.exists()


def test_a_letter_sent_tomorrow_is_accepted_for_time_zones(api: APIClient) -> None:
    request = RequestFactory()
    sender = AgencyFactory()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = api.post(
        "/api/v1/letters/",
        {
            "request": request.pk,
            "sender": sender.pk,
            "subject": "S",
            "sent_on": tomorrow.isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.content


def test_a_planned_meeting_may_be_in_the_future_a_held_one_not(api: APIClient) -> None:
    request = RequestFactory()
    future = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    planned = api.post(
        "/api/v1/meetings/",
        {"request": request.pk, "status": "planned", "held_on": future},
        format="json",
    )
    assert planned.status_code == 201, planned.content
    held = api.post(
        "/api/v1/meetings/",
        {"request": request.pk, "status": "held", "held_on": future},
        format="json",
    )
    _invalid(held, "held_on")
    assert Meeting.objects.count() == 1


def test_a_huge_summary_is_refused_by_name(api: APIClient) -> None:
    jurisdiction = JurisdictionFactory()
    response = api.post(
        REQUESTS,
        {"jurisdiction": jurisdiction.pk, "title": "T", "summary": "x" * 1_200_000},
        format="json",
    )
    _invalid(response, "summary")
    assert not OptOutRequest.objects.exists()


# --- Addresses -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_nul_in_a_calendar_address_is_a_404(client: Client) -> None:
    assert client.get("/calendar/%00.ics").status_code == 404


@pytest.mark.parametrize("object_id", ["abc", "1.5", "%00", HUGE_ID, "-1"])
def test_a_bad_id_in_an_admin_history_address_is_a_404(
    viewer_client: Client, object_id: str
) -> None:
    RequestFactory()
    response = viewer_client.get(f"/admin/tracker/optoutrequest/{object_id}/history/")
    assert response.status_code == 404


@pytest.mark.parametrize("object_id", ["abc", "1.5", "%00", HUGE_ID])
def test_a_bad_id_in_an_admin_change_address_is_not_a_crash(
    viewer_client: Client, object_id: str
) -> None:
    response = viewer_client.get(f"/admin/tracker/optoutrequest/{object_id}/change/")
    assert response.status_code in {302, 404}


def test_a_nul_in_an_admin_filter_is_not_a_crash(viewer_client: Client) -> None:
    RequestFactory()
    response = viewer_client.get("/admin/tracker/optoutrequest/?status__exact=%00")
    # As Django's admin answers any filter it cannot use: the list again, with "?e=1".
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


@pytest.mark.parametrize(
    "address",
    [
        "/admin/django_tasks_database/dbtaskresult/?queue_name=%00",
        "/admin/axes/accessattempt/?q=%00",
        "/admin/core/webhookdelivery/?state__exact=%00",
    ],
)
def test_a_nul_in_any_admin_list_filter_is_refused_like_a_bad_filter(
    admin_client: Client, address: str
) -> None:
    """The lists of packages' models (task results, sign-in attempts) and the read-only
    ones are refused like the tracker's own, on PostgreSQL as on SQLite."""
    response = admin_client.get(address)
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


def test_a_nul_in_the_jurisdiction_export_filter_is_a_400(viewer_client: Client) -> None:
    JurisdictionFactory()
    for query in ("?name__exact=%00", "?q=%00", "?jurisdiction=%00", "?state__exact=%00"):
        response = viewer_client.get("/admin/jurisdictions/jurisdiction/export.csv" + query)
        assert response.status_code == 400, (query, response.status_code)
        assert "NUL" in response.text
    assert Jurisdiction.objects.count() == 1


# --- Staff forms -----------------------------------------------------------------------


def _letter_form(request: OptOutRequest, sender: Agency, **extra: str) -> dict[str, str]:
    return {
        "letter-direction": "outgoing",
        "letter-sender": str(sender.pk),
        "letter-method": "mail",
        "letter-subject": "Subject",
        "letter-sent_on": "2010-09-07",
        **extra,
    }


def test_a_huge_recipient_id_is_a_form_error(editor_client: Client) -> None:
    request = RequestFactory()
    sender = AgencyFactory()
    url = reverse("request-letter-create", kwargs={"pk": request.pk})
    response = editor_client.post(
        url, _letter_form(request, sender, **{"letter-recipients": HUGE_ID})
    )
    assert response.status_code in {200, 400}
    assert not Letter.objects.exists()


def test_a_huge_agency_id_on_the_meeting_form_is_a_form_error(editor_client: Client) -> None:
    request = RequestFactory()
    url = reverse("request-meeting-create", kwargs={"pk": request.pk})
    response = editor_client.post(url, {"meeting-status": "planned", "meeting-agencies": HUGE_ID})
    assert response.status_code in {200, 400}
    assert not Meeting.objects.exists()


def test_a_letter_sent_far_in_the_future_is_a_form_error(editor_client: Client) -> None:
    request = RequestFactory()
    sender = AgencyFactory()
    url = reverse("request-letter-create", kwargs={"pk": request.pk})
    response = editor_client.post(
        url, _letter_form(request, sender, **{"letter-sent_on": "2099-01-01"})
    )
    assert response.status_code in {200, 400}
    assert "sent_on" in response.context["letter_form"].errors
    assert not Letter.objects.exists()


def test_the_letter_form_shows_the_length_limits(editor_client: Client) -> None:
    request = LetterFactory().request
    response = editor_client.get(reverse("request-detail", kwargs={"pk": request.pk}))
    html = response.content.decode()
    assert 'name="letter-summary"' in html
    assert 'maxlength="20000"' in html


def test_the_admin_and_the_api_schema_show_the_length_limits(admin_client: Client) -> None:
    letter = LetterFactory()
    page = admin_client.get(reverse("admin:tracker_letter_change", args=[letter.pk]))
    assert 'maxlength="20000"' in page.content.decode()
    schema = admin_client.get("/api/schema/", {"format": "json"}).json()
    summary = schema["components"]["schemas"]["LetterRequest"]["properties"]["summary"]
    assert summary["maxLength"] == 20_000


def test_a_scheduled_activation_may_lie_ahead_an_activated_one_not(api: APIClient) -> None:
    ahead = (timezone.localdate() + dt.timedelta(days=90)).isoformat()
    body = {"name": "Ahead County", "kind": "county", "state": "VA", "activation_date": ahead}
    scheduled = api.post("/api/v1/jurisdictions/", {**body, "deployment_status": "scheduled"})
    assert scheduled.status_code == 201, scheduled.content
    activated = api.post(
        "/api/v1/jurisdictions/",
        {**body, "name": "Behind County", "deployment_status": "activated"},
        format="json",
    )
    _invalid(activated, "activation_date")
