"""A create retried with the same Idempotency-Key gets the first answer, not a second
record; the same key with another body is refused; two at once make one record."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from rest_framework.test import APIClient

from core.models import IdempotencyKey
from jurisdictions.models import Agency
from tests.factories import RequestFactory
from tests.threads import at_once
from tracker.models import Letter, OptOutRequest


def letter_body(request: OptOutRequest, subject: str = "Please do not activate") -> dict[str, Any]:
    sender, _created = Agency.objects.get_or_create(
        name="Test Sheriff's Office",
        defaults={"level": Agency.Level.LOCAL, "kind": Agency.Kind.SHERIFF},
    )
    return {
        "request": request.pk,
        "sender": sender.pk,
        "subject": subject,
        "sent_on": "2010-09-10",
    }


def post(api: APIClient, body: dict[str, Any], key: str | None) -> Any:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return api.post("/api/v1/letters/", body, format="json", **headers)


@pytest.mark.django_db
def test_a_retry_with_the_same_key_gets_the_first_answer(api: APIClient, editor: Any) -> None:
    request = RequestFactory(by=editor)
    first = post(api, letter_body(request), "retry-1")
    again = post(api, letter_body(request), "retry-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Location"] == first["Location"]
    assert again["ETag"] == first["ETag"]
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Letter.objects.filter(request=request).count() == 1


@pytest.mark.django_db
def test_without_a_key_each_post_creates(api: APIClient, editor: Any) -> None:
    request = RequestFactory(by=editor)
    post(api, letter_body(request), None)
    post(api, letter_body(request), None)
    assert Letter.objects.filter(request=request).count() == 2


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_refused(api: APIClient, editor: Any) -> None:
    request = RequestFactory(by=editor)
    assert post(api, letter_body(request), "key-a").status_code == 201
    refused = post(api, letter_body(request, subject="Something else"), "key-a")
    assert refused.status_code == 422
    assert refused.json()["code"] == "idempotency_key_reused"
    assert Letter.objects.filter(request=request).count() == 1


@pytest.mark.django_db
def test_a_failed_create_keeps_nothing_and_may_be_retried(api: APIClient, editor: Any) -> None:
    request = RequestFactory(by=editor)
    bad = {**letter_body(request), "sent_on": "2010-13-01"}
    assert post(api, bad, "key-b").status_code == 400
    assert not IdempotencyKey.objects.exists()
    assert post(api, letter_body(request), "key-b").status_code == 201


@pytest.mark.django_db
def test_keys_are_per_user(api: APIClient, editor: Any, django_user_model: Any) -> None:
    from django.contrib.auth.models import Group

    from tracker.domain.roles import EDITORS

    other = django_user_model.objects.create_user(username="other", password="pw-other")
    other.groups.add(Group.objects.get(name=EDITORS))
    other_api = APIClient()
    other_api.force_authenticate(other)
    request = RequestFactory(by=editor)
    assert post(api, letter_body(request), "shared").status_code == 201
    second = post(other_api, letter_body(request), "shared")
    assert second.status_code == 201
    assert "Idempotent-Replayed" not in second
    assert Letter.objects.filter(request=request).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "x" * 256, "tab\tinside"])
def test_an_unusable_key_is_a_400(api: APIClient, editor: Any, key: str) -> None:
    request = RequestFactory(by=editor)
    response = post(api, letter_body(request), key)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert not Letter.objects.filter(request=request).exists()


@pytest.mark.django_db
def test_keys_are_kept_a_day_then_purged(api: APIClient, editor: Any) -> None:
    request = RequestFactory(by=editor)
    post(api, letter_body(request), "kept")
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=23)):
        call_command("purge_idempotency_keys", verbosity=0)
        assert post(api, letter_body(request), "kept")["Idempotent-Replayed"] == "true"
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=25)):
        call_command("purge_idempotency_keys", verbosity=0)
    assert not IdempotencyKey.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_retries_at_the_same_moment_create_one_letter(editor: Any) -> None:
    request = RequestFactory(by=editor)

    def send() -> int:
        client = APIClient()
        client.force_authenticate(editor)
        return int(post(client, letter_body(request), "same-moment").status_code)

    statuses = at_once(*[send] * 4)
    assert statuses == [201] * 4
    assert Letter.objects.filter(request=request).count() == 1


@pytest.mark.django_db
def test_a_retried_upload_is_recognised_by_its_file(
    api: APIClient, editor: Any, sheriff: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.conftest import PDF

    request = RequestFactory(by=editor)

    def upload(content: bytes) -> Any:
        body = {
            "request": request.pk,
            "sender": sheriff.pk,
            "subject": "Scanned notice",
            "attachment": SimpleUploadedFile("notice.pdf", content),
        }
        return api.post(
            "/api/v1/letters/", body, format="multipart", HTTP_IDEMPOTENCY_KEY="upload-1"
        )

    assert upload(PDF).status_code == 201
    assert upload(PDF)["Idempotent-Replayed"] == "true"
    assert upload(PDF.replace(b"Catalog", b"Catalox")).status_code == 422
    assert Letter.objects.filter(request=request).count() == 1
