"""Dates known as a range of days through the API: the ISO 8601 interval
``2010-09-27/2010-10-02`` ("last week" in a report of 6 October 2010)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from rest_framework.test import APIClient

from core.dates import PartialDate
from jurisdictions.models import Agency
from tests.api.conftest import ids
from tests.api.helpers import if_match
from tests.factories import AgencyFactory, LetterFactory
from tracker.domain import services
from tracker.models import Letter, OptOutRequest

pytestmark = pytest.mark.django_db

LAST_WEEK = "2010-09-27/2010-10-02"


def test_a_letter_sent_within_a_range_is_written_read_and_due_from_its_last_day(
    api: APIClient, optout: OptOutRequest, sheriff: Agency
) -> None:
    ice: Agency = AgencyFactory()
    response = api.post(
        "/api/v1/letters/",
        {
            "request": optout.pk,
            "sender": sheriff.pk,
            "recipients": [ice.pk],
            "subject": "Notice",
            "sent_on": LAST_WEEK,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["sent_on"] == LAST_WEEK
    # Thirty days from 2 October, the latest day it may have been sent.
    assert body["due_on"] == "2010-11-01"
    letter = Letter.objects.get(pk=body["id"])
    assert (letter.sent_on, letter.sent_on_precision, letter.sent_on_until) == (
        dt.date(2010, 9, 27),
        "range",
        dt.date(2010, 10, 2),
    )
    assert api.get(f"/api/v1/letters/{letter.pk}/").json()["sent_on"] == LAST_WEEK


@pytest.mark.parametrize(
    ("sent", "message"),
    [
        ("2010-10-02/2010-09-27", "The range ends before it starts"),
        ("2010-09/2010-10-02", "is not a range of days"),
        ("2010-09-27/2010-02-30", "is not a real date"),
        ("2010-09-27/2101-01-02", "out of range"),
    ],
)
def test_a_bad_range_is_a_400_on_the_field_and_nothing_changes(
    api: APIClient, optout: OptOutRequest, sheriff: Agency, sent: str, message: str
) -> None:
    letter = services.letter_log(
        request=optout,
        by=None,
        sender=sheriff,
        subject="Letter",
        sent_on=PartialDate.parse("2010-09-07"),
    )
    response = api.patch(
        f"/api/v1/letters/{letter.pk}/", {"sent_on": sent}, format="json", **if_match(letter)
    )
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert message in str(errors["sent_on"])
    letter.refresh_from_db()
    assert letter.sent == PartialDate(dt.date(2010, 9, 7))


def test_the_date_filters_list_a_date_that_may_fall_in_the_window(reader: APIClient) -> None:
    ranged: Letter = LetterFactory(sent_on=PartialDate.parse(LAST_WEEK))
    day: Letter = LetterFactory(sent_on=dt.date(2010, 9, 20))

    def listed(**params: str) -> list[int]:
        return sorted(ids(reader.get("/api/v1/letters/", {**params, "ordering": "id"})))

    # Its last day, 2 October, is on or after 1 October; its first, 27 September, is
    # on or before 27 September.
    assert listed(sent_on_after="2010-10-01") == [ranged.pk]
    assert listed(sent_on_after="2010-10-03") == []
    assert listed(sent_on_before="2010-09-26") == [day.pk]
    assert listed(sent_on_before="2010-09-27") == sorted([ranged.pk, day.pk])
    assert listed(sent_on_after="2010-09-28", sent_on_before="2010-09-29") == [ranged.pk]


def test_the_washington_post_statement_reads_as_an_interval(
    reader: APIClient, record_2010: None
) -> None:
    results = reader.get("/api/v1/statements/", {"page_size": 100}).json()["results"]
    by_speaker = {item["speaker"]: item for item in results}
    assert by_speaker["Senior ICE official (anonymous)"]["stated_on"] == LAST_WEEK
    public = APIClient().get("/api/v1/statements/", {"page_size": 100}).json()["results"]
    stated = {item["stated"]["date"]: item["stated"]["date_display"] for item in public}
    assert stated[LAST_WEEK] == "between 27 September and 2 October 2010"


def test_the_schema_describes_the_interval(reader: APIClient) -> None:
    schema: dict[str, Any] = (
        APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    )
    sent_on = schema["components"]["schemas"]["Letter"]["properties"]["sent_on"]
    assert "YYYY-MM-DD/YYYY-MM-DD" in sent_on["description"]
    pattern = re.compile(sent_on["pattern"])
    for good in ("2010", "2010-09", "2010-09-07", LAST_WEEK):
        assert pattern.fullmatch(good), good
    for bad in ("2010-09/2010-10", "2010-09-27/", "27/09/2010"):
        assert not pattern.fullmatch(bad), bad
