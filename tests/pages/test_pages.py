"""The staff pages: dashboard, jurisdiction, request and attachment downloads.

Every list page has its query count pinned at 5 and at 50 rows.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from core.dates import PartialDate
from jurisdictions.models import Agency, Jurisdiction
from tests.conftest import PDF
from tests.factories import (
    AgencyFactory,
    JurisdictionFactory,
    LetterFactory,
    MeetingFactory,
    RequestFactory,
    ResponseFactory,
)
from tracker.domain import services
from tracker.models import Letter, OptOutRequest, Transition

pytestmark = pytest.mark.django_db


def build_cases(rows: int, owner: Any) -> tuple[Jurisdiction, list[OptOutRequest]]:
    """``rows`` requests, each with an awaiting letter to two agencies, a reply, a
    meeting and a status-log row; every other one in the same jurisdiction."""
    shared = JurisdictionFactory(name="Shared County")
    office = AgencyFactory(name="Program office", kind=Agency.Kind.PROGRAM_OFFICE)
    sib = AgencyFactory(name="SIB", kind=Agency.Kind.SIB, level=Agency.Level.STATE)
    requests = []
    for i in range(rows):
        request = RequestFactory(
            jurisdiction=shared if i % 2 else JurisdictionFactory(), owner=owner
        )
        letter = LetterFactory(request=request, recipients=[office, sib])
        LetterFactory(request=request, recipients=[office])
        ResponseFactory(request=request, agency=office, letter=letter)
        MeetingFactory(request=request).agencies.set([office, sib])
        Transition.objects.create(request=request, from_state="", to_state="draft", by=owner)
        requests.append(request)
    return shared, requests


# --- Sign-in and permissions ------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/search/?q=x", "/jurisdictions/1/", "/requests/1/"])
def test_it_sends_anonymous_visitors_to_sign_in(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_refuses_a_signed_in_person_without_any_role(
    client: Client, django_user_model: Any, record_2010: None
) -> None:
    client.force_login(django_user_model.objects.create_user("outsider", password="x"))
    assert client.get("/").status_code == 403


def test_every_page_carries_a_content_security_policy(
    client: Client, viewer: Any, record_2010: None
) -> None:
    client.force_login(viewer)
    policy = client.get("/")["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_the_health_check_answers_without_sign_in(client: Client) -> None:
    assert client.get("/healthz").json()["status"] == "ok"


def test_the_stylesheet_is_served_by_the_app_itself(
    client: Client, viewer: Any, record_2010: None
) -> None:
    client.force_login(viewer)
    page = client.get("/").text
    assert 'href="/static/tracker/site.css"' in page
    assert "http://" not in page.split("<body>")[0]
    assert "https://" not in page.split("<body>")[0]


# --- Dashboard --------------------------------------------------------------------------


def test_the_dashboard_lists_the_four_open_requests_by_next_step(
    client: Client, viewer: Any, record_2010: None
) -> None:
    client.force_login(viewer)
    page = client.get("/").text
    for name in ("Arlington County", "San Francisco", "Santa Clara County", "District of Columbia"):
        assert name in page
    table = page.split('id="open-requests"')[1].split("</table>")[0]
    # San Francisco's letters wait for a reply, long overdue: it comes before the drafts,
    # which have nothing due.
    assert table.index("San Francisco") < table.index("Arlington County")
    assert table.index("San Francisco") < table.index("District of Columbia")
    assert "Chase the overdue reply" in table.split("Arlington County")[0]


@time_machine.travel(dt.datetime(2010, 12, 1, 12, tzinfo=dt.UTC), tick=False)
def test_the_dashboard_lists_letters_awaiting_a_reply_oldest_first_with_days_waiting(
    client: Client, viewer: Any
) -> None:
    request = RequestFactory()
    LetterFactory(request=request, subject="Newer letter", sent_on=dt.date(2010, 11, 1))
    LetterFactory(
        request=request,
        subject="Older letter",
        sent_on=dt.date(2010, 9, 1),
        sent_on_precision="month",
    )  # due 30 October: 30 days after the latest day it may have been sent
    answered = LetterFactory(request=request, subject="Answered letter")
    ResponseFactory(request=request, letter=answered)
    client.force_login(viewer)
    section = client.get("/").text.split('id="awaiting-list"')[1].split("</ol>")[0]
    assert section.index("Older letter") < section.index("Newer letter")
    assert "Answered letter" not in section
    # Counted from the latest day a "September 2010" letter may have been sent.
    assert "waiting 62 days" in section
    assert 'Sent <time datetime="2010-09">September 2010</time>' in section
    assert "overdue" in section.split("Newer letter")[0]


def test_the_dashboard_shows_what_the_signed_in_person_owns(
    client: Client, editor: Any, viewer: Any
) -> None:
    RequestFactory(title="Mine to chase", owner=editor)
    RequestFactory(title="Someone else's", owner=viewer)
    client.force_login(editor)
    yours = client.get("/").text.split('id="yours"')[1].split("</section>")[0]
    assert "Mine to chase" in yours
    assert "Someone else" not in yours


def test_the_dashboard_shows_recent_activity_across_cases(
    client: Client, editor: Any, record_2010: None
) -> None:
    arlington = OptOutRequest.objects.get(reference="arlington-2010")
    services.letter_log(
        request=arlington,
        by=editor,
        sender=Agency.objects.get(reference="arlington-county-board"),
        subject="Board resolution sent to ICE",
        sent_on=PartialDate.parse("2010-10"),
    )
    client.force_login(editor)
    recent = client.get("/").text.split('id="recent"')[1].split("</section>")[0]
    assert "Letter logged: Board resolution sent to ICE" in recent
    letter = Letter.objects.get(subject="Board resolution sent to ICE")
    assert f"{arlington.get_absolute_url()}#letter-{letter.pk}" in recent


@pytest.mark.parametrize("rows", [5, 50])
def test_the_dashboard_query_count_does_not_grow_with_rows(
    client: Client, editor: Any, rows: int, django_assert_num_queries: Any
) -> None:
    build_cases(rows, owner=editor)
    client.force_login(editor)
    # Expect 14 queries: session, user, the user's and the group's permissions,
    # requests counted by state and owner, the open requests by next step (with
    # jurisdiction, owner and when each entered its state), the person's own
    # requests, awaiting letters, their recipients, overdue letters (with request,
    # jurisdiction and owner), recent transitions, letters, replies, meetings.
    with django_assert_num_queries(14):
        response = client.get("/")
    assert response.status_code == 200
    # One letter of each case is answered; the list stops at the oldest 50.
    assert response.text.count('<li class="card') == min(rows, 50)
    # The lists of requests stop at 25 newest open ones and 10 of the person's own.
    table = response.text.split('id="open-requests"')[1].split("</table>")[0]
    assert table.count('<tr id="next-') == min(rows, 25)
    yours = response.text.split('id="yours"')[1].split("</section>")[0]
    assert yours.count("<li>") == min(rows, 10)
    assert f"You own {rows} open requests." in yours


def test_the_dashboard_counts_requests_by_state_and_owner_with_links_to_the_lists(
    client: Client, editor: Any, viewer: Any
) -> None:
    RequestFactory.create_batch(3, owner=editor)
    RequestFactory(owner=viewer)
    RequestFactory(owner=None)
    closed = RequestFactory(owner=editor)
    # Set straight in the table: only the counts are under test here.
    OptOutRequest.objects.filter(pk=closed.pk).update(
        status="denied", closed_on=dt.date(2010, 12, 1)
    )
    client.force_login(editor)
    page = client.get("/").text
    counts = page.split('class="counts"')[1].split("</ul>")[0]
    assert '<a href="/requests/?status=draft"><span>Draft</span> <strong>5</strong></a>' in counts
    assert '<a href="/requests/?status=denied"><span>Denied</span> <strong>1</strong></a>' in (
        counts
    )
    owners = page.split('id="owner-counts"')[1].split("</table>")[0]
    rows = re.findall(r"<tr><td>(.*?)</td><td>(\d+)</td></tr>", owners)
    assert rows == [
        ('<a href="/requests/?owner=editor">editor</a>', "3"),
        ('<a href="/requests/?owner=viewer">viewer</a>', "1"),
        ("nobody", "1"),
    ]
    yours = page.split('id="yours"')[1].split("</section>")[0]
    assert "You own 3 open requests." in yours
    assert 'href="/requests/?owner=editor"' in yours


# --- Jurisdiction page ------------------------------------------------------------------


def test_the_jurisdiction_page_shows_deployment_requests_and_timeline(
    client: Client, viewer: Any, record_2010: None
) -> None:
    sf = Jurisdiction.objects.get(reference="ca-san-francisco")
    client.force_login(viewer)
    page = client.get(sf.get_absolute_url()).text
    assert sf.get_deployment_status_display() in page
    assert "San Francisco: the sheriff&#x27;s request not to be activated" in page
    timeline = page.split('class="timeline"')[1]
    letters = Letter.objects.filter(request__jurisdiction=sf).order_by("sent_on")
    first, second = (f'id="letter-{x.pk}"' for x in letters)
    assert timeline.index(first) < timeline.index(second)


def test_the_admin_view_on_site_links_lead_to_the_staff_pages(
    client: Client, viewer: Any, record_2010: None
) -> None:
    client.force_login(viewer)
    sf = OptOutRequest.objects.get(reference="san-francisco-2010")
    assert client.get(sf.get_absolute_url()).status_code == 200
    assert client.get(sf.jurisdiction.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("rows", [5, 50])
def test_the_jurisdiction_page_query_count_does_not_grow_with_rows(
    client: Client, viewer: Any, rows: int, django_assert_num_queries: Any
) -> None:
    shared, _requests = build_cases(rows, owner=viewer)
    client.force_login(viewer)
    # Expect 14 queries: session, user, the user's and the group's permissions,
    # jurisdiction, its requests, letters (with their awaiting, overdue and very
    # overdue flags), their recipients, holidays (for the due dates), replies,
    # meetings, their agencies, status-log rows, the events naming it or bearing on
    # its requests.
    with django_assert_num_queries(14):
        response = client.get(shared.get_absolute_url())
    assert response.text.count('class="entry entry-letter') == (rows // 2) * 2


# --- Request page -----------------------------------------------------------------------


def test_the_request_page_shows_the_checklist_with_what_is_missing(
    client: Client, viewer: Any, record_2010: None
) -> None:
    client.force_login(viewer)
    sf = OptOutRequest.objects.get(reference="san-francisco-2010")
    page = client.get(sf.get_absolute_url()).text
    assert "done: Written notice to ICE&#x27;s Secure Communities program office" in page
    assert "missing: Meeting with ICE and the state held" in page


def test_the_request_timeline_puts_letters_replies_meetings_and_moves_in_date_order(
    client: Client, editor: Any
) -> None:
    request = RequestFactory()
    LetterFactory(request=request, subject="Second", sent_on=dt.date(2010, 10, 2))
    LetterFactory(
        request=request, subject="First", sent_on=dt.date(2010, 1, 1), sent_on_precision="year"
    )
    ResponseFactory(request=request, responded_on=dt.date(2010, 10, 20), summary="Third")
    MeetingFactory(request=request, place="Undated meeting")
    client.force_login(editor)
    timeline = client.get(request.get_absolute_url()).text.split('class="timeline"')[1]
    positions = [timeline.index(x) for x in ("First", "Second", "Third", "Undated meeting")]
    assert positions == sorted(positions)
    assert '<time datetime="2010">2010</time>' in timeline
    assert "date unknown" in timeline


def test_an_editor_sees_a_button_for_each_move_the_workflow_allows_now(
    client: Client, editor: Any, record_2010: None
) -> None:
    client.force_login(editor)
    sf = OptOutRequest.objects.get(reference="san-francisco-2010")
    page = client.get(sf.get_absolute_url()).text
    buttons = page.split('class="move-form"')[1].split("</form>")[0]
    # No reply is recorded yet, so only the unguarded moves are offered; withdrawing
    # is a link to its confirmation page, not a button.
    assert 'value="escalated"' in buttons
    assert 'value="withdrawn"' not in buttons
    assert f'href="/requests/{sf.pk}/withdraw/"' in page
    assert 'value="acknowledged"' not in buttons
    # Only the pressed button names the target state.
    assert buttons.count('name="move-to"') == buttons.count("<button")
    assert "Record an acknowledgement: record the agency&#x27;s response" in page


def test_a_viewer_sees_the_case_but_no_edit_controls(
    client: Client, viewer: Any, record_2010: None
) -> None:
    client.force_login(viewer)
    sf = OptOutRequest.objects.get(reference="san-francisco-2010")
    page = client.get(sf.get_absolute_url()).text
    assert "Second request to opt out" in page
    assert "<form" not in page.split("</header>")[1]
    assert "Log a letter" not in page
    assert 'id="read-only-note"' in page


@pytest.mark.parametrize("rows", [5, 50])
def test_the_request_page_query_count_does_not_grow_with_rows(
    client: Client, editor: Any, rows: int, django_assert_num_queries: Any
) -> None:
    _shared, requests = build_cases(2, owner=editor)
    request = requests[0]
    for i in range(rows):
        letter = LetterFactory(request=request, recipients=[AgencyFactory(), AgencyFactory()])
        ResponseFactory(request=request, letter=letter if i % 2 else None)
        MeetingFactory(request=request).agencies.set([AgencyFactory()])
        thread = services.thread_open(by=editor, title=f"Thread {i}", requests=[request])
        services.thread_letter_log(
            by=editor, thread=thread, sender="s", recipients="r", subject="x"
        )
    client.force_login(editor)
    # Expect 22 queries: session, user, the user's and the group's permissions,
    # the request with its workflow facts, letters, their recipients, replies,
    # meetings, their agencies, status-log rows, the events bearing on it, the holiday
    # list; the threads of correspondence it is linked to, their letters; then the
    # choices of the forms: the agencies all three forms offer (one short list),
    # answered letter (letter form), answered letter (reply form); the letters
    # drafted for email (with their agency and letter); the sources the letter, reply
    # and meeting forms cite (one list per form: 3).
    with django_assert_num_queries(22):
        response = client.get(request.get_absolute_url())
    assert response.text.count('class="entry entry-letter') == rows + 2


# --- Attachments ------------------------------------------------------------------------


def test_a_viewer_downloads_an_attachment_under_a_safe_name(
    client: Client, viewer: Any, letter_with_pdf: Letter
) -> None:
    client.force_login(viewer)
    response = client.get(f"/letters/{letter_with_pdf.pk}/attachment/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"] == (
        'attachment; filename="sheriffs-letter-please-dont-activate.pdf"'
    )


def test_attachments_are_not_served_to_anonymous_visitors_or_outsiders(
    client: Client, django_user_model: Any, letter_with_pdf: Letter
) -> None:
    url = f"/letters/{letter_with_pdf.pk}/attachment/"
    assert client.get(url).status_code == 302
    client.force_login(django_user_model.objects.create_user("outsider", password="x"))
    assert client.get(url).status_code == 403


def test_a_reply_attachment_is_downloaded_through_its_own_address(
    client: Client, editor: Any, viewer: Any
) -> None:
    request = RequestFactory()
    reply = services.response_record(
        request=request,
        by=editor,
        agency=AgencyFactory(name="ICE"),
        kind="acknowledged",
        attachment=SimpleUploadedFile("reply.pdf", PDF),
    )
    client.force_login(viewer)
    response = client.get(f"/replies/{reply.pk}/attachment/")
    assert response["Content-Disposition"] == 'attachment; filename="ice-acknowledged-receipt.pdf"'
    assert client.get(f"/replies/{ResponseFactory().pk}/attachment/").status_code == 404


# --- Search ---------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [5, 60])
def test_the_search_page_query_count_does_not_grow_with_results(
    client: Client, editor: Any, rows: int, django_assert_num_queries: Any
) -> None:
    for request in RequestFactory.create_batch(rows, title="Notice of removal"):
        LetterFactory(request=request, subject="Removal letter", summary="removal")
        ResponseFactory(request=request, summary="About the removal")
    client.force_login(editor)
    # Expect 12 queries: session, user, the user's and the group's permissions, then
    # one for each kind of record (requests with their jurisdiction, letters with
    # request, jurisdiction and sender, replies with request, jurisdiction and agency,
    # meetings, statements, contacts, agencies, jurisdictions), at most 10 of each.
    with django_assert_num_queries(12):
        response = client.get("/search/", {"q": "removal"})
    assert response.text.count("#letter-") == min(rows, 10)
    assert ("kind=letters" in response.text) == (rows > 10)
