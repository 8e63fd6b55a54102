"""The public pages: readable without signing in, and nothing unpublished ever shows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from jurisdictions.models import Jurisdiction
from tests.factories import (
    AgencyFactory,
    ContactFactory,
    JurisdictionFactory,
    LetterFactory,
    MeetingFactory,
    RequestFactory,
    ResponseFactory,
    StatementFactory,
)
from tracker.models import CorrespondenceThread, OptOutRequest, ThreadLetter, Transition

pytestmark = pytest.mark.django_db

SECRET = "confidentialmarker"


@pytest.fixture
def shown() -> OptOutRequest:
    """A published request whose every item has an unpublished twin and private details.

    Every private value contains SECRET, so one search of a page's HTML finds any leak.
    """
    jurisdiction = JurisdictionFactory(name="Shown County", notes=f"{SECRET} jurisdiction notes")
    contact = ContactFactory(
        name="Michael Hennessey",
        email=f"{SECRET}@example.org",
        phone=f"{SECRET}-phone",
        address=f"{SECRET} address",
        notes=f"{SECRET} contact notes",
    )
    request = RequestFactory(
        jurisdiction=jurisdiction,
        is_public=True,
        title="Shown request",
        notes=f"{SECRET} request notes",
        requested_by=contact,
    )
    letter = LetterFactory(
        request=request,
        is_public=True,
        subject="Shown letter",
        notes=f"{SECRET} letter notes",
        sender_contact=contact,
    )
    hidden_letter = LetterFactory(request=request, subject=f"{SECRET} unpublished letter")
    ResponseFactory(
        request=request, letter=letter, is_public=True, summary="Shown reply", notes=SECRET
    )
    ResponseFactory(request=request, letter=hidden_letter, is_public=True, summary="Shown too")
    ResponseFactory(request=request, summary=f"{SECRET} unpublished reply")
    MeetingFactory(request=request, is_public=True, outcome="Shown meeting", notes=SECRET)
    MeetingFactory(request=request, outcome=f"{SECRET} unpublished meeting")
    Transition.objects.create(
        request=request, from_state="draft", to_state="notice_sent", note=SECRET
    )
    Transition.objects.create(request=request, from_state="notice_sent", to_state="withdrawn")
    # A published letter of an unpublished request, in the same jurisdiction.
    hidden_request = RequestFactory(
        jurisdiction=jurisdiction, title=f"{SECRET} unpublished request"
    )
    LetterFactory(request=hidden_request, is_public=True, subject=f"{SECRET} orphan letter")
    MeetingFactory(request=hidden_request, is_public=True, outcome=f"{SECRET} orphan meeting")
    # A jurisdiction with nothing published.
    RequestFactory(
        jurisdiction=JurisdictionFactory(name=f"{SECRET} County"), title=f"{SECRET} elsewhere"
    )
    agency = AgencyFactory(name="Department")
    StatementFactory(
        agency=agency,
        is_public=True,
        quote="We said yes.",
        position="possible",
        reference="said-yes",
    )
    StatementFactory(
        agency=agency,
        is_public=True,
        reference="said-no",
        quote="We said no.",
        position="impossible",
        stated_on=dt.date(2010, 10, 6),
        notes=SECRET,
    )
    StatementFactory(
        agency=agency,
        quote=f"{SECRET} unpublished statement",
        position="impossible",
        reference="said-privately",
    )
    return request


def public_urls(request: OptOutRequest) -> list[str]:
    reference = request.jurisdiction.reference
    return [
        reverse("public-index"),
        reverse("public-jurisdiction", args=[reference]),
        reverse("public-jurisdiction-print", args=[reference]),
        reverse("public-statements"),
        reverse("public-statements-print"),
        reverse("public-contradictions"),
        reverse("public-contradictions-print"),
        reverse("public-contradiction", args=["said-yes", "said-no"]),
        reverse("public-contradiction-print", args=["said-yes", "said-no"]),
        reverse("public-search") + "?q=" + SECRET,
        reverse("public-search") + "?q=shown",
        reverse("public-search") + "?q=unpublished",
    ]


def test_every_public_page_opens_without_signing_in_and_never_leaks(
    client: Client, shown: OptOutRequest
) -> None:
    for url in public_urls(shown):
        response = client.get(url)
        assert response.status_code == 200, url
        # The search page repeats the search text back; nothing else may contain it.
        shown_text = response.text.replace(f'value="{SECRET}"', "").replace(f"“{SECRET}”", "")
        assert SECRET not in shown_text.lower(), url
        assert "default-src 'self'" in response["Content-Security-Policy"]


def test_signed_in_staff_see_only_the_published_record_on_the_public_pages(
    client: Client, editor: Any, shown: OptOutRequest
) -> None:
    client.force_login(editor)
    for url in public_urls(shown)[:7]:
        assert SECRET not in client.get(url).text.lower(), url


def test_the_timeline_shows_published_items_of_published_requests(
    client: Client, shown: OptOutRequest
) -> None:
    page = client.get(reverse("public-jurisdiction", args=[shown.jurisdiction.reference])).text
    for published in ("Shown request", "Shown letter", "Shown reply", "Shown too", "Shown meeting"):
        assert published in page
    assert "Status set to Notice sent (was Draft)" in page
    # Every status change of a published request is public, as its status is.
    assert "Status set to Withdrawn (was Notice sent)" in page
    assert "Michael Hennessey" in page


def test_the_index_lists_only_jurisdictions_with_a_published_request(
    client: Client, shown: OptOutRequest
) -> None:
    page = client.get(reverse("public-index")).text
    assert "Shown County" in page
    assert reverse("public-jurisdiction", args=[shown.jurisdiction.reference]) in page


def test_the_index_shows_a_page_of_jurisdictions_and_each_state_with_its_count(
    client: Client,
) -> None:
    for _ in range(101):
        RequestFactory(is_public=True)
    oregon = JurisdictionFactory(name="Multnomah County", state="OR", fips="41051")
    RequestFactory(jurisdiction=oregon, is_public=True)
    RequestFactory(jurisdiction=JurisdictionFactory(state="WA", fips="53033"))
    page = client.get(reverse("public-index")).text
    assert page.count('href="/public/jurisdictions/') == 100
    assert '<a href="?state=CA">California</a> (101)' in page
    assert '<a href="?state=OR">Oregon</a> (1)' in page
    assert "Washington" not in page  # nothing published there
    assert "Page 1 of 2" in page
    last = client.get(reverse("public-index"), {"page": 2}).text
    assert last.count('href="/public/jurisdictions/') == 2
    assert "Multnomah County" in last


def test_the_index_lists_one_state_and_keeps_it_across_pages(client: Client) -> None:
    for _ in range(101):
        RequestFactory(is_public=True)
    RequestFactory(
        jurisdiction=JurisdictionFactory(name="Multnomah County", state="OR", fips="41051"),
        is_public=True,
    )
    page = client.get(reverse("public-index"), {"state": "ca"}).text
    assert page.count('href="/public/jurisdictions/') == 100
    assert "Multnomah County" not in page
    assert 'href="?state=CA&amp;page=2"' in page
    assert "in California (101)" in page
    oregon = client.get(reverse("public-index"), {"state": "OR"}).text
    assert oregon.count('href="/public/jurisdictions/') == 1
    assert "Multnomah County" in oregon


@pytest.mark.parametrize("state", ["WA", "ZZ", "<b>"])
def test_the_index_of_a_state_with_nothing_published_is_not_found(
    client: Client, state: str
) -> None:
    RequestFactory(is_public=True)
    RequestFactory(jurisdiction=JurisdictionFactory(state="WA", fips="53033"))
    assert client.get(reverse("public-index"), {"state": state}).status_code == 404


def test_a_jurisdiction_with_nothing_published_is_not_found(client: Client) -> None:
    hidden = RequestFactory(is_public=False).jurisdiction
    assert client.get(reverse("public-jurisdiction", args=[hidden.reference])).status_code == 404
    assert client.get(reverse("public-jurisdiction", args=["no-such-place"])).status_code == 404


def test_searching_for_unpublished_words_finds_nothing(
    client: Client, shown: OptOutRequest
) -> None:
    page = client.get(reverse("public-search"), {"q": SECRET}).text
    assert "0 results" in page


def test_search_finds_published_items_and_links_to_their_page(
    client: Client, shown: OptOutRequest
) -> None:
    page = client.get(reverse("public-search"), {"q": "shown letter"}).text
    assert "Shown letter" in page
    assert reverse("public-jurisdiction", args=[shown.jurisdiction.reference]) in page


def test_the_public_pages_refuse_writes(client: Client, shown: OptOutRequest) -> None:
    assert client.post(reverse("public-index")).status_code == 405


def test_the_printable_pages_have_no_navigation_and_name_their_address(
    client: Client, shown: OptOutRequest
) -> None:
    page = client.get(reverse("public-contradictions-print")).text
    assert 'aria-label="Public record"' not in page
    assert "Printed from http://testserver/public/statements/contradictions/print/" in page
    assert "We said yes." in page and "We said no." in page


def test_the_2010_contradictions_page_shows_the_7_september_and_6_october_pair(
    client: Client, record_2010: None
) -> None:
    page = client.get(reverse("public-contradictions")).text
    assert 'id="pair-2010-09-07-napolitano--2010-10-06-napolitano"' in page
    assert "7 September 2010" in page and "6 October 2010" in page
    assert "29 days apart" in page
    # Internal notes of the fixtures never show.
    assert "Quoted as printed in seed 000" not in page


def test_the_2010_timeline_of_san_francisco_shows_its_letters_without_private_notes(
    client: Client, record_2010: None
) -> None:
    page = client.get(reverse("public-jurisdiction", args=["ca-san-francisco"])).text
    assert "Second request to opt out" in page
    assert "Meeting (planned)" in page
    assert "The seed names neither the recipients nor the method." not in page


def test_one_pair_has_its_own_page_and_only_a_published_contradiction_has_one(
    client: Client, shown: OptOutRequest
) -> None:
    page = client.get(reverse("public-contradiction", args=["said-yes", "said-no"])).text
    assert "We said yes." in page and "We said no." in page
    # Given in either order, the page shows the earlier statement first.
    reversed_page = client.get(reverse("public-contradiction", args=["said-no", "said-yes"])).text
    assert reversed_page.index("We said yes.") < reversed_page.index("We said no.")
    unpublished = reverse("public-contradiction", args=["said-yes", "said-privately"])
    assert client.get(unpublished).status_code == 404
    same_position = StatementFactory(is_public=True, position="possible", reference="also-yes")
    agreeing = reverse("public-contradiction", args=["said-yes", same_position.reference])
    assert client.get(agreeing).status_code == 404


def test_a_long_list_of_pairs_is_split_into_pages(client: Client) -> None:
    agency = AgencyFactory()
    for n in range(16):
        StatementFactory(
            agency=agency,
            is_public=True,
            position="impossible" if n % 2 else "possible",
            stated_on=dt.date(2010, 1, 1) + dt.timedelta(days=n),
        )
    first = client.get(reverse("public-contradictions")).text
    assert "64 pairs, 1 to 50 on this page." in first
    second = client.get(reverse("public-contradictions"), {"page": 2}).text
    assert second.count('class="contradiction"') == 14
    statements_page = client.get(reverse("public-statements")).text
    assert "All 64 contradictions" in statements_page


# --- Pinned query counts ---------------------------------------------------------


@pytest.mark.parametrize("rows", [5, 120])
def test_the_index_takes_two_queries_for_5_and_120_jurisdictions(
    client: Client, rows: int, django_assert_num_queries: Any
) -> None:
    for _ in range(rows):
        RequestFactory(is_public=True)
    # Expect 2 queries: the states with their counts (which also count the pages), and
    # one page of jurisdictions with their count of published requests.
    with django_assert_num_queries(2):
        response = client.get(reverse("public-index"))
    assert response.text.count('href="/public/jurisdictions/') == min(rows, 100)


@pytest.mark.parametrize("rows", [5, 50])
def test_the_timeline_page_takes_the_same_queries_for_5_and_50_items(
    client: Client, rows: int, django_assert_num_queries: Any
) -> None:
    jurisdiction: Jurisdiction = JurisdictionFactory()
    request = RequestFactory(jurisdiction=jurisdiction, is_public=True)
    agency = AgencyFactory()
    for _ in range(rows):
        letter = LetterFactory(request=request, is_public=True, recipients=[agency])
        ResponseFactory(request=request, letter=letter, agency=agency, is_public=True)
        MeetingFactory(request=request, is_public=True)
        thread = CorrespondenceThread.objects.create(title="Lofgren", is_public=True)
        thread.requests.set([request.pk])
        ThreadLetter.objects.create(
            thread=thread, sender="s", recipients="r", subject="x", is_public=True
        )
    # Expect 17 queries: the jurisdiction, its published requests, their sources,
    # letters, their recipients, their addressees, their sources, responses, their
    # sources, meetings, their agencies, their attendees, their sources, status
    # changes, the published events concerning it, the published threads linked to its
    # published requests, their published letters.
    with django_assert_num_queries(17):
        response = client.get(reverse("public-jurisdiction", args=[jurisdiction.reference]))
    assert response.text.count('class="entry entry-letter"') == rows


@pytest.mark.parametrize("rows", [5, 50])
@pytest.mark.parametrize("name", ["public-statements", "public-contradictions"])
def test_the_statement_pages_take_the_same_queries_for_5_and_50_statements(
    client: Client, rows: int, name: str, django_assert_num_queries: Any
) -> None:
    department = AgencyFactory(name="Department")
    component = AgencyFactory(name="Component", parent=department)
    for n in range(rows):
        StatementFactory(
            agency=component if n % 2 else department,
            position="impossible" if n % 2 else "possible",
            stated_on=dt.date(2010, 1, 1) + dt.timedelta(days=n),
            is_public=True,
        )
    # Expect 2 queries: published statements with their agencies, and their sources;
    # every agency's parent is among them, so the agency tree needs no further query.
    with django_assert_num_queries(2):
        response = client.get(reverse(name))
    pairs = (rows // 2) * ((rows + 1) // 2)
    shown_at_most = {"public-statements": 10, "public-contradictions": 50}[name]
    assert response.text.count('class="contradiction"') == min(pairs, shown_at_most)


@pytest.mark.parametrize("rows", [5, 50])
def test_search_takes_five_queries_for_5_and_50_hits(
    client: Client, rows: int, django_assert_num_queries: Any
) -> None:
    request = RequestFactory(is_public=True, title="Needle request")
    for _ in range(rows):
        LetterFactory(request=request, is_public=True, subject="Needle letter")
        StatementFactory(is_public=True, quote="A needle")
    # Expect 5 queries: requests, letters, responses, meetings, statements.
    with django_assert_num_queries(5):
        response = client.get(reverse("public-search"), {"q": "needle"})
    assert response.text.count('class="hit ') == 1 + 2 * rows
