"""Keeping a copy in sync: ``updated_after``, ``ordering=updated_at``, ETags and 304."""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from core.records import record_delete
from core.tokens import api_token_create
from jurisdictions.models import Agency, Contact, Jurisdiction
from tests.api.conftest import ids
from tests.api.helpers import if_match
from tests.factories import ContactFactory, MeetingFactory, ResponseFactory, StatementFactory
from tracker.models import AgencyResponse, Letter, Meeting, OptOutRequest, Statement, Transition

pytestmark = pytest.mark.django_db

LISTS = {
    "jurisdictions": Jurisdiction,
    "agencies": Agency,
    "contacts": Contact,
    "requests": OptOutRequest,
    "letters": Letter,
    "responses": AgencyResponse,
    "meetings": Meeting,
    "statements": Statement,
}
LONG_AGO = dt.datetime(2001, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def records(cases: dict[str, Any], editor: Any) -> dict[str, Any]:
    """The filter cases, with at least two records of every resource."""
    ContactFactory.create_batch(2)
    for _ in range(2):
        MeetingFactory(request=cases["sf"], by=editor)
        StatementFactory(agency=cases["ice"], by=editor)
    ResponseFactory(request=cases["sf"], agency=cases["ice"], by=editor)
    return cases


def _age_everything() -> None:
    """Every record last changed in 2001, so a change made now stands out."""
    for model in LISTS.values():
        model.objects.update(updated_at=LONG_AGO)
    Transition.objects.update(at=LONG_AGO)


# --- updated_after ------------------------------------------------------------------------


@pytest.mark.parametrize("resource", sorted(LISTS))
def test_updated_after_keeps_what_changed_at_or_after_the_moment(
    reader: APIClient, records: dict[str, Any], resource: str
) -> None:
    model = LISTS[resource]
    _age_everything()
    changed = model.objects.order_by("pk").first()
    assert changed is not None
    moment = timezone.now().replace(microsecond=0)
    model.objects.filter(pk=changed.pk).update(updated_at=moment)
    url = f"/api/v1/{resource}/?updated_after="
    assert ids(reader.get(url + moment.isoformat().replace("+", "%2B"))) == [changed.pk]
    assert ids(reader.get(url + "2030-01-01T00:00:00Z")) == []
    everything = ids(reader.get(url + "2000-01-01T00:00:00Z&page_size=200"))
    assert len(everything) == model.objects.count()


def test_updated_after_on_the_status_log_is_the_moment_of_the_entry(
    reader: APIClient, cases: dict[str, Any]
) -> None:
    _age_everything()
    entry = Transition.objects.order_by("pk").last()
    assert entry is not None
    Transition.objects.filter(pk=entry.pk).update(at=dt.datetime(2010, 9, 28, tzinfo=dt.UTC))
    assert ids(reader.get("/api/v1/transitions/?updated_after=2010-01-01T00:00:00Z")) == [entry.pk]


@pytest.mark.parametrize(
    "moment",
    [
        "2010-09-28",
        "2010-09-28T14:30:00",
        "2010-02-30T00:00:00Z",
        "yesterday",
        "2010-09-28 14:30:00Z",
        "1285684200",
    ],
)
def test_updated_after_takes_only_a_full_moment_with_its_zone(
    reader: APIClient, cases: dict[str, Any], moment: str
) -> None:
    response = reader.get("/api/v1/letters/", {"updated_after": moment})
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == ["updated_after"]


def test_the_public_record_offers_no_updated_after(client: Any, cases: dict[str, Any]) -> None:
    response = client.get("/api/v1/requests/?updated_after=2010-01-01T00:00:00Z")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["updated_after"]


# --- ordering=updated_at -------------------------------------------------------------------


@pytest.mark.parametrize("resource", [*sorted(LISTS), "transitions"])
def test_every_list_orders_by_updated_at_either_way(
    reader: APIClient, records: dict[str, Any], resource: str
) -> None:
    model: Any = LISTS.get(resource, Transition)
    field = "at" if model is Transition else "updated_at"
    rows = list(model.objects.order_by("pk"))
    assert len(rows) >= 2
    # The first row made is the last changed.
    for age, row in enumerate(rows):
        model.objects.filter(pk=row.pk).update(**{field: LONG_AGO - dt.timedelta(days=age)})
    oldest_first = [row.pk for row in reversed(rows)]
    assert ids(reader.get(f"/api/v1/{resource}/?ordering=updated_at")) == oldest_first
    assert ids(reader.get(f"/api/v1/{resource}/?ordering=-updated_at")) == oldest_first[::-1]


# --- ETags and 304 -------------------------------------------------------------------------


def test_a_record_answers_304_while_it_is_unchanged(api: APIClient, cases: dict[str, Any]) -> None:
    url = f"/api/v1/agencies/{cases['ice'].pk}/"
    first = api.get(url)
    tag = first["ETag"]
    assert tag == f'"{cases["ice"].version}"'
    again = api.get(url, HTTP_IF_NONE_MATCH=tag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == tag
    assert api.get(url, HTTP_IF_NONE_MATCH='"0", W/' + tag).status_code == 304
    changed = api.patch(url, {"notes": "Changed."}, format="json", **if_match(cases["ice"]))
    assert changed.status_code == 200, changed.content
    after = api.get(url, HTTP_IF_NONE_MATCH=tag)
    assert after.status_code == 200
    assert after["ETag"] != tag


def test_requests_and_letters_always_answer_in_full(
    reader: APIClient, cases: dict[str, Any]
) -> None:
    for url in (f"/api/v1/requests/{cases['sf'].pk}/", f"/api/v1/letters/{cases['sf_letter'].pk}/"):
        tag = reader.get(url)["ETag"]
        response = reader.get(url, HTTP_IF_NONE_MATCH=tag)
        assert response.status_code == 200
        assert response.json()["id"]


@pytest.mark.parametrize("resource", [*sorted(LISTS), "transitions"])
def test_a_list_page_answers_304_while_nothing_on_it_changed(
    reader: APIClient, records: dict[str, Any], resource: str
) -> None:
    url = f"/api/v1/{resource}/"
    first = reader.get(url)
    tag = first["ETag"]
    assert tag.startswith('W/"')
    again = reader.get(url, HTTP_IF_NONE_MATCH=tag)
    assert (again.status_code, again.content) == (304, b"")
    # Another page is another answer.
    assert reader.get(url + "?page_size=1", HTTP_IF_NONE_MATCH=tag).status_code == 200


def test_a_list_etag_changes_when_a_row_or_a_flag_changes(
    api: APIClient, cases: dict[str, Any]
) -> None:
    url = "/api/v1/letters/?ordering=id"
    tag = api.get(url)["ETag"]
    letter = cases["sc_letter"]
    api.patch(
        f"/api/v1/letters/{letter.pk}/", {"summary": "New."}, format="json", **if_match(letter)
    )
    changed = api.get(url, HTTP_IF_NONE_MATCH=tag)
    assert changed.status_code == 200
    assert changed["ETag"] != tag


def test_a_304_costs_no_more_queries_than_the_page_whatever_its_size(
    reader: APIClient, cases: dict[str, Any]
) -> None:
    counts = []
    for size in (1, 3):
        url = f"/api/v1/requests/?page_size={size}"
        tag = reader.get(url)["ETag"]
        with CaptureQueriesContext(connection) as full:
            assert reader.get(url).status_code == 200
        with CaptureQueriesContext(connection) as unchanged:
            assert reader.get(url, HTTP_IF_NONE_MATCH=tag).status_code == 304
        assert len(unchanged) == len(full)
        counts.append(len(full))
    assert counts[0] == counts[1]


# --- The worked example in docs/api.md ---------------------------------------------------


def _sync_example() -> str:
    text = (Path(__file__).parents[2] / "docs" / "api.md").read_text()
    found = re.search(
        r"<!-- sync-example -->\n```python\n(.*?)```\n<!-- /sync-example -->", text, re.S
    )
    assert found, "docs/api.md has no sync example"
    return found.group(1)


@pytest.mark.django_db(transaction=True)
def test_the_sync_example_in_the_docs_runs(
    live_server: Any, editor: Any, cases: dict[str, Any]
) -> None:
    _token, secret = api_token_create(user=editor, name="sync example")
    agency = cases["ice"]
    code = _sync_example().replace("/agencies/2/", f"/agencies/{agency.pk}/")
    scope: dict[str, Any] = {"API": f"{live_server.url}/api/v1", "TOKEN": secret}
    exec(compile(code, "docs/api.md", "exec"), scope)
    assert set(scope["copy"]) == set(Letter.objects.values_list("pk", flat=True))
    assert scope["status"] == 304
    # A letter changed later is what the next sync brings.
    letter = cases["sf_letter"]
    Letter.objects.filter(pk=letter.pk).update(summary="Changed.", updated_at=timezone.now())
    copy: dict[int, Any] = {}
    since = scope["sync"](copy, scope["since"])
    assert letter.pk in copy and copy[letter.pk]["summary"] == "Changed."
    assert dt.datetime.fromisoformat(since) >= dt.datetime.fromisoformat(scope["since"])
    # A letter deleted later is in the deletions the example reads.
    gone = cases["sf_letter"]
    gone_id = gone.pk
    record_delete(gone, by=editor)
    query = urllib.parse.urlencode({"since": since})
    _, feed, _ = scope["read"](f"{scope['API']}/deletions/?{query}")
    assert {"resource": "letters", "id": gone_id} in [
        {"resource": row["resource"], "id": row["id"]} for row in feed["results"]
    ]


@pytest.mark.parametrize(
    ("moment", "status"),
    [
        # Python reads offsets up to 23:59; PostgreSQL compares only up to 15:59.
        ("7694-10-13T21:25:18+19:43", 200),
        ("2010-09-28T14:30:00-23:59", 200),
        # Past the last moment Python can hold once in UTC.
        ("9999-12-31T23:59:59-23:59", 400),
        ("0001-01-01T00:00:00+23:59", 400),
    ],
)
def test_updated_after_takes_any_offset_and_refuses_what_cannot_be_held(
    reader: APIClient, cases: dict[str, Any], moment: str, status: int
) -> None:
    response = reader.get("/api/v1/letters/", {"updated_after": moment})
    assert response.status_code == status, response.content
    if status == 400:
        assert list(response.json()["errors"]) == ["updated_after"]
