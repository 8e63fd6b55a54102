"""A request's owner is on staff, on every surface.

The same person must be refused (or offered) alike by the API, the admin, the
services and every list that offers owners to choose from.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from core.records import record_save
from tests.admin.helpers import post_data
from tests.api.helpers import if_match
from tests.factories import JurisdictionFactory
from tracker.domain import services
from tracker.models import OptOutRequest

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:tracker_optoutrequest_add")


@pytest.fixture
def outsider(django_user_model: Any) -> Any:
    """Signed in and known, but not on staff: may not own a request."""
    return django_user_model.objects.create_user(username="outsider", is_staff=False)


@pytest.fixture
def chaser(django_user_model: Any) -> Any:
    """On staff, in no group: may own a request."""
    return django_user_model.objects.create_user(username="chaser", is_staff=True)


@pytest.fixture
def optout(editor: Any) -> OptOutRequest:
    return services.request_open(
        jurisdiction=JurisdictionFactory(), title="Arlington opts out", by=editor
    )


def _stored_owner(optout: OptOutRequest) -> Any:
    return OptOutRequest.objects.values_list("owner__username", flat=True).get(pk=optout.pk)


def _change_url(optout: OptOutRequest) -> str:
    return reverse("admin:tracker_optoutrequest_change", args=[optout.pk])


# --- The API ---------------------------------------------------------------------------


def test_the_api_refuses_to_create_a_request_owned_by_someone_off_staff(
    api: APIClient, outsider: Any
) -> None:
    body = {"jurisdiction": JurisdictionFactory().pk, "title": "T", "owner": "outsider"}
    response = api.post("/api/v1/requests/", body, format="json")
    assert response.status_code == 400, response.content
    assert "owner" in response.json()["errors"]
    assert not OptOutRequest.objects.exists()


def test_the_api_refuses_to_give_a_request_to_someone_off_staff(
    api: APIClient, optout: OptOutRequest, outsider: Any
) -> None:
    response = api.patch(
        f"/api/v1/requests/{optout.pk}/", {"owner": "outsider"}, format="json", **if_match(optout)
    )
    assert response.status_code == 400, response.content
    assert "owner" in response.json()["errors"]
    assert _stored_owner(optout) is None


def test_the_api_accepts_a_staff_member_as_owner(
    api: APIClient, optout: OptOutRequest, chaser: Any
) -> None:
    body = {"jurisdiction": JurisdictionFactory().pk, "title": "T", "owner": "chaser"}
    created = api.post("/api/v1/requests/", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["owner"] == "chaser"
    changed = api.patch(
        f"/api/v1/requests/{optout.pk}/", {"owner": "chaser"}, format="json", **if_match(optout)
    )
    assert changed.status_code == 200, changed.content
    assert _stored_owner(optout) == "chaser"


# --- The admin -------------------------------------------------------------------------


def test_the_admin_add_form_refuses_an_owner_off_staff(
    editor_client: Client, outsider: Any, chaser: Any
) -> None:
    data = post_data(editor_client.get(ADD_URL))
    data.update(jurisdiction=JurisdictionFactory().pk, title="Arlington opts out")

    refused = editor_client.post(ADD_URL, {**data, "owner": outsider.pk})
    assert refused.status_code == 200  # the form again
    assert "owner" in refused.context["adminform"].form.errors
    assert not OptOutRequest.objects.exists()

    accepted = editor_client.post(ADD_URL, {**data, "owner": chaser.pk})
    assert accepted.status_code == 302
    assert OptOutRequest.objects.get().owner == chaser


def test_the_admin_change_form_refuses_an_owner_off_staff(
    editor_client: Client, optout: OptOutRequest, outsider: Any, chaser: Any
) -> None:
    data = post_data(editor_client.get(_change_url(optout)))

    refused = editor_client.post(_change_url(optout), {**data, "owner": outsider.pk})
    assert refused.status_code == 200
    assert "owner" in refused.context["adminform"].form.errors
    assert _stored_owner(optout) is None

    accepted = editor_client.post(_change_url(optout), {**data, "owner": chaser.pk})
    assert accepted.status_code == 302
    assert _stored_owner(optout) == "chaser"


# --- The services ----------------------------------------------------------------------


def test_the_services_refuse_to_open_a_request_owned_by_someone_off_staff(
    editor: Any, outsider: Any
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.request_open(
            jurisdiction=JurisdictionFactory(), title="T", by=editor, owner=outsider
        )
    assert "owner" in refused.value.message_dict
    assert not OptOutRequest.objects.exists()


def test_the_services_refuse_to_give_a_request_to_someone_off_staff(
    editor: Any, optout: OptOutRequest, outsider: Any
) -> None:
    optout.owner = outsider
    with pytest.raises(ValidationError) as refused:
        record_save(optout, by=editor)
    assert "owner" in refused.value.message_dict
    assert _stored_owner(optout) is None


def test_the_services_accept_a_staff_member_as_owner(editor: Any, chaser: Any) -> None:
    optout = services.request_open(
        jurisdiction=JurisdictionFactory(), title="T", by=editor, owner=chaser
    )
    assert _stored_owner(optout) == "chaser"


def test_a_request_kept_by_someone_who_left_the_staff_can_still_be_edited(
    editor: Any, optout: OptOutRequest, chaser: Any
) -> None:
    optout.owner = chaser
    record_save(optout, by=editor)
    chaser.is_staff = False
    chaser.save()

    optout.refresh_from_db()
    optout.summary = "The sheriff wrote again."
    record_save(optout, by=editor)  # the owner is not being changed: no refusal
    services.record_publish(optout, by=editor, public=True, expected_version=optout.version)
    assert _stored_owner(optout) == "chaser"


def test_saving_a_request_as_it_is_never_takes_it_from_someone_who_left_the_staff(
    editor: Any, editor_client: Client, api: APIClient, optout: OptOutRequest, chaser: Any
) -> None:
    optout.owner = chaser
    record_save(optout, by=editor)
    chaser.is_staff = False
    chaser.save()

    # The admin's change page, saved as it was opened.
    page = editor_client.get(_change_url(optout))
    assert page.context["adminform"].form.initial["owner"] == chaser.pk
    saved = editor_client.post(_change_url(optout), post_data(page))
    assert saved.status_code == 302
    assert _stored_owner(optout) == "chaser"

    # The API: a PUT that sends the request back as read, and a PATCH of another field.
    read = api.get(f"/api/v1/requests/{optout.pk}/")
    body = {
        key: read.json()[key]
        for key in ("title", "jurisdiction", "seeks", "summary", "owner", "opened_on")
    }
    put = api.put(f"/api/v1/requests/{optout.pk}/", body, format="json", HTTP_IF_MATCH=read["ETag"])
    assert put.status_code == 200, put.content
    assert _stored_owner(optout) == "chaser"
    # Giving it back to them once it went to someone else is a new owner: refused.
    OptOutRequest.objects.filter(pk=optout.pk).update(owner=editor)
    read = api.get(f"/api/v1/requests/{optout.pk}/")
    again = api.patch(
        f"/api/v1/requests/{optout.pk}/",
        {"owner": "chaser"},
        format="json",
        HTTP_IF_MATCH=read["ETag"],
    )
    assert again.status_code == 400
    assert "owner" in again.json()["errors"]


# --- The lists that offer owners -------------------------------------------------------


def _usernames(choices: Any) -> set[str]:
    return {str(value) for value, _label in choices if value}


def test_no_list_offers_someone_off_staff_as_owner(
    editor_client: Client, api: APIClient, outsider: Any, chaser: Any
) -> None:
    admin_form = editor_client.get(ADD_URL).context["adminform"].form
    admin_owners = {user.username for user in admin_form.fields["owner"].queryset}
    request_filter = editor_client.get(reverse("requests")).context["filter"].form
    letter_filter = editor_client.get(reverse("letters")).context["filter"].form

    assert "chaser" in admin_owners and "outsider" not in admin_owners
    for form in (request_filter, letter_filter):
        offered = _usernames(form.fields["owner"].choices)
        assert "chaser" in offered and "outsider" not in offered

    assert api.get("/api/v1/requests/?owner=chaser").status_code == 200
    refused = api.get("/api/v1/requests/?owner=outsider")
    assert refused.status_code == 400, refused.content
    assert "owner" in refused.json()["errors"]
