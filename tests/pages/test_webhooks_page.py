"""The staff pages "Your webhooks": list and make (secret shown once), change, rotate,
send a test event, delete, and the delivery log."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from core import webhooks
from core.models import WebhookDelivery, WebhookSubscription
from tests.receiver import receiver

pytestmark = pytest.mark.django_db

PAGE = reverse("webhooks")


@pytest.fixture(autouse=True)
def _local_targets(settings: Any) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True


def make(owner: Any, url: str = "http://127.0.0.1:9/hook", name: str = "Alerts") -> Any:
    hook, _secret = webhooks.webhook_create(
        owner=owner, name=name, url=url, event_types=["created", "moved"]
    )
    return hook


def detail(hook: WebhookSubscription) -> str:
    return reverse("webhook-detail", args=[hook.pk])


def test_the_header_links_to_the_webhooks(editor_client: Client) -> None:
    assert f'href="{PAGE}"' in editor_client.get(reverse("dashboard")).content.decode()


def test_making_a_webhook_shows_its_secret_once(editor_client: Client, editor: Any) -> None:
    made = editor_client.post(
        PAGE,
        {"name": "Newsroom", "url": "http://127.0.0.1:9/hook", "event_types": ["created"]},
    )
    assert made.status_code == 201, made.content
    assert made["Cache-Control"] == "no-store"
    secret = re.search(r'value="(whsec_[^"]+)"', made.content.decode()).group(1)
    hook = WebhookSubscription.objects.get(owner=editor)
    assert hook.secret == secret
    assert (hook.name, hook.event_types, hook.is_active) == ("Newsroom", ["created"], False)
    again = editor_client.get(PAGE).content.decode()
    assert secret not in again and "Newsroom" in again


def test_bad_input_is_a_form_error_and_nothing_is_made(
    editor_client: Client, settings: Any
) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    refused = editor_client.post(
        PAGE, {"name": "x", "url": "http://127.0.0.1:9/hook", "event_types": ["created"]}
    )
    assert refused.status_code == 400
    assert "private" in refused.content.decode()
    refused = editor_client.post(PAGE, {"name": "x", "url": "https://93.184.216.34/"})
    assert refused.status_code == 400
    assert "This field is required." in refused.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_changing_a_webhook_needs_the_version_it_was_read_at(
    editor_client: Client, editor: Any
) -> None:
    hook = make(editor)
    form = {
        "action": "save",
        "name": "Renamed",
        "url": hook.url,
        "event_types": ["deleted"],
        "is_active": "on",
        "version": "1",
    }
    saved = editor_client.post(detail(hook), form, follow=True)
    assert "The webhook is saved." in saved.content.decode()
    hook.refresh_from_db()
    assert (hook.name, hook.event_types, hook.version) == ("Renamed", ["deleted"], 2)
    stale = editor_client.post(detail(hook), {**form, "name": "Again"})
    assert stale.status_code == 400
    assert "changed by someone else" in stale.content.decode()
    hook.refresh_from_db()
    assert hook.name == "Renamed"


def test_rotating_shows_the_new_secret_once(editor_client: Client, editor: Any) -> None:
    hook = make(editor)
    old = hook.secret
    answer = editor_client.post(detail(hook), {"action": "rotate"})
    assert answer["Cache-Control"] == "no-store"
    hook.refresh_from_db()
    assert hook.secret != old and hook.secret in answer.content.decode()
    assert hook.secret not in editor_client.get(detail(hook)).content.decode()


def test_the_test_event_button_sends_one_and_the_log_shows_it(
    editor_client: Client, editor: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with receiver() as listening:
        hook = make(editor, url=listening.url)
        with django_capture_on_commit_callbacks(execute=True):
            answer = editor_client.post(detail(hook), {"action": "test"}, follow=True)
    assert "A test event is queued" in answer.content.decode()
    assert len(listening.received) == 1
    delivery = WebhookDelivery.objects.get(subscription=hook)
    assert delivery.event_type == "test" and delivery.state == "delivered"
    page = editor_client.get(detail(hook)).content.decode()
    assert str(delivery.event_id) in page
    assert "delivered" in page


def test_deleting_a_webhook(editor_client: Client, editor: Any) -> None:
    hook = make(editor)
    webhooks.webhook_send_test(subscription=hook)
    answer = editor_client.post(detail(hook), {"action": "delete"}, follow=True)
    assert "is deleted" in answer.content.decode()
    assert not WebhookSubscription.objects.exists()
    assert not WebhookDelivery.objects.exists()


def test_nobody_sees_or_changes_another_persons_webhook(editor_client: Client, viewer: Any) -> None:
    theirs = make(viewer, name="Viewer's hook")
    assert editor_client.get(detail(theirs)).status_code == 404
    assert editor_client.post(detail(theirs), {"action": "delete"}).status_code == 404
    assert editor_client.post(detail(theirs), {"action": "test"}).status_code == 404
    assert "Viewer&#x27;s hook" not in editor_client.get(PAGE).content.decode()
    assert WebhookSubscription.objects.filter(pk=theirs.pk).exists()
    assert not WebhookDelivery.objects.exists()


def test_a_viewer_keeps_webhooks_and_an_account_without_a_role_may_not(
    viewer_client: Client, django_user_model: Any
) -> None:
    assert viewer_client.get(PAGE).status_code == 200
    client = Client()
    client.force_login(django_user_model.objects.create_user(username="no-role"))
    assert client.get(PAGE).status_code == 403


@pytest.mark.parametrize("rows", [3, 30])
def test_the_pages_take_the_same_queries_for_3_rows_or_30(
    editor_client: Client, editor: Any, rows: int, django_assert_num_queries: Any
) -> None:
    for n in range(rows):
        hook = make(editor, name=f"Hook {n}")
        webhooks.webhook_send_test(subscription=hook)
    # Session, user, the user's and groups' permissions, the count, the page of webhooks.
    with django_assert_num_queries(6):
        answer = editor_client.get(PAGE)
    assert answer.content.decode().count("<tr>") == 1 + min(rows, 25)
    for _ in range(rows - 1):
        webhooks.webhook_send_test(subscription=hook)
    # The same with the webhook, and the count and the page of its log.
    with django_assert_num_queries(7):
        answer = editor_client.get(detail(hook))
    assert answer.content.decode().count("<tr>") == 1 + min(rows, 25)


def test_the_pages_speak_spanish(editor_client: Client, editor: Any) -> None:
    hook = make(editor)
    listing = editor_client.get(PAGE, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    page = editor_client.get(detail(hook), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Sus webhooks" in listing
    assert "Enviar un evento de prueba" in page
