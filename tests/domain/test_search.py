"""Search across requests, letters and replies, on SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.factories import LetterFactory, RequestFactory, ResponseFactory
from tracker.domain.selectors import search, uses_full_text
from tracker.models import OptOutRequest

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
    # Expect 7 queries: session, user, the user's and the group's permissions,
    # requests, letters, replies (each with what its line shows, joined).
    with django_assert_num_queries(7):
        response = client.get("/search/", {"q": "needle"})
    assert response.text.count("needle in the") == rows * 2


@pytest.mark.postgres
def test_on_postgresql_it_matches_word_forms_and_ranks_the_best_first(viewer: Any) -> None:
    assert uses_full_text()
    weak = LetterFactory(subject="Other business", summary="Mentions activation once.")
    strong = LetterFactory(subject="Activation", summary="On activating: activation deferred.")
    LetterFactory(subject="Unrelated", summary="Nothing about it.")
    assert [x.pk for x in search("activated").letters] == [strong.pk, weak.pk]
    assert [x.pk for x in search('"activation deferred"').letters] == [strong.pk]
    assert [x.pk for x in search("activation -business").letters] == [strong.pk]
