"""Webhooks: which writes announce what (once, after commit, to whom), signing, and
sending to a real local HTTP server with retries, timeouts, redirects and refused
addresses."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core import webhooks
from core.models import WebhookDelivery, WebhookSubscription
from tests.factories import AgencyFactory, JurisdictionFactory, LetterFactory, RequestFactory
from tests.receiver import receiver
from tracker.domain import events, services
from tracker.domain.permissions import may_keep_webhooks
from tracker.models import Letter, OptOutRequest

pytestmark = pytest.mark.django_db

ALL = list(webhooks.EVENT_TYPES)


@pytest.fixture(autouse=True)
def _local_targets(settings: Any) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOK_RETRY_BACKOFF_SECONDS = 30
    settings.WEBHOOK_MAX_ATTEMPTS = 8


def subscribe(owner: Any, url: str = "http://127.0.0.1:9/hook", types: list[str] = ALL) -> Any:
    subscription, _secret = webhooks.webhook_create(
        owner=owner, name="Alerts", url=url, event_types=types
    )
    return subscription


def announced(subscription: WebhookSubscription) -> list[tuple[str, str, Any]]:
    return [
        (d.event_type, d.payload["data"].get("resource"), d.payload["data"].get("id"))
        for d in WebhookDelivery.objects.filter(subscription=subscription).order_by("pk")
    ]


# --- Which writes announce what ---------------------------------------------------------


def test_each_kind_of_write_is_announced_exactly_once(editor: Any, admin_user: Any) -> None:
    hook = subscribe(admin_user)
    request = services.request_open(jurisdiction=JurisdictionFactory(), title="Opt out", by=editor)
    letter = LetterFactory(request=request, by=editor)
    letter.subject = "Changed"
    services.record_save(letter, by=editor)
    services.request_transition(request=request, to="notice_sent", by=editor)
    letter_id = letter.pk
    services.record_delete(letter, by=admin_user)

    assert announced(hook) == [
        ("created", "requests", request.pk),
        ("created", "letters", letter_id),
        ("changed", "letters", letter_id),
        ("moved", "requests", request.pk),
        ("deleted", "letters", letter_id),
    ]
    moved = WebhookDelivery.objects.get(subscription=hook, event_type="moved").payload
    request.refresh_from_db()
    assert moved["data"] == {
        "resource": "requests",
        "id": request.pk,
        "url": f"/api/v1/requests/{request.pk}/",
        "version": request.version,
        "from": "draft",
        "to": "notice_sent",
    }
    assert moved["type"] == "moved"
    assert dt.datetime.fromisoformat(moved["created_at"]) <= timezone.now()


def test_records_saved_by_any_surface_are_announced(editor: Any, admin_user: Any) -> None:
    # The jurisdictions app's records are saved through core.records too.
    hook = subscribe(admin_user, types=["created", "changed"])
    agency = AgencyFactory.build(name="Sheriff")
    services.record_save(agency, by=editor)
    agency.name = "County Sheriff"
    services.record_save(agency, by=editor)
    assert announced(hook) == [
        ("created", "agencies", agency.pk),
        ("changed", "agencies", agency.pk),
    ]


def test_nothing_is_announced_or_sent_when_the_write_rolls_back(
    editor: Any, admin_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    hook = subscribe(admin_user)
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.request_open(jurisdiction=JurisdictionFactory(), title="Opt out", by=editor)
        assert WebhookDelivery.objects.filter(subscription=hook).count() == 1
        raise RuntimeError("the write fails later in its transaction")
    assert callbacks == []
    assert not WebhookDelivery.objects.exists()
    assert not OptOutRequest.objects.exists()


def test_a_message_is_sent_only_after_the_write_commits(
    editor: Any, admin_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with receiver() as listening:
        hook = subscribe(admin_user, url=listening.url, types=["created"])
        with django_capture_on_commit_callbacks() as callbacks:
            services.request_open(jurisdiction=JurisdictionFactory(), title="Opt out", by=editor)
            # Written with the request, not sent yet.
            assert announced(hook) == [("created", "requests", OptOutRequest.objects.get().pk)]
        assert listening.received == []
        assert len(callbacks) == 1
        callbacks[0]()  # the commit: the task is enqueued (and run: the immediate backend)
    assert len(listening.received) == 1
    assert WebhookDelivery.objects.get().state == "delivered"


def test_only_chosen_events_active_webhooks_and_active_owners(
    editor: Any, admin_user: Any, viewer: Any
) -> None:
    moves_only = subscribe(admin_user, types=["moved"])
    paused = subscribe(admin_user)
    webhooks.webhook_update(subscription=paused, expected_version=None, is_active=False)
    viewer_hook = subscribe(viewer)
    viewer.is_active = False
    viewer.save()
    RequestFactory(by=editor)
    assert announced(moves_only) == []
    assert announced(paused) == []
    assert announced(viewer_hook) == []


def test_a_webhook_hears_only_of_records_its_owner_may_read(
    editor: Any, django_user_model: Any
) -> None:
    reads_requests = django_user_model.objects.create_user(username="requests-only")
    reads_requests.user_permissions.add(Permission.objects.get(codename="view_optoutrequest"))
    hook = subscribe(reads_requests)
    request = RequestFactory(by=editor)
    LetterFactory(request=request, by=editor)
    assert announced(hook) == [("created", "requests", request.pk)]


def test_who_may_keep_webhooks(editor: Any, viewer: Any, django_user_model: Any) -> None:
    assert may_keep_webhooks(editor)
    assert may_keep_webhooks(viewer)
    assert not may_keep_webhooks(django_user_model.objects.create_user(username="no-role"))
    viewer.is_active = False
    assert not may_keep_webhooks(viewer)


def test_an_overdue_reply_is_announced_once_per_letter_and_due_date(
    editor: Any, admin_user: Any
) -> None:
    hook = subscribe(admin_user, types=["reply_overdue"])
    today = timezone.localdate()
    # 30 calendar days from the sending day: due 3 days ago, so overdue since 2 days.
    letter = LetterFactory(by=editor, sent_on=today - dt.timedelta(days=33))
    LetterFactory(by=editor)  # overdue since 2010: old news, never announced
    assert letter.due_on is not None and letter.due_on < today

    assert events.announce_overdue_replies(today) == 1
    assert events.announce_overdue_replies(today) == 0
    assert events.announce_overdue_replies(today + dt.timedelta(days=1)) == 0
    deliveries = WebhookDelivery.objects.filter(subscription=hook)
    assert [(d.event_type, d.payload["data"]["id"]) for d in deliveries] == [
        ("reply_overdue", letter.pk)
    ]
    assert deliveries[0].payload["data"]["due_on"] == letter.due_on.isoformat()


def test_a_reply_not_yet_overdue_or_answered_is_not_announced(editor: Any, admin_user: Any) -> None:
    subscribe(admin_user, types=["reply_overdue"])
    today = timezone.localdate()
    LetterFactory(by=editor, sent_on=today - dt.timedelta(days=5))
    answered = LetterFactory(by=editor, sent_on=today - dt.timedelta(days=33))
    services.response_record(
        request=answered.request,
        by=editor,
        agency=answered.sender,
        kind="acknowledged",
        letter=answered,
        responded_on=None,
    )
    assert events.announce_overdue_replies(today) == 0
    assert Letter.objects.count() == 2


# --- Managing subscriptions -------------------------------------------------------------


def test_a_subscription_needs_known_event_types_and_a_web_address(admin_user: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        webhooks.webhook_create(
            owner=admin_user, name="x", url="ftp://example.org/", event_types=["exploded"]
        )
    assert set(refused.value.message_dict) == {"url", "event_types"}
    assert not WebhookSubscription.objects.exists()


def test_private_addresses_are_refused_unless_allowed(admin_user: Any, settings: Any) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    for url in (
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:192.168.0.1]/hook",
    ):
        with pytest.raises(ValidationError) as refused:
            webhooks.webhook_create(owner=admin_user, name="x", url=url, event_types=ALL)
        assert "url" in refused.value.message_dict, url
    # A public address given as such needs no lookup.
    subscription, _secret = webhooks.webhook_create(
        owner=admin_user, name="x", url="https://93.184.216.34/hook", event_types=ALL
    )
    assert subscription.pk


def test_the_secret_is_made_here_and_rotating_replaces_it(admin_user: Any) -> None:
    subscription, secret = webhooks.webhook_create(
        owner=admin_user, name="x", url="http://127.0.0.1:9/", event_types=ALL
    )
    assert secret.startswith("whsec_") and len(secret) > 40
    rotated, new = webhooks.webhook_rotate_secret(subscription=subscription)
    assert new != secret and rotated.secret == new
    assert rotated.version == subscription.version + 1


def test_a_stale_change_is_refused(admin_user: Any) -> None:
    subscription = subscribe(admin_user)
    webhooks.webhook_update(subscription=subscription, expected_version=1, name="First")
    with pytest.raises(services.StaleRecord):
        webhooks.webhook_update(subscription=subscription, expected_version=1, name="Second")
    subscription.refresh_from_db()
    assert (subscription.name, subscription.version) == ("First", 2)


# --- Signing and sending ------------------------------------------------------------------


def test_the_signature_is_hmac_sha256_of_the_timestamp_and_the_body() -> None:
    body = b'{"id":"x"}'
    expected = hmac.new(b"whsec_key", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert webhooks.signature("whsec_key", 1700000000, body) == expected
    assert webhooks.signature_header("whsec_key", 1700000000, body) == (
        f"t=1700000000,v1={expected}"
    )


def test_a_message_is_posted_signed_to_a_real_server(editor: Any, admin_user: Any) -> None:
    with receiver() as listening:
        _subscription, secret = webhooks.webhook_create(
            owner=admin_user, name="x", url=listening.url, event_types=["created"]
        )
        request = RequestFactory(by=editor)
        delivery = WebhookDelivery.objects.get()
        assert webhooks.send(delivery.pk) == "delivered"
    [got] = listening.received
    assert got.path == "/hook"
    assert json.loads(got.body) == delivery.payload
    assert delivery.payload["data"]["id"] == request.pk
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers[webhooks.EVENT_ID_HEADER] == str(delivery.event_id)
    assert got.headers[webhooks.EVENT_TYPE_HEADER] == "created"
    header = got.headers["Opt-Out-Signature"]
    timestamp, signed = (part.split("=", 1)[1] for part in header.split(","))
    assert abs(int(timestamp) - timezone.now().timestamp()) < 60
    assert signed == webhooks.signature(secret, int(timestamp), got.body)
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_status_code, delivery.error) == (1, 200, "")
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None
    assert len(delivery.response_excerpt) == webhooks.EXCERPT_CHARACTERS
    assert webhooks.send(delivery.pk) is None  # delivered: never sent again
    assert len(listening.received) == 1


def test_a_failed_attempt_is_retried_with_backoff_then_given_up(
    admin_user: Any, settings: Any
) -> None:
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    with receiver(answers=[500, 503, 500]) as listening:
        subscription = subscribe(admin_user, url=listening.url)
        delivery = webhooks.webhook_send_test(subscription=subscription)
        start = timezone.now()
        assert webhooks.send(delivery.pk, now=start) == "pending"
        delivery.refresh_from_db()
        assert delivery.next_attempt_at == start + dt.timedelta(seconds=30)
        assert (delivery.last_status_code, delivery.error) == (500, "Answered 500.")
        # Not due yet: nothing is sent.
        assert webhooks.send(delivery.pk, now=start + dt.timedelta(seconds=29)) is None
        second = start + dt.timedelta(seconds=30)
        assert webhooks.send(delivery.pk, now=second) == "pending"
        delivery.refresh_from_db()
        assert delivery.next_attempt_at == second + dt.timedelta(seconds=60)
        assert webhooks.send(delivery.pk, now=second + dt.timedelta(seconds=60)) == "failed"
    delivery.refresh_from_db()
    assert delivery.state == "failed" and delivery.attempts == 3
    assert delivery.last_status_code == 500 and delivery.next_attempt_at is None
    assert len(listening.received) == 3


def test_a_retry_can_succeed(admin_user: Any) -> None:
    with receiver(answers=[500, 204]) as listening:
        delivery = webhooks.webhook_send_test(subscription=subscribe(admin_user, url=listening.url))
        start = timezone.now()
        assert webhooks.send(delivery.pk, now=start) == "pending"
        assert webhooks.send(delivery.pk, now=start + dt.timedelta(minutes=1)) == "delivered"
    first, second = listening.received
    # The same event, signed again at the time of each attempt.
    assert first.headers[webhooks.EVENT_ID_HEADER] == second.headers[webhooks.EVENT_ID_HEADER]
    assert first.body == second.body


def test_no_answer_in_time_is_a_failed_attempt(admin_user: Any, settings: Any) -> None:
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    with receiver(delay=1.5) as listening:
        delivery = webhooks.webhook_send_test(subscription=subscribe(admin_user, url=listening.url))
        assert webhooks.send(delivery.pk) == "pending"
    delivery.refresh_from_db()
    assert delivery.error == "No answer within 0.3 seconds."
    assert delivery.last_status_code is None and delivery.attempts == 1


def test_a_redirect_is_not_followed(admin_user: Any) -> None:
    with receiver() as elsewhere, receiver(answers=[302]) as listening:
        listening.redirect_to = elsewhere.url
        delivery = webhooks.webhook_send_test(subscription=subscribe(admin_user, url=listening.url))
        assert webhooks.send(delivery.pk) == "pending"
    delivery.refresh_from_db()
    assert (delivery.last_status_code, delivery.error) == (302, "Answered 302.")
    assert len(listening.received) == 1
    assert elsewhere.received == []


def test_a_private_address_is_refused_again_when_sending(admin_user: Any, settings: Any) -> None:
    with receiver() as listening:
        delivery = webhooks.webhook_send_test(subscription=subscribe(admin_user, url=listening.url))
        settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
        assert webhooks.send(delivery.pk) == "pending"
    delivery.refresh_from_db()
    assert "private" in delivery.error
    assert listening.received == []


def test_a_test_event_goes_to_a_paused_webhook_whatever_it_chose(admin_user: Any) -> None:
    with receiver() as listening:
        subscription = subscribe(admin_user, url=listening.url, types=["deleted"])
        webhooks.webhook_update(subscription=subscription, expected_version=None, is_active=False)
        delivery = webhooks.webhook_send_test(subscription=subscription)
        assert webhooks.send(delivery.pk) == "delivered"
    body = json.loads(listening.received[0].body)
    assert body["type"] == "test"
    assert body["data"]["webhook"] == subscription.pk


def test_a_message_left_due_is_picked_up_by_the_scheduled_sweep(admin_user: Any) -> None:
    subscription = subscribe(admin_user)
    delivery = webhooks.webhook_send_test(subscription=subscription)
    now = timezone.now()
    assert webhooks.due_deliveries(now=now) == []  # its task has it
    assert webhooks.due_deliveries(now=now + dt.timedelta(minutes=2)) == [delivery.pk]


def test_old_finished_messages_are_pruned(admin_user: Any) -> None:
    subscription = subscribe(admin_user)
    sent = webhooks.webhook_send_test(subscription=subscription)
    waiting = webhooks.webhook_send_test(subscription=subscription)
    WebhookDelivery.objects.filter(pk=sent.pk).update(delivered_at=timezone.now())
    assert webhooks.prune_deliveries(before=timezone.now() + dt.timedelta(days=1)) == 1
    assert list(WebhookDelivery.objects.values_list("pk", flat=True)) == [waiting.pk]


def test_a_write_costs_one_query_more_without_webhooks_and_two_with_them(
    editor: Any, admin_user: Any, django_assert_num_queries: Any
) -> None:
    request = RequestFactory(by=editor)
    with django_assert_num_queries(1):  # the active webhooks: none
        events.record_event("changed", request)
    for _ in range(3):
        subscribe(admin_user)
        subscribe(editor)
    # The active webhooks with their owners, the editor's permissions (user and groups,
    # read once for their three webhooks), one INSERT for the six messages.
    with django_assert_num_queries(4):
        events.record_event("changed", request)
    assert WebhookDelivery.objects.filter(event_type="changed").count() == 6
