"""An admin add form sent twice (a double click on Save) adds one record."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from jurisdictions.models import Agency
from tests.admin.helpers import add_url, post_data

pytestmark = pytest.mark.django_db


def _filled_add_form(client: Client, name: str) -> dict[str, Any]:
    data = post_data(client.get(add_url(Agency)))
    data.update({"name": name, "kind": "sheriff", "level": "local", "state": "VA"})
    return data


def test_an_add_form_sent_twice_adds_one_record_and_both_land_on_it(
    editor_client: Client,
) -> None:
    data = _filled_add_form(editor_client, "Arlington County Sheriff's Office")
    assert data["submission"], "the add form carries a token"
    first = editor_client.post(add_url(Agency), data)
    second = editor_client.post(add_url(Agency), data)
    assert first.status_code == 302, first.content
    assert (second.status_code, second["Location"]) == (302, first["Location"])
    assert Agency.objects.filter(name="Arlington County Sheriff's Office").count() == 1
    said = [str(message) for message in get_messages(second.wsgi_request)]
    assert "This form was sent more than once; the record was saved once." in said


def test_the_same_add_form_with_other_values_adds_nothing_and_keeps_what_was_typed(
    editor_client: Client,
) -> None:
    data = _filled_add_form(editor_client, "Arlington County Sheriff's Office")
    editor_client.post(add_url(Agency), data)
    before = Agency.objects.count()
    again = editor_client.post(add_url(Agency), {**data, "name": "Another agency"})
    assert again.status_code == 200
    assert Agency.objects.count() == before
    html = again.content.decode()
    assert "already used to save a record, with other values" in html
    assert 'value="Another agency"' in html
    renewed = re.search(r'name="submission" value="([0-9a-f]+)"', html)
    assert renewed and renewed[1] != data["submission"]
    saved = editor_client.post(
        add_url(Agency), {**data, "name": "Another agency", "submission": renewed[1]}
    )
    assert saved.status_code == 302
    assert Agency.objects.count() == before + 1


def test_a_refused_add_form_can_be_corrected_and_sent_with_the_same_token(
    editor_client: Client,
) -> None:
    data = _filled_add_form(editor_client, "Arlington County Sheriff's Office")
    refused = editor_client.post(add_url(Agency), {**data, "name": ""})
    assert refused.status_code == 200
    assert editor_client.post(add_url(Agency), data).status_code == 302
    assert Agency.objects.filter(name="Arlington County Sheriff's Office").count() == 1


def test_an_add_form_without_a_token_still_adds(editor_client: Client) -> None:
    data = _filled_add_form(editor_client, "Arlington County Sheriff's Office")
    del data["submission"]
    assert editor_client.post(add_url(Agency), data).status_code == 302
    assert Agency.objects.filter(name="Arlington County Sheriff's Office").count() == 1


@pytest.mark.parametrize("token", ["not-a-token", "\x00" * 32])
def test_a_damaged_token_adds_nothing(editor_client: Client, token: str) -> None:
    data = _filled_add_form(editor_client, "Arlington County Sheriff's Office")
    response = editor_client.post(add_url(Agency), {**data, "submission": token})
    assert response.status_code == 200
    assert not Agency.objects.filter(name="Arlington County Sheriff's Office").exists()
