"""Search across requests, letters and replies, on SQLite and on PostgreSQL; the stored
vectors PostgreSQL searches; the public search."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from tests.api.helpers import if_match
from tests.factories import (
    AgencyFactory,
    JurisdictionFactory,
    LetterFactory,
    RequestFactory,
    ResponseFactory,
)
from tracker.domain.selectors import published_search, search, uses_full_text
from tracker.models import AgencyResponse, Letter, OptOutRequest

pytestmark = pytest.mark.django_db


def test_it_finds_letters_by_subject_and_links_to_them_in_their_timeline(
    client: Client, viewer: Any, record_2010: None
) -> None:
    client.force_login(viewer)
    page = client.get("/search/", {"q": "second request"}).text
    sf = OptOutRequest.objects.get(reference="san-francisco-2010")
    letter = sf.letters.get(reference="san-francisco-2010-letter-2")
    assert f'href="{sf.get_absolute_url()}#letter-{letter.pk}"' in page
    assert "Arlington" not in page.split("<h1>Search</h1>")[1]


def test_it_finds_requests_letters_and_replies_by_their_summaries(viewer: Any) -> None:
    request = RequestFactory(title="Plain title", summary="The county board voted on Tuesday.")
    letter = LetterFactory(subject="Fax", summary="Sent after the board voted.")
    reply = ResponseFactory(summary="ICE says the board voted too late.")
    LetterFactory(subject="Unrelated", summary="Nothing to see.")
    results = search("voted")
    assert [x.pk for x in results.requests] == [request.pk]
    assert [x.pk for x in results.letters] == [letter.pk]
    assert [x.pk for x in results.responses] == [reply.pk]


def test_a_blank_search_shows_no_results_and_no_error(client: Client, viewer: Any) -> None:
    client.force_login(viewer)
    response = client.get("/search/", {"q": "   "})
    assert response.status_code == 200
    assert "result" not in response.text.split("<h1>Search</h1>")[1].split("</form>")[1]


def test_the_typed_search_stays_in_the_box(client: Client, viewer: Any) -> None:
    client.force_login(viewer)
    page = client.get("/search/", {"q": "sheriff <b>"}).text
    assert 'value="sheriff &lt;b&gt;"' in page


@pytest.mark.parametrize("rows", [5, 50])
def test_the_search_query_count_does_not_grow_with_rows(
    client: Client, viewer: Any, rows: int, django_assert_num_queries: Any
) -> None:
    for _ in range(rows):
        request = RequestFactory(summary="needle in the request")
        LetterFactory(request=request, summary="needle in the letter")
        ResponseFactory(request=request, summary="needle in the reply")
    client.force_login(viewer)
    # Expect 12 queries: session, user, the user's and the group's permissions, then
    # one for each kind of record (requests, letters, replies, meetings, statements,
    # contacts, agencies, jurisdictions), each with what its line shows, joined, and
    # its snippet (on PostgreSQL made by the same query).
    with django_assert_num_queries(12):
        response = client.get("/search/", {"q": "needle"})
    # At most 10 of each kind on the first page, each with the matched word marked.
    assert response.text.count("<mark>needle</mark> in the") == min(rows, 10) * 3


@pytest.mark.postgres
def test_on_postgresql_it_matches_word_forms_and_ranks_the_best_first(viewer: Any) -> None:
    assert uses_full_text()
    weak = LetterFactory(subject="Other business", summary="Mentions activation once.")
    strong = LetterFactory(subject="Activation", summary="On activating: activation deferred.")
    LetterFactory(subject="Unrelated", summary="Nothing about it.")
    assert [x.pk for x in search("activated").letters] == [strong.pk, weak.pk]
    assert [x.pk for x in search('"activation deferred"').letters] == [strong.pk]
    assert [x.pk for x in search("activation -business").letters] == [strong.pk]


# --- The stored vectors (PostgreSQL) ------------------------------------------------


def _stored_vectors_match_their_fields() -> dict[str, int]:
    """How many rows of each searched table have a stored vector other than the one
    their fields make now (every count should be 0)."""
    from django.contrib.postgres.search import SearchVector
    from django.db.models import F, TextField
    from django.db.models.functions import Cast

    from tracker.domain.selectors import SEARCHED_FIELDS, StoredSearchVector

    stale = {}
    for model, fields in SEARCHED_FIELDS.items():
        # Compared as text: "=" between two vectors would be a full-text match.
        rows = model.objects.annotate(
            stored=Cast(StoredSearchVector(), TextField()),
            fresh=Cast(SearchVector(*fields, config="english"), TextField()),
        )
        stale[model.__name__] = rows.exclude(stored=F("fresh")).count()
    return stale


@pytest.mark.postgres
def test_on_postgresql_every_write_path_keeps_the_stored_vectors_current(
    editor: Any, admin_user: Any
) -> None:
    request = RequestFactory(title="Opened", summary="Through the services.")
    letter = LetterFactory(request=request, subject="Logged", summary="Through the services.")
    reply = ResponseFactory(request=request, letter=letter, summary="Through the services.")
    # Paths that bypass the services and the models' save(): a queryset update and a
    # bulk insert (the national dataset's loader uses both).
    Letter.objects.filter(pk=letter.pk).update(subject="Bulk updated")
    Letter.objects.bulk_create(
        [
            Letter(
                request=request,
                direction=letter.direction,
                sender=letter.sender,
                method=letter.method,
                subject="Bulk inserted",
                reference="bulk-inserted",
            )
        ]
    )
    AgencyResponse.objects.filter(pk=reply.pk).update(summary="Updated in bulk.")
    OptOutRequest.objects.filter(pk=request.pk).update(title="Renamed in bulk")
    assert _stored_vectors_match_their_fields() == {
        "OptOutRequest": 0,
        "Letter": 0,
        "AgencyResponse": 0,
        "Meeting": 0,
        "Statement": 0,
        "Contact": 0,
        "Agency": 0,
        "Jurisdiction": 0,
    }
    assert [x.pk for x in search("inserted").letters] == [
        Letter.objects.get(reference="bulk-inserted").pk
    ]
    assert not search("logged").letters  # the old subject is forgotten


@pytest.mark.postgres
def test_on_postgresql_a_letter_edited_in_the_admin_is_found_by_its_new_words(
    editor_client: Client,
) -> None:
    from tests.admin.helpers import change_url, post_data

    letter = LetterFactory(subject="Before the edit", summary="Nothing yet.")
    url = change_url(letter)
    data = post_data(editor_client.get(url))
    data["summary"] = "The sheriff's reconsideration."
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert [x.pk for x in search("reconsideration").letters] == [letter.pk]
    assert _stored_vectors_match_their_fields()["Letter"] == 0


@pytest.mark.postgres
def test_on_postgresql_records_written_through_the_api_are_found(api: Any) -> None:
    request = RequestFactory(title="Plain", summary="Plain.")
    reply = ResponseFactory(request=request, summary="Plain.")
    response = api.patch(
        f"/api/v1/requests/{request.pk}/",
        {"summary": "Moratorium sought."},
        format="json",
        **if_match(request),
    )
    assert response.status_code == 200, response.json()
    response = api.patch(
        f"/api/v1/responses/{reply.pk}/",
        {"summary": "No moratorium."},
        format="json",
        **if_match(reply),
    )
    assert response.status_code == 200, response.json()
    found = search("moratorium")
    assert [x.pk for x in found.requests] == [request.pk]
    assert [x.pk for x in found.responses] == [reply.pk]


@pytest.mark.postgres
def test_on_postgresql_the_stored_vectors_rank_as_the_vectors_built_per_search() -> None:
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    texts = [
        ("Activation", "On activating: activation deferred."),
        ("Other business", "Mentions activation once."),
        ("Activation request", "The county asks again."),
        ("Deferred", "Activation, activation, activation."),
        ("Unrelated", "Nothing about it."),
    ]
    for subject, summary in texts:
        LetterFactory(subject=subject, summary=summary)
    for words in ("activation", "activation deferred", '"activation deferred"', "-county act"):
        vector = SearchVector("subject", "summary", config="english")
        query = SearchQuery(words, config="english", search_type="websearch")
        built = (
            Letter.objects.annotate(rank=SearchRank(vector, query))
            .filter(rank__gt=0)
            .alias(document=vector)
            .filter(document=query)
            .order_by("-rank", "pk")
        )
        assert [x.pk for x in search(words).letters] == [x.pk for x in built], words


# --- The public search ---------------------------------------------------------------


def test_the_public_search_finds_part_of_a_word_in_published_records_only() -> None:
    shown = RequestFactory(is_public=True, summary="Sheriff Hennessey asked in writing.")
    RequestFactory(summary="Sheriff Hennessey, unpublished.")
    found = published_search("hennes")
    assert [x.pk for x in found.requests] == [shown.pk]


def test_the_public_search_finds_requests_by_title_or_place_in_the_listing_order() -> None:
    by_place = RequestFactory(
        is_public=True,
        title="First",
        jurisdiction=JurisdictionFactory(name="Needle County", state="AL", fips="01001"),
    )
    by_title = [
        RequestFactory(
            is_public=True,
            title="Needle request",
            jurisdiction=JurisdictionFactory(state="CA", fips=f"0600{n}"),
        )
        for n in range(2)
    ]
    RequestFactory(is_public=True, title="Haystack")
    assert [x.pk for x in published_search("needle").requests] == [
        by_place.pk,
        *(x.pk for x in by_title),
    ]
    # The first ones in the listing order, whichever field matched.
    assert [x.pk for x in published_search("needle", limit=2).requests] == [
        by_place.pk,
        by_title[0].pk,
    ]


def test_the_public_search_finds_replies_by_their_agency_in_date_order() -> None:
    request = RequestFactory(is_public=True)
    office = AgencyFactory(name="Needle program office")
    late = ResponseFactory(request=request, is_public=True, agency=office, summary="Later.")
    early = ResponseFactory(request=request, is_public=True, summary="A needle, earlier.")
    AgencyResponse.objects.filter(pk=late.pk).update(responded_on=dt.date(2010, 10, 1))
    AgencyResponse.objects.filter(pk=early.pk).update(responded_on=dt.date(2010, 9, 1))
    assert [x.pk for x in published_search("needle").responses] == [early.pk, late.pk]
    assert [x.pk for x in published_search("needle", limit=1).responses] == [early.pk]
