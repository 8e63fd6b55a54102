"""Who may do what in the admin: Viewers read, Editors add and change, admins delete."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from tests.admin.test_admin_pages import BUILDERS, registered
from tests.factories import JurisdictionFactory, LetterFactory, RequestFactory, ResponseFactory
from tracker.domain import services
from tracker.models import Letter, OptOutRequest, Transition

pytestmark = pytest.mark.django_db


def url(obj_or_model: Any, view: str, *args: Any) -> str:
    opts = obj_or_model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


@pytest.mark.parametrize("model_name", sorted(BUILDERS))
def test_viewers_get_403_on_every_add_change_and_delete_url(
    client: Client, viewer: Any, model_name: str
) -> None:
    obj = BUILDERS[model_name](1)
    model = registered(model_name)
    client.force_login(viewer)

    assert client.get(url(model, "add")).status_code == 403
    assert client.post(url(model, "add"), {}).status_code == 403
    assert client.post(url(obj, "change", obj.pk), {}).status_code == 403
    assert client.get(url(obj, "delete", obj.pk)).status_code == 403
    assert client.post(url(obj, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert model._default_manager.filter(pk=obj.pk).exists()
    # They still read everything: the change page is shown read-only.
    page = client.get(url(obj, "change", obj.pk))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()


def test_viewers_cannot_restore_an_old_version(client: Client, viewer: Any) -> None:
    request = RequestFactory()
    record = request.history.earliest()
    client.force_login(viewer)
    history_url = reverse(
        "admin:tracker_optoutrequest_simple_history", args=[request.pk, record.history_id]
    )
    assert client.post(history_url, {"title": "Changed"}).status_code == 403


def test_editors_add_and_change_but_never_delete(client: Client, editor: Any) -> None:
    request = RequestFactory()
    client.force_login(editor)
    assert client.get(url(OptOutRequest, "add")).status_code == 200
    assert client.get(url(request, "change", request.pk)).status_code == 200
    assert client.get(url(request, "delete", request.pk)).status_code == 403
    assert client.post(url(request, "delete", request.pk), {"post": "yes"}).status_code == 403
    assert OptOutRequest.objects.filter(pk=request.pk).exists()


def test_the_status_log_is_written_by_nobody_in_the_admin(client: Client, admin_user: Any) -> None:
    transitions = admin.site._registry[registered("transition")]
    request = RequestFactory()
    client.force_login(admin_user)
    assert client.get(url(registered("transition"), "add")).status_code == 403
    fake = client.get(url(request, "change", request.pk))
    assert not transitions.has_delete_permission(fake.wsgi_request)


def test_an_admin_deleting_a_request_with_letters_confirms_first_and_the_history_stays(
    client: Client, admin_user: Any
) -> None:
    # Opened and moved through the services, as in the app: the request has a status
    # log, which goes with it (nobody deletes a log row on its own).
    request = services.request_open(
        jurisdiction=JurisdictionFactory(name="Santa Clara County", state="CA"),
        title="Santa Clara County: opt-out attempt",
        by=admin_user,
    )
    services.request_transition(request=request, to="withdrawn", by=admin_user, note="Dropped")
    assert request.transitions.count() == 2
    letter = LetterFactory(request=request, subject="Notice to ICE")
    ResponseFactory(request=request)
    client.force_login(admin_user)

    confirmation = client.get(url(request, "delete", request.pk)).content.decode()
    assert "Are you sure" in confirmation
    assert "Notice to ICE" in confirmation  # the letters that go with it are listed
    assert "Transitions: 2" in confirmation  # and so is the status log
    assert OptOutRequest.objects.filter(pk=request.pk).exists()

    response = client.post(url(request, "delete", request.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not OptOutRequest.objects.filter(pk=request.pk).exists()
    assert not Transition.objects.filter(request_id=request.pk).exists()
    history: Any = OptOutRequest.history
    deleted = history.filter(id=request.pk).latest()
    assert (deleted.history_type, deleted.history_user) == ("-", admin_user)
    letter_history: Any = Letter.history
    assert letter_history.filter(id=letter.pk, history_type="-").exists()
    # An admin can still read what was deleted.
    assert client.get(url(request, "history", request.pk)).status_code == 200


def test_editors_cannot_delete_a_request_opened_and_moved_in_the_app(
    client: Client, editor: Any
) -> None:
    request = services.request_open(
        jurisdiction=JurisdictionFactory(name="Arlington County", state="VA"),
        title="Arlington County: removal",
        by=editor,
    )
    services.request_transition(request=request, to="withdrawn", by=editor)
    client.force_login(editor)
    assert client.get(url(request, "delete", request.pk)).status_code == 403
    assert client.post(url(request, "delete", request.pk), {"post": "yes"}).status_code == 403
    assert request.transitions.count() == 2


def test_not_even_an_admin_deletes_one_status_log_row_on_its_own(
    client: Client, admin_user: Any
) -> None:
    request = services.request_open(
        jurisdiction=JurisdictionFactory(name="Arlington County", state="VA"),
        title="Arlington County: removal",
        by=admin_user,
    )
    transition = services.request_transition(request=request, to="withdrawn", by=admin_user)
    client.force_login(admin_user)
    assert client.get(url(transition, "delete", transition.pk)).status_code == 403
    assert client.post(url(transition, "delete", transition.pk), {"post": "yes"}).status_code == 403
    bulk = client.post(
        reverse("admin:tracker_transition_changelist"),
        {"action": "delete_selected", "_selected_action": [transition.pk], "post": "yes"},
    )
    assert bulk.status_code in {200, 302, 403}
    assert Transition.objects.filter(pk=transition.pk).exists()
