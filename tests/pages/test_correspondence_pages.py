"""The staff pages of correspondence not tied to one request, and the cases that show it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from jurisdictions.models import Agency
from tests.correspondence import (
    LOFGREN_THREAD,
    WEICH_NAPOLITANO,
    WEICH_NAPOLITANO_LABEL,
)
from tests.factories import AgencyFactory, JurisdictionFactory, StatementFactory
from tracker.domain import services
from tracker.models import CorrespondenceThread, OptOutRequest, Statement, ThreadLetter

pytestmark = pytest.mark.django_db


def test_every_case_page_of_2010_shows_the_lofgren_thread(
    record_2010: None, viewer_client: Client
) -> None:
    thread = CorrespondenceThread.objects.get(reference=LOFGREN_THREAD)
    for optout in OptOutRequest.objects.all():
        page = viewer_client.get(optout.get_absolute_url())
        assert page.status_code == 200
        html = page.content.decode()
        assert "Correspondence about every jurisdiction" in html
        assert f'href="/threads/{thread.pk}/"' in html
        assert "8 September 2010" in html and "Assistant Attorney General Ronald Weich" in html


def test_the_thread_page_lists_its_letters_and_requests(
    record_2010: None, viewer_client: Client
) -> None:
    thread = CorrespondenceThread.objects.get(reference=LOFGREN_THREAD)
    page = viewer_client.get(f"/threads/{thread.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("27 July 2010") < html.index("7 September 2010") < html.index("8 September")
    assert "Arlington County" in html and "District of Columbia" in html
    # Internal notes are for staff: shown here, with the discrepancy between the seeds.
    assert "last month" in html
    assert page.context["form"] is None  # a viewer logs nothing


def test_an_editor_opens_a_thread_linked_to_requests_by_reference(
    editor_client: Client, editor: Any
) -> None:
    first = services.request_open(jurisdiction=JurisdictionFactory(), title="A", by=editor)
    second = services.request_open(jurisdiction=JurisdictionFactory(), title="B", by=editor)
    answer = editor_client.post(
        "/threads/",
        {
            "thread-title": "Rep. Lofgren asks",
            "thread-requests": f"{first.reference}, {second.reference}",
        },
    )
    thread = CorrespondenceThread.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/threads/{thread.pk}/"
    assert set(thread.requests.all()) == {first, second}


def test_an_unknown_reference_is_a_form_error_and_nothing_is_saved(editor_client: Client) -> None:
    answer = editor_client.post(
        "/threads/", {"thread-title": "Lofgren", "thread-requests": "no-such-request"}
    )
    assert answer.status_code == 400
    assert "no-such-request" in str(answer.context["form"].errors["requests"])
    assert not CorrespondenceThread.objects.exists()


def test_an_editor_logs_a_letter_on_the_thread_page(editor_client: Client, editor: Any) -> None:
    thread = services.thread_open(by=editor, title="Lofgren")
    statement: Statement = StatementFactory(reference="2010-09-08-weich")
    doj: Agency = AgencyFactory(abbreviation="DOJ", level="federal")
    answer = editor_client.post(
        f"/threads/{thread.pk}/",
        {
            "threadletter-sender": "Assistant Attorney General Ronald Weich",
            "threadletter-sender_agency": doj.pk,
            "threadletter-recipients": "Rep. Zoe Lofgren",
            "threadletter-sent_on": "2010-09-08",
            "threadletter-subject": "Reply for the Department of Justice",
            "threadletter-statement": "2010-09-08-weich",
        },
    )
    assert answer.status_code == 302, answer.context and answer.context["form"].errors
    letter = ThreadLetter.objects.get()
    assert (letter.thread, letter.statement, letter.sender_agency) == (thread, statement, doj)
    assert str(letter.sent) == "8 September 2010"


def test_a_viewer_cannot_open_a_thread_or_log_a_letter(viewer_client: Client, editor: Any) -> None:
    thread = services.thread_open(by=editor, title="Lofgren")
    assert viewer_client.post("/threads/", {"thread-title": "x"}).status_code == 403
    answer = viewer_client.post(
        f"/threads/{thread.pk}/",
        {"threadletter-sender": "x", "threadletter-recipients": "y", "threadletter-subject": "z"},
    )
    assert answer.status_code == 403
    assert not ThreadLetter.objects.exists()


def test_a_thread_is_edited_with_the_version_the_page_showed(
    editor_client: Client, editor: Any
) -> None:
    thread = services.thread_open(by=editor, title="Lofgren")
    optout = services.request_open(jurisdiction=JurisdictionFactory(), title="A", by=editor)
    form = editor_client.get(f"/edit/thread/{thread.pk}/")
    assert form.status_code == 200
    data = {
        "thread-title": "Rep. Lofgren's letter",
        "thread-requests": optout.reference,
        "thread-version": thread.version,
    }
    assert editor_client.post(f"/edit/thread/{thread.pk}/", data).status_code == 302
    thread.refresh_from_db()
    assert thread.title == "Rep. Lofgren's letter" and list(thread.requests.all()) == [optout]
    stale = editor_client.post(f"/edit/thread/{thread.pk}/", {**data, "thread-title": "Old"})
    assert stale.status_code == 409


def test_a_thread_letter_edit_page_shows_the_statement_reference(
    editor_client: Client, editor: Any
) -> None:
    thread = services.thread_open(by=editor, title="Lofgren")
    statement: Statement = StatementFactory(reference="2010-09-07-napolitano")
    letter = services.thread_letter_log(
        by=editor, thread=thread, sender="s", recipients="r", subject="x", statement=statement
    )
    page = editor_client.get(f"/edit/threadletter/{letter.pk}/")
    assert page.status_code == 200
    assert 'value="2010-09-07-napolitano"' in page.content.decode()


@pytest.mark.parametrize("rows", [5, 50])
def test_the_thread_list_needs_the_same_queries_for_5_and_50_threads(
    rows: int, viewer_client: Client, editor: Any, django_assert_num_queries: Any
) -> None:
    optout = services.request_open(jurisdiction=JurisdictionFactory(), title="A", by=editor)
    for i in range(rows):
        thread = services.thread_open(by=editor, title=f"Thread {i}", requests=[optout])
        services.thread_letter_log(
            by=editor, thread=thread, sender="s", recipients="r", subject="x"
        )
    viewer_client.get("/threads/")
    # Expect 6 queries: session, user, the user's and the group's permissions, the
    # count, the page of threads (letters, first date and requests counted in it).
    with django_assert_num_queries(6):
        page = viewer_client.get("/threads/")
    assert len(page.context["page"].object_list) == rows


def test_the_staff_statements_page_shows_the_pair_across_agencies(
    record_2010: None, viewer_client: Client
) -> None:
    page = viewer_client.get("/statements/")
    html = page.content.decode()
    assert f'id="pair-{WEICH_NAPOLITANO}"' in html
    assert WEICH_NAPOLITANO_LABEL in html
    assert "different agencies on one topic: whether localities can opt out" in html
