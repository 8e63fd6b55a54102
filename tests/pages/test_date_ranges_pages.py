"""Dates known as a range of days on the pages: typed, picked, refused and shown."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from core.dates import PartialDate
from jurisdictions.models import Agency
from tests.factories import AgencyFactory, LetterFactory
from tracker.models import Letter, OptOutRequest, Statement

pytestmark = pytest.mark.django_db

WORDS = "between 27 September and 2 October 2010"


@pytest.fixture
def sf(record_2010: None) -> OptOutRequest:
    return OptOutRequest.objects.get(reference="san-francisco-2010")


def letter_input(**extra: str) -> dict[str, str]:
    return {
        "letter-direction": "outgoing",
        "letter-sender": str(Agency.objects.get(reference="sf-sheriff").pk),
        "letter-method": "mail",
        "letter-sent_on": "2010-09-27",
        "letter-subject": "Sent last week",
        **extra,
    }


def test_the_letter_form_takes_a_range_of_days(editor_client: Client, sf: Any) -> None:
    html = editor_client.get(sf.get_absolute_url()).text
    # The "to" box comes right after "known to", which offers the range.
    known_to = html.index('name="letter-sent_known_to"')
    assert '<option value="range">Range of days</option>' in html[known_to:]
    until = html.index('<input type="date" name="letter-sent_until"')
    assert known_to < until < html.index('name="letter-received_on"')
    response = editor_client.post(
        f"/requests/{sf.pk}/letters/",
        letter_input(**{"letter-sent_known_to": "range", "letter-sent_until": "2010-10-02"}),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    letter = Letter.objects.get(subject="Sent last week")
    assert letter.sent == PartialDate.between(dt.date(2010, 9, 27), dt.date(2010, 10, 2))
    assert WORDS in editor_client.get(sf.get_absolute_url()).text


@pytest.mark.parametrize(
    ("until", "message"),
    [
        ("2010-09-20", "The range ends before it starts: 2010-09-20 is before 2010-09-27."),
        ("", "A range of days needs its last day"),
    ],
)
def test_the_letter_form_refuses_a_bad_range(
    editor_client: Client, sf: Any, until: str, message: str
) -> None:
    response = editor_client.post(
        f"/requests/{sf.pk}/letters/",
        letter_input(**{"letter-sent_known_to": "range", "letter-sent_until": until}),
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Letter.objects.filter(subject="Sent last week").exists()


def test_a_typed_range_is_read_and_a_backwards_one_refused(client: Client, editor: Any) -> None:
    ice: Agency = AgencyFactory()
    client.force_login(editor)
    data = {
        "statement-speaker": "Senior ICE official",
        "statement-agency": str(ice.pk),
        "statement-stated_on": "2010-10-02/2010-09-27",
        "statement-medium": "news_report",
        "statement-position": "impossible",
        "statement-quote": "Secure Communities is not based on state or local cooperation.",
        "statement-source_title": "The Washington Post",
    }
    refused = client.post("/statements/", data)
    assert refused.status_code == 400
    assert "The range ends before it starts" in str(refused.context["form"].errors["stated_on"])
    assert not Statement.objects.exists()
    data["statement-stated_on"] = "2010-09-27/2010-10-02"
    assert client.post("/statements/", data).status_code == 302
    statement = Statement.objects.get()
    assert Statement.stated.display(statement) == WORDS
    assert statement.stated_on_until == dt.date(2010, 10, 2)


def test_the_washington_post_statement_shows_the_range_in_words(
    client: Client, viewer: Any, record_2010: None
) -> None:
    public = Client().get("/public/statements/").text
    assert WORDS in public
    client.force_login(viewer)
    staff = client.get("/statements/").text
    assert WORDS in staff
    # HTML's <time> cannot hold a range: the year holding it is its machine value.
    assert f'<time datetime="2010">{WORDS}</time>' in staff
    assert "2010-09-27/2010-10-02" not in staff
    # Listed before the statements of 6 October.
    # (By the statements' own dates: a source cited earlier on the page may be dated
    # 6 October 2010 too.)
    assert staff.index(WORDS) < staff.index('<time datetime="2010-10-06">')
    assert public.index(WORDS) < public.index('id="statement-2010-10-06-')


def test_the_letters_list_shows_a_range_in_words(viewer_client: Client) -> None:
    LetterFactory(sent_on=PartialDate.between(dt.date(2010, 9, 27), dt.date(2010, 10, 2)))
    assert WORDS in viewer_client.get("/letters/").text
