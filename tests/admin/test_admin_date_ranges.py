"""A date known as a range of days in the admin: the third box, "to"."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from core.dates import PartialDate
from tests.admin.helpers import change_url, post_data
from tests.factories import LetterFactory, StatementFactory
from tracker.models import Letter, Statement

pytestmark = pytest.mark.django_db


def errors_of(response: Any) -> dict[str, list[str]]:
    form = response.context["adminform"].form
    return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


def test_the_admin_saves_a_range_from_its_three_boxes(editor_client: Client) -> None:
    statement: Statement = StatementFactory()
    page = editor_client.get(change_url(statement))
    assert 'name="stated_on_until"' in page.text
    data = post_data(page)
    data.update(
        {"stated_on": "2010-09-27", "stated_on_precision": "range", "stated_on_until": "2010-10-02"}
    )
    response = editor_client.post(change_url(statement), data)
    assert response.status_code == 302, errors_of(response)
    statement.refresh_from_db()
    assert statement.stated == PartialDate.between(dt.date(2010, 9, 27), dt.date(2010, 10, 2))


@pytest.mark.parametrize(
    ("until", "field", "message"),
    [
        ("2010-09-20", "sent_on_until", "The range ends before it starts"),
        ("", "sent_on", "A range of days needs its last day"),
    ],
)
def test_the_admin_refuses_a_bad_range_next_to_the_field(
    editor_client: Client, until: str, field: str, message: str
) -> None:
    letter: Letter = LetterFactory(sent_on=dt.date(2010, 9, 10))
    data = post_data(editor_client.get(change_url(letter)))
    data.update({"sent_on": "2010-09-27", "sent_on_precision": "range", "sent_on_until": until})
    response = editor_client.post(change_url(letter), data)
    assert response.status_code == 200
    assert message in " ".join(errors_of(response)[field])
    letter.refresh_from_db()
    assert letter.sent == PartialDate(dt.date(2010, 9, 10))


def test_for_other_precisions_the_last_day_is_worked_out_on_saving(
    editor_client: Client,
) -> None:
    letter: Letter = LetterFactory(sent_on=dt.date(2010, 9, 10))
    data = post_data(editor_client.get(change_url(letter)))
    data.update({"sent_on_precision": "month", "sent_on_until": "2010-09-12"})
    assert editor_client.post(change_url(letter), data).status_code == 302
    assert Letter.objects.values_list("sent_on", "sent_on_until").get() == (
        dt.date(2010, 9, 1),
        dt.date(2010, 9, 30),
    )
