"""Publishing from the staff pages: a request, its letters, replies and meetings, and
statements are marked public or not through one service, with history and a version
check."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.factories import (
    LetterFactory,
    MeetingFactory,
    RequestFactory,
    ResponseFactory,
    StatementFactory,
)
from tracker.domain import services
from tracker.models import Letter, OptOutRequest, Statement

pytestmark = pytest.mark.django_db


def publish(client: Client, kind: str, item: Any, public: bool, version: int | None = None) -> Any:
    return client.post(
        f"/publish/{kind}/{item.pk}/",
        {"public": "1" if public else "0", "version": str(version or item.version)},
    )


def test_an_editor_publishes_a_request_with_a_history_row(client: Client, editor: Any) -> None:
    optout = RequestFactory(is_public=False)
    client.force_login(editor)
    response = publish(client, "request", optout, True)
    assert response.status_code == 302
    assert response["Location"] == optout.get_absolute_url()
    optout.refresh_from_db()
    assert optout.is_public is True
    assert optout.version == 2
    latest = optout.history.latest()
    assert (latest.is_public, latest.history_user) == (True, editor)


@pytest.mark.parametrize(
    ("kind", "factory"),
    [("letter", LetterFactory), ("response", ResponseFactory), ("meeting", MeetingFactory)],
)
def test_an_editor_publishes_each_timeline_item(
    client: Client, editor: Any, kind: str, factory: Any
) -> None:
    item = factory(request=RequestFactory(is_public=True))
    client.force_login(editor)
    response = publish(client, kind, item, True)
    assert response.status_code == 302
    assert response["Location"].endswith(f"#{kind}-{item.pk}")
    item.refresh_from_db()
    assert item.is_public is True
    assert item.history.latest().history_user == editor
    # ... and takes it back.
    assert publish(client, kind, item, False).status_code == 302
    item.refresh_from_db()
    assert item.is_public is False


def test_the_request_page_says_when_a_public_letter_is_hidden_by_its_request(
    client: Client, editor: Any
) -> None:
    optout = RequestFactory(is_public=False)
    LetterFactory(request=optout, is_public=True)
    client.force_login(editor)
    page = client.get(optout.get_absolute_url()).text
    assert "Marked public, hidden: the request is not public" in page
    assert "This request is <strong>not public</strong>" in page
    services.record_publish(optout, by=editor, public=True, expected_version=optout.version)
    page = client.get(optout.get_absolute_url()).text
    assert "Marked public, hidden" not in page
    assert page.count('<span class="tag public">Public</span>') == 2


def test_a_stale_version_is_refused_and_nothing_changes(client: Client, editor: Any) -> None:
    letter = LetterFactory(request=RequestFactory(is_public=True))
    opened_at = letter.version
    services.record_save(letter, by=editor, expected_version=opened_at)  # someone else saves
    client.force_login(editor)
    response = publish(client, "letter", letter, True, version=opened_at)
    assert response.status_code == 409
    assert "This letter was changed by someone else after you opened it" in response.text
    assert "Nothing was saved." in response.text
    assert Letter.objects.get(pk=letter.pk).is_public is False


def test_a_viewer_cannot_publish(client: Client, viewer: Any) -> None:
    optout = RequestFactory(is_public=False)
    statement = StatementFactory(is_public=False)
    client.force_login(viewer)
    assert publish(client, "request", optout, True).status_code == 403
    assert publish(client, "statement", statement, True).status_code == 403
    assert OptOutRequest.objects.get(pk=optout.pk).is_public is False
    assert Statement.objects.get(pk=statement.pk).is_public is False
    page = client.get(optout.get_absolute_url()).text
    assert "Make public" not in page


def test_an_editor_publishes_a_statement_from_the_statements_page(
    client: Client, editor: Any
) -> None:
    statement = StatementFactory(is_public=False)
    client.force_login(editor)
    assert "Make public" in client.get("/statements/").text
    response = publish(client, "statement", statement, True)
    assert response.status_code == 302
    assert response["Location"] == f"/statements/#statement-{statement.pk}"
    statement.refresh_from_db()
    assert statement.is_public is True
    assert statement.history.latest().history_user == editor


def test_only_publishable_kinds_have_an_address(client: Client, editor: Any) -> None:
    client.force_login(editor)
    assert client.post("/publish/transition/1/", {"public": "1", "version": "1"}).status_code == 404
    assert client.get(f"/publish/request/{RequestFactory().pk}/").status_code == 405
