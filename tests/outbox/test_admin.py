"""The editors' admin: templates checked when saved, lists in a fixed number of queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from outbox import services
from outbox.models import LetterTemplate
from tests.outbox.conftest import Case

pytestmark = pytest.mark.django_db


def _template_form(template: LetterTemplate, **changes: Any) -> dict[str, Any]:
    data = {
        "name": template.name,
        "kind": template.kind,
        "is_active": "on",
        "subject": template.subject,
        "body": template.body,
        "expected_version": template.version,
    }
    return data | changes


def test_a_template_with_a_syntax_error_is_a_form_error_and_is_not_saved(
    editor_client: Client,
) -> None:
    template = LetterTemplate.objects.get(kind=LetterTemplate.Kind.FOLLOW_UP)
    url = f"/admin/outbox/lettertemplate/{template.pk}/change/"
    response = editor_client.post(url, _template_form(template, body="{% if %}Dear"))
    assert response.status_code == 200
    assert "The template does not read" in response.text
    template.refresh_from_db()
    assert template.body != "{% if %}Dear"


def test_a_template_naming_an_unknown_merge_field_is_refused(editor_client: Client) -> None:
    template = LetterTemplate.objects.get(kind=LetterTemplate.Kind.FOLLOW_UP)
    url = f"/admin/outbox/lettertemplate/{template.pk}/change/"
    response = editor_client.post(url, _template_form(template, subject="{{ user.password }}"))
    assert "Unknown merge field(s): user" in response.text


def test_an_editor_changes_a_template_and_the_next_draft_uses_it(
    editor_client: Client, case: Case, editor: Any
) -> None:
    template = LetterTemplate.objects.get(kind=LetterTemplate.Kind.NOTICE_SIB)
    url = f"/admin/outbox/lettertemplate/{template.pk}/change/"
    response = editor_client.post(
        url, _template_form(template, body="To {{ recipient.abbreviation }}: we opt out.")
    )
    assert response.status_code == 302, response.text
    drafts = services.drafts_create_notices(request=case.request, by=editor)
    assert drafts[1].body == "To CA SIB: we opt out."


@pytest.mark.parametrize("rows", [2, 20])
def test_the_drafts_changelist_costs_the_same_however_many(
    editor_client: Client, case: Case, editor: Any, rows: int, django_assert_num_queries: Any
) -> None:
    for _ in range(rows // 2):
        services.drafts_create_notices(request=case.request, by=editor)
    url = "/admin/outbox/draft/"
    editor_client.get(url)
    # Session, user, the user's and the group's permissions, the count, the rows (with
    # request and agency).
    with django_assert_num_queries(6):
        response = editor_client.get(url)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == rows


@pytest.mark.parametrize("extra", [0, 10])
def test_the_templates_changelist_costs_the_same_however_many(
    editor_client: Client, extra: int, django_assert_num_queries: Any
) -> None:
    for i in range(extra):
        LetterTemplate.objects.create(name=f"T{i}", subject="s", body="b")
    url = "/admin/outbox/lettertemplate/"
    editor_client.get(url)
    # Session, user, the user's and the group's permissions, the count, the rows.
    with django_assert_num_queries(6):
        response = editor_client.get(url)
    assert response.status_code == 200
