"""The public record of correspondence not tied to one request, and contradictions across
agencies."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.correspondence import (
    LOFGREN_THREAD,
    WEICH_NAPOLITANO,
    WEICH_NAPOLITANO_LABEL,
)
from tests.factories import JurisdictionFactory
from tracker.domain import selectors, services
from tracker.models import CorrespondenceThread, ThreadLetter

pytestmark = pytest.mark.django_db


def test_the_thread_page_shows_the_three_letters_in_date_order(
    record_2010: None, client: Client
) -> None:
    page = client.get(f"/public/threads/{LOFGREN_THREAD}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("27 July 2010") < html.index("7 September 2010") < html.index("8 September")
    assert "Arlington County" in html
    # Internal notes never reach the public.
    assert "last month" not in html
    assert client.get(f"/public/threads/{LOFGREN_THREAD}/print/").status_code == 200
    assert LOFGREN_THREAD in client.get("/public/threads/").content.decode()


def test_a_thread_and_its_letters_cite_their_sources_on_the_page_and_in_the_api(
    record_2010: None, client: Client
) -> None:
    thread = CorrespondenceThread.objects.get(reference=LOFGREN_THREAD)
    seeds = sorted(source.seed for source in thread.sources.all())
    assert seeds  # the fixture cites the seeds
    html = client.get(f"/public/threads/{LOFGREN_THREAD}/").content.decode()
    # The thread's citations, then one list per published letter.
    assert html.count('class="citations"') == 1 + thread.letters.filter(is_public=True).count()
    for seed in seeds:
        assert f"Seed {seed}" in html
    (shown,) = [
        row
        for row in client.get("/api/v1/threads/").json()["results"]
        if row["reference"] == LOFGREN_THREAD
    ]
    assert sorted(source["seed"] for source in shown["sources"]) == seeds
    assert shown["basis"] == "stated" and "basis_display" in shown
    assert all(letter["sources"] for letter in shown["letters"])


def test_each_public_case_page_shows_the_thread(record_2010: None, client: Client) -> None:
    published = selectors.published_jurisdictions()
    assert published.count() >= 3
    for jurisdiction in published:
        page = client.get(f"/public/jurisdictions/{jurisdiction.reference}/")
        html = page.content.decode()
        assert "Correspondence about every jurisdiction" in html
        assert f"/public/threads/{LOFGREN_THREAD}/" in html


def test_an_unpublished_thread_or_letter_stays_hidden(record_2010: None, client: Client) -> None:
    ThreadLetter.objects.filter(reference="2010-09-08-weich-letter").update(is_public=False)
    html = client.get(f"/public/threads/{LOFGREN_THREAD}/").content.decode()
    assert "Reply for the Department of Justice" not in html
    CorrespondenceThread.objects.filter(reference=LOFGREN_THREAD).update(is_public=False)
    assert client.get(f"/public/threads/{LOFGREN_THREAD}/").status_code == 404
    assert LOFGREN_THREAD not in client.get("/public/threads/").content.decode()
    assert (
        LOFGREN_THREAD not in client.get("/public/jurisdictions/ca-san-francisco/").content.decode()
    )


def test_a_thread_names_only_its_published_requests(editor: Any, client: Client) -> None:
    public = services.request_open(
        jurisdiction=JurisdictionFactory(name="Shown County"),
        title="Shown",
        by=editor,
        is_public=True,
    )
    private = services.request_open(
        jurisdiction=JurisdictionFactory(name="Hidden County"), title="Hidden", by=editor
    )
    thread = services.thread_open(
        by=editor, title="Lofgren", requests=[public, private], is_public=True
    )
    html = client.get(f"/public/threads/{thread.reference}/").content.decode()
    assert "Shown County" in html and "Hidden County" not in html


@pytest.mark.parametrize("rows", [5, 50])
def test_the_public_thread_list_needs_one_query(
    rows: int, editor: Any, client: Client, django_assert_num_queries: Any
) -> None:
    for i in range(rows):
        services.thread_open(by=editor, title=f"Thread {i}", is_public=True)
    client.get("/public/threads/")
    # Expect 2 queries: the count, the page of threads (letters counted in it).
    with django_assert_num_queries(2):
        page = client.get("/public/threads/")
    assert len(page.context["page"].object_list) == rows


def test_the_public_contradictions_show_weich_against_the_reversal(
    record_2010: None, client: Client
) -> None:
    html = client.get("/public/statements/contradictions/").content.decode()
    assert f'id="pair-{WEICH_NAPOLITANO}"' in html
    assert WEICH_NAPOLITANO_LABEL in html
    alone = client.get("/public/statements/contradictions/2010-09-08-weich/2010-10-06-napolitano/")
    assert alone.status_code == 200
    assert WEICH_NAPOLITANO_LABEL in alone.content.decode()
    statements = client.get("/public/statements/").content.decode()
    assert WEICH_NAPOLITANO_LABEL in statements
