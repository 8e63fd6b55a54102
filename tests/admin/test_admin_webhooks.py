"""Everyone's webhooks and their deliveries, read by admins in the admin: never the
secrets, never editable, and no role but admins sees them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from core import webhooks

pytestmark = pytest.mark.django_db

LISTS = ("/admin/core/webhooksubscription/", "/admin/core/webhookdelivery/")


@pytest.fixture(autouse=True)
def _local_targets(settings: Any) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True


def make(owner: Any, n: int = 0) -> Any:
    hook, _secret = webhooks.webhook_create(
        owner=owner, name=f"Hook {n}", url="http://127.0.0.1:9/", event_types=["created"]
    )
    webhooks.webhook_send_test(subscription=hook)
    return hook


def test_admins_read_every_webhook_without_its_secret(
    client: Client, admin_user: Any, editor: Any
) -> None:
    hook = make(editor)
    client.force_login(admin_user)
    for url in (*LISTS, f"{LISTS[0]}{hook.pk}/change/"):
        page = client.get(url)
        assert page.status_code == 200, url
        assert hook.secret not in page.content.decode()
    assert "Hook 0" in client.get(LISTS[0]).content.decode()
    assert client.get(f"{LISTS[0]}add/").status_code == 403


def test_editors_and_viewers_do_not_see_others_webhooks_in_the_admin(
    editor_client: Client, viewer: Any
) -> None:
    make(viewer)
    for url in LISTS:
        assert editor_client.get(url).status_code == 403


@pytest.mark.parametrize("rows", [3, 30])
def test_the_lists_cost_the_same_queries_for_3_rows_or_30(
    client: Client, admin_user: Any, editor: Any, rows: int, django_assert_num_queries: Any
) -> None:
    for n in range(rows):
        make(editor, n)
    client.force_login(admin_user)
    for url in LISTS:
        client.get(url)
    # Session, user, the counts (of the rows shown and of all), the rows with their
    # owner or webhook joined; the deliveries' date drill-down adds one (the range).
    with django_assert_num_queries(5):
        assert client.get(LISTS[0]).status_code == 200
    with django_assert_num_queries(6):
        assert client.get(LISTS[1]).status_code == 200
