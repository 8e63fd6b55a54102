"""``/api/v1/webhooks/``: one's own webhooks through the API, their delivery log, the
test event, and the verification example of docs/api.md run against a real message."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from core import webhooks
from core.models import WebhookDelivery, WebhookSubscription
from tests.api.helpers import if_match
from tests.factories import JurisdictionFactory
from tests.receiver import receiver
from tracker.domain import services

pytestmark = pytest.mark.django_db

NEW = {"name": "Newsroom", "url": "http://127.0.0.1:9/hook", "event_types": ["created", "moved"]}


@pytest.fixture(autouse=True)
def _local_targets(settings: Any) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True


def make(client: APIClient, **changes: Any) -> Any:
    answer = client.post("/api/v1/webhooks/", {**NEW, **changes}, format="json")
    assert answer.status_code == 201, answer.content
    return answer


def test_a_webhook_is_made_with_its_secret_shown_once(api: APIClient, editor: Any) -> None:
    answer = make(api)
    body = answer.json()
    secret = body.pop("secret")
    assert secret.startswith("whsec_")
    assert body["name"] == "Newsroom" and body["event_types"] == ["created", "moved"]
    assert body["is_active"] is True and body["version"] == 1
    assert answer["ETag"] == '"1"'
    assert answer["Location"].endswith(f"/api/v1/webhooks/{body['id']}/")
    assert WebhookSubscription.objects.get(pk=body["id"]).owner == editor
    listed = api.get("/api/v1/webhooks/").json()["results"]
    assert [row["id"] for row in listed] == [body["id"]]
    assert secret not in str(api.get("/api/v1/webhooks/").content)
    assert secret not in str(api.get(f"/api/v1/webhooks/{body['id']}/").content)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://example.org/"}, "url"),
        ({"url": "not an address"}, "url"),
        ({"event_types": ["exploded"]}, "event_types"),
        ({"event_types": []}, "event_types"),
        ({"event_types": "created"}, "event_types"),
        ({"name": ""}, "name"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_fields_are_400s_naming_them(api: APIClient, body: dict[str, Any], field: str) -> None:
    answer = api.post("/api/v1/webhooks/", {**NEW, **body}, format="json")
    assert answer.status_code == 400, answer.content
    assert field in answer.json()["errors"]
    assert not WebhookSubscription.objects.exists()


def test_a_private_address_is_a_400_unless_allowed(api: APIClient, settings: Any) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    answer = api.post("/api/v1/webhooks/", NEW, format="json")
    assert answer.status_code == 400
    assert "private" in answer.json()["errors"]["url"][0]


def test_changes_and_deletions_need_the_version_read(api: APIClient) -> None:
    made = make(api).json()
    address = f"/api/v1/webhooks/{made['id']}/"
    hook = WebhookSubscription.objects.get(pk=made["id"])
    assert api.patch(address, {"name": "Renamed"}, format="json").status_code == 428
    changed = api.patch(address, {"name": "Renamed"}, format="json", **if_match(hook))
    assert changed.status_code == 200, changed.content
    assert changed.json()["name"] == "Renamed" and changed["ETag"] == '"2"'
    stale = api.patch(address, {"is_active": False}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert stale.json()["code"] == "stale_record"
    assert api.delete(address, HTTP_IF_MATCH='"1"').status_code == 412
    assert api.delete(address, **if_match(hook)).status_code == 204
    assert not WebhookSubscription.objects.exists()


def test_a_full_update_needs_every_field(api: APIClient) -> None:
    made = make(api).json()
    hook = WebhookSubscription.objects.get(pk=made["id"])
    address = f"/api/v1/webhooks/{made['id']}/"
    answer = api.put(address, {"name": "Only a name"}, format="json", **if_match(hook))
    assert answer.status_code == 400
    assert {"url", "event_types"} <= set(answer.json()["errors"])


def test_rotating_gives_a_new_secret_that_signs_from_then_on(api: APIClient) -> None:
    made = make(api).json()
    rotated = api.post(f"/api/v1/webhooks/{made['id']}/rotate-secret/")
    assert rotated.status_code == 200
    assert rotated.json()["secret"] != made["secret"]
    assert rotated.json()["secret_rotated_at"] is not None
    assert WebhookSubscription.objects.get().secret == rotated.json()["secret"]


def test_another_persons_webhook_is_a_404(api: APIClient, reader: APIClient) -> None:
    made = make(api).json()
    for answer in (
        reader.get(f"/api/v1/webhooks/{made['id']}/"),
        reader.post(f"/api/v1/webhooks/{made['id']}/test/"),
        reader.get(f"/api/v1/webhooks/{made['id']}/deliveries/"),
        reader.delete(f"/api/v1/webhooks/{made['id']}/", HTTP_IF_MATCH="*"),
    ):
        assert answer.status_code == 404
    assert reader.get("/api/v1/webhooks/").json()["results"] == []


def test_an_account_without_a_role_may_not_keep_webhooks(django_user_model: Any) -> None:
    client = APIClient()
    client.force_login(django_user_model.objects.create_user(username="no-role"))
    assert client.get("/api/v1/webhooks/").status_code == 403
    assert client.post("/api/v1/webhooks/", NEW, format="json").status_code == 403
    assert APIClient().get("/api/v1/webhooks/").status_code in (401, 403)


def test_a_viewer_may_keep_a_webhook(reader: APIClient) -> None:
    make(reader)


def test_the_test_event_is_sent_and_logged(
    api: APIClient, django_capture_on_commit_callbacks: Any
) -> None:
    with receiver() as listening:
        made = make(api, url=listening.url).json()
        # Sent once the answer's transaction commits (the tests' backend runs it at once).
        with django_capture_on_commit_callbacks(execute=True):
            answer = api.post(f"/api/v1/webhooks/{made['id']}/test/")
    assert answer.status_code == 202
    assert answer.json()["event_type"] == "test"
    assert answer.json()["state"] == "pending"
    assert len(listening.received) == 1
    log = api.get(f"/api/v1/webhooks/{made['id']}/deliveries/").json()
    assert log["count"] == 1
    [row] = log["results"]
    assert row["state"] == "delivered" and row["attempts"] == 1
    assert row["last_status_code"] == 200
    assert row["payload"]["type"] == "test"
    assert row["response_excerpt"].startswith("answered 200")


@pytest.mark.parametrize("rows", [2, 6])
def test_the_lists_take_the_same_queries_whatever_the_page_size(
    api: APIClient, editor: Any, rows: int, django_assert_num_queries: Any
) -> None:
    for i in range(rows):
        hook, _secret = webhooks.webhook_create(
            owner=editor, name=f"Hook {i}", url="http://127.0.0.1:9/", event_types=["created"]
        )
    for _ in range(rows):
        webhooks.webhook_send_test(subscription=hook)
    # Session, user, the user's and their groups' permissions, count, rows.
    with django_assert_num_queries(6):
        assert len(api.get("/api/v1/webhooks/").json()["results"]) == rows
    # The same, and the webhook.
    with django_assert_num_queries(7):
        answer = api.get(f"/api/v1/webhooks/{hook.pk}/deliveries/")
    assert len(answer.json()["results"]) == rows


def test_writes_through_the_api_queue_one_message_each(api: APIClient, optout: Any) -> None:
    made = make(api, event_types=["changed", "moved"]).json()
    hook = WebhookSubscription.objects.get(pk=made["id"])
    optout.refresh_from_db()
    changed = api.patch(
        f"/api/v1/requests/{optout.pk}/", {"title": "New"}, format="json", **if_match(optout)
    )
    assert changed.status_code == 200
    types = list(
        WebhookDelivery.objects.filter(subscription=hook).values_list("event_type", flat=True)
    )
    assert types == ["changed"]


# --- The verification example in docs/api.md ------------------------------------------


def _verification_example() -> str:
    text = (Path(__file__).parents[2] / "docs" / "api.md").read_text()
    found = re.search(
        r"<!-- webhook-verification-example -->\n```python\n(.*?)```\n"
        r"<!-- /webhook-verification-example -->",
        text,
        re.S,
    )
    assert found, "docs/api.md has no webhook verification example"
    return found.group(1)


def test_the_verification_example_in_the_docs_checks_a_real_message(
    editor: Any, admin_user: Any
) -> None:
    with receiver() as listening:
        hook, secret = webhooks.webhook_create(
            owner=admin_user, name="Docs", url=listening.url, event_types=["created"]
        )
        request = services.request_open(
            jurisdiction=JurisdictionFactory(),
            title="Opt out",
            by=editor,
        )
        delivery = WebhookDelivery.objects.get(subscription=hook)
        assert webhooks.send(delivery.pk) == "delivered"
    [got] = listening.received
    header = got.headers[webhooks.SIGNATURE_HEADER]
    scope: dict[str, Any] = {}
    exec(compile(_verification_example(), "docs/api.md", "exec"), scope)
    verify = scope["verify"]

    event = verify(secret, header, got.body)
    assert event["type"] == "created"
    assert event["data"]["id"] == request.pk
    assert event["id"] == got.headers[webhooks.EVENT_ID_HEADER]
    # A changed body, another secret, an old or malformed signature are refused.
    with pytest.raises(ValueError, match="wrong signature"):
        verify(secret, header, got.body.replace(b"created", b"deleted"))
    with pytest.raises(ValueError, match="wrong signature"):
        verify("whsec_another", header, got.body)
    timestamp = int(header.split(",")[0].removeprefix("t="))
    with pytest.raises(ValueError, match="too long ago"):
        verify(secret, header, got.body, now=timestamp + scope["TOLERANCE"] + 1)
    with pytest.raises(ValueError, match="malformed"):
        verify(secret, "v1=abc", got.body)
