"""The case page as a place to work: what each case waits for, editing every item,
withdrawing and re-opening with a reason, logging a reply with its move, one way in
for what an agency sent, and who may do any of it."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
import time_machine
from django.test import Client
from rest_framework.test import APIClient

from core.dates import PartialDate
from jurisdictions.models import Agency
from tests.factories import (
    AgencyFactory,
    LetterFactory,
    MeetingFactory,
    RequestFactory,
    ResponseFactory,
    StatementFactory,
)
from tracker.domain import selectors, services
from tracker.domain.workflow import State
from tracker.models import AgencyResponse, Letter, Meeting, OptOutRequest, Transition

pytestmark = pytest.mark.django_db

#: 1 December 2010: a letter sent on 10 September with a 30-day window was due on
#: 10 October (52 days ago) and very overdue after 9 November.
NOW = dt.datetime(2010, 12, 1, 17, tzinfo=dt.UTC)


@pytest.fixture
def office() -> Agency:
    return AgencyFactory(
        name="Secure Communities program office",
        kind=Agency.Kind.PROGRAM_OFFICE,
        level=Agency.Level.FEDERAL,
    )


@pytest.fixture
def sent(editor: Any, office: Agency) -> OptOutRequest:
    """A request whose notice went to ICE's program office and the SIB on 10 September
    2010, moved to "notice sent", with no reply yet."""
    sib = AgencyFactory(name="California SIB", kind=Agency.Kind.SIB, level=Agency.Level.STATE)
    request = RequestFactory(title="Sheriff request")
    LetterFactory(request=request, subject="The notice", recipients=[office, sib])
    services.request_transition(request=request, to="notice_sent", by=editor)
    request.refresh_from_db()
    return request


def counts() -> tuple[int, int, int, int]:
    return (
        Letter.objects.count(),
        AgencyResponse.objects.count(),
        Meeting.objects.count(),
        Transition.objects.count(),
    )


# --- What the case waits for, and its next step ---------------------------------------


@time_machine.travel(NOW, tick=False)
def test_the_case_page_the_dashboard_and_the_api_read_the_same_next_step(
    editor_client: Client, api: APIClient, sent: OptOutRequest
) -> None:
    summary = selectors.case_summary(
        selectors.with_case_summary(OptOutRequest.objects.all()).get(pk=sent.pk)
    )
    assert summary.action.startswith("Chase the overdue reply")
    assert (summary.due_on, summary.days_overdue, summary.very_overdue) == (
        dt.date(2010, 10, 10),
        52,
        True,
    )
    page = editor_client.get(sent.get_absolute_url()).text
    line = page.split('id="case-summary"')[1].split("</p>")[0].replace("&#x27;", "'")
    assert summary.waits_for in line
    assert "since 10 September 2010" in line
    assert "reply was due 10 October 2010" in line
    assert "52 days overdue" in line and "very overdue" in line
    assert summary.action in line

    row = editor_client.get("/").text.split(f'id="next-{sent.pk}"')[1].split("</tr>")[0]
    row = row.replace("&#x27;", "'")
    assert summary.action in row and summary.waits_for in row
    assert "10 October 2010" in row and "52 days overdue" in row

    body = api.get(f"/api/v1/requests/{sent.pk}/").json()["next_step"]
    assert body == {
        "waits_for": summary.waits_for,
        "since": "2010-09-10",
        "due_on": "2010-10-10",
        "days_overdue": 52,
        "overdue": True,
        "very_overdue": True,
        "action": summary.action,
        "move": "escalated",
    }


def test_a_draft_says_to_send_the_notice_to_both_offices(
    editor_client: Client, draft: OptOutRequest
) -> None:
    line = editor_client.get(draft.get_absolute_url()).text.split('id="case-summary"')[1]
    line = line.split("</p>")[0].replace("&#x27;", "'")
    assert 'Waiting for</strong> <span class="waits-for">the written notice</span>' in line
    assert (
        "Send the written notice to ICE's Secure Communities program office and the State "
        "Identification Bureau" in line
    )


@time_machine.travel(NOW, tick=False)
def test_the_dashboard_lists_the_signed_in_persons_cases_first_then_by_due_date(
    editor_client: Client, editor: Any, viewer: Any, sent: OptOutRequest
) -> None:
    mine = RequestFactory(title="Mine, nothing due", owner=editor)
    RequestFactory(title="Another person draft", owner=viewer)
    table = editor_client.get("/").text.split('id="next-steps"')[1].split("</table>")[0]
    order = [table.index(title) for title in (mine.title, sent.title, "Another person draft")]
    assert order == sorted(order)
    assert 'class="yours"' in table.split(sent.title)[0]


# --- Withdrawing and re-opening -------------------------------------------------------------


def test_withdrawing_is_not_the_main_button_and_asks_for_a_reason(
    editor_client: Client, draft: OptOutRequest
) -> None:
    page = editor_client.get(draft.get_absolute_url()).text
    move = page.split('class="move-form"')[1].split("</form>")[0]
    assert "withdrawn" not in move
    assert 'class="primary"' not in move  # a draft without a letter has no move to make
    assert f'<a href="/requests/{draft.pk}/withdraw/" id="withdraw-link">' in page

    # A hand-made withdraw through the moves shows the confirmation, moving nothing.
    shown = editor_client.post(
        f"/requests/{draft.pk}/move/",
        {"move-to": "withdrawn", "move-note": "Typed here", "move-version": draft.version},
    )
    assert shown.status_code == 200
    assert "Typed here</textarea>" in shown.text
    draft.refresh_from_db()
    assert draft.status == State.DRAFT

    refused = editor_client.post(
        f"/requests/{draft.pk}/withdraw/", {"move-note": " ", "move-version": draft.version}
    )
    assert refused.status_code == 400
    assert "This field is required." in refused.text
    draft.refresh_from_db()
    assert draft.status == State.DRAFT

    done = editor_client.post(
        f"/requests/{draft.pk}/withdraw/",
        {"move-note": "The county board voted to stay in.", "move-version": draft.version},
    )
    assert done.status_code == 302
    draft.refresh_from_db()
    assert draft.status == State.WITHDRAWN
    assert draft.transitions.latest("at").note == "The county board voted to stay in."


def test_a_reopening_needs_its_reason_too(
    editor_client: Client, editor: Any, draft: OptOutRequest
) -> None:
    services.request_transition(request=draft, to="withdrawn", by=editor)
    draft.refresh_from_db()
    refused = editor_client.post(f"/requests/{draft.pk}/reopen/", {"move-version": draft.version})
    assert refused.status_code == 400
    draft.refresh_from_db()
    assert draft.status == State.WITHDRAWN


# --- Log a reply and its move in one step -------------------------------------------------


def reply_data(office: Agency, **overrides: Any) -> dict[str, Any]:
    data = {
        "response-agency": office.pk,
        "response-kind": "acknowledged",
        "response-responded_on": "2010-10-01",
        "response-summary": "ICE acknowledges the notice.",
        "response-then_move": "on",
    }
    data.update(overrides)
    return data


def test_a_reply_offers_the_move_it_implies_ticked(
    editor_client: Client, sent: OptOutRequest
) -> None:
    form = editor_client.get(sent.get_absolute_url()).text.split('id="log-reply"')[1]
    form = form.split("</details>")[0].replace("&#x27;", "'")
    assert 'name="response-then_move"' in form and "checked" in form
    assert "Acknowledged receipt → Record an acknowledgement" in form
    assert "Requested a meeting → Record ICE's meeting request" in form


def test_an_acknowledgement_is_logged_and_the_request_moved_in_one_step(
    editor_client: Client, sent: OptOutRequest, office: Agency
) -> None:
    response = editor_client.post(
        f"/requests/{sent.pk}/replies/", reply_data(office, **{"response-version": sent.version})
    )
    assert response.status_code == 302
    reply = AgencyResponse.objects.get(summary="ICE acknowledges the notice.")
    sent.refresh_from_db()
    assert sent.status == State.ACKNOWLEDGED
    move = sent.transitions.latest("at")
    assert (move.to_state, move.response) == (State.ACKNOWLEDGED, reply)
    assert reply.letter is None


def test_an_unticked_move_logs_the_reply_alone(
    editor_client: Client, sent: OptOutRequest, office: Agency
) -> None:
    data = reply_data(office, **{"response-version": sent.version})
    del data["response-then_move"]
    editor_client.post(f"/requests/{sent.pk}/replies/", data)
    sent.refresh_from_db()
    assert sent.status == State.NOTICE_SENT
    assert AgencyResponse.objects.filter(request=sent).count() == 1


def test_a_reply_implying_no_move_is_logged_alone(
    editor_client: Client, sent: OptOutRequest, office: Agency
) -> None:
    editor_client.post(
        f"/requests/{sent.pk}/replies/",
        reply_data(
            office, **{"response-kind": "more_information", "response-version": sent.version}
        ),
    )
    sent.refresh_from_db()
    assert sent.status == State.NOTICE_SENT
    assert AgencyResponse.objects.filter(request=sent).count() == 1


def test_a_reply_and_move_on_a_stale_page_saves_neither(
    editor_client: Client, editor: Any, sent: OptOutRequest, office: Agency
) -> None:
    stale = sent.version
    services.request_transition(request=sent, to="escalated", by=editor, note="Press")
    before = counts()
    response = editor_client.post(
        f"/requests/{sent.pk}/replies/", reply_data(office, **{"response-version": stale})
    )
    assert response.status_code == 400
    assert counts() == before
    assert "Nothing was saved" in response.text
    assert "ICE acknowledges the notice.</textarea>" in response.text


# --- Editing every item ------------------------------------------------------------------


def test_a_letter_is_corrected_from_its_case_with_history_kept(
    editor_client: Client, editor: Any, sent: OptOutRequest
) -> None:
    letter = sent.letters.get()
    page = editor_client.get(sent.get_absolute_url()).text
    assert f'href="/edit/letter/{letter.pk}/"' in page
    form = editor_client.get(f"/edit/letter/{letter.pk}/").text
    assert 'value="The notice"' in form and 'value="2010-09-10"' in form
    history_before = letter.history.count()
    response = editor_client.post(
        f"/edit/letter/{letter.pk}/",
        {
            "letter-direction": "outgoing",
            "letter-sender": letter.sender_id,
            "letter-recipients": [a.pk for a in letter.recipients.all()],
            "letter-method": "fax",
            "letter-sent_on": "2010-09-12",
            "letter-subject": "The notice (corrected)",
            "letter-version": letter.version,
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#letter-{letter.pk}")
    letter.refresh_from_db()
    assert (letter.subject, letter.method, letter.sent.isoformat()) == (
        "The notice (corrected)",
        "fax",
        "2010-09-12",
    )
    # The due date follows the corrected sending date, and the history keeps the edit.
    assert letter.due_on == dt.date(2010, 10, 12)
    assert letter.recipients.count() == 2
    assert letter.history.count() == history_before + 1
    assert letter.history.latest().history_user == editor


def test_an_edit_on_a_stale_page_is_refused_naming_what_changed(
    editor_client: Client, admin_user: Any, sent: OptOutRequest
) -> None:
    letter = sent.letters.get()
    stale = letter.version
    services.record_edit(
        letter, by=admin_user, expected_version=stale, values={"summary": "Admin's note"}
    )
    response = editor_client.post(
        f"/edit/letter/{letter.pk}/",
        {
            "letter-direction": "outgoing",
            "letter-sender": letter.sender_id,
            "letter-method": "mail",
            "letter-subject": "Typed over",
            "letter-version": stale,
        },
    )
    assert response.status_code == 409
    assert "was changed by someone else after you opened it" in response.text
    assert "Admin&#x27;s note" in response.text
    assert 'value="Typed over"' in response.text
    letter.refresh_from_db()
    assert (letter.subject, letter.summary) == ("The notice", "Admin's note")


def test_an_edit_without_its_version_is_refused(editor_client: Client, sent: OptOutRequest) -> None:
    letter = sent.letters.get()
    response = editor_client.post(
        f"/edit/letter/{letter.pk}/",
        {"letter-sender": letter.sender_id, "letter-method": "mail", "letter-subject": "X"},
    )
    assert response.status_code == 400
    assert "does not say which version of the record" in response.text
    letter.refresh_from_db()
    assert letter.subject == "The notice"


def test_a_reply_a_meeting_a_statement_and_the_request_are_edited_from_the_pages(
    editor_client: Client, editor: Any, sent: OptOutRequest, office: Agency
) -> None:
    reply = ResponseFactory(request=sent, agency=office)
    editor_client.post(
        f"/edit/response/{reply.pk}/",
        {
            "response-agency": office.pk,
            "response-kind": "meeting_requested",
            "response-responded_on": "2010-10-02",
            "response-version": reply.version,
        },
    )
    reply.refresh_from_db()
    assert (reply.kind, reply.responded.isoformat()) == ("meeting_requested", "2010-10-02")

    meeting = MeetingFactory(request=sent)
    editor_client.post(
        f"/edit/meeting/{meeting.pk}/",
        {
            "meeting-status": "planned",
            "meeting-place": "City Hall",
            "meeting-agencies": [office.pk],
            "meeting-version": meeting.version,
        },
    )
    meeting.refresh_from_db()
    assert (meeting.place, list(meeting.agencies.all())) == ("City Hall", [office])

    statement = StatementFactory(agency=office, quote="Opting out is possible.")
    assert f'href="/edit/statement/{statement.pk}/"' in editor_client.get("/statements/").text
    editor_client.post(
        f"/edit/statement/{statement.pk}/",
        {
            "statement-speaker": "David Venturella",
            "statement-agency": office.pk,
            "statement-stated_on": "2010-09",
            "statement-medium": "letter",
            "statement-position": "possible",
            "statement-quote": "Opting out is possible.",
            "statement-version": statement.version,
        },
    )
    statement.refresh_from_db()
    assert (statement.speaker, statement.stated.isoformat()) == ("David Venturella", "2010-09")

    response = editor_client.post(
        f"/edit/request/{sent.pk}/",
        {
            "title": "Sheriff request (renamed)",
            "seeks": "criminal_only",
            "owner": editor.pk,
            "opened_on": "2010",
            "version": sent.version,
        },
    )
    assert response.status_code == 302
    sent.refresh_from_db()
    assert (sent.title, sent.seeks, sent.owner, sent.status) == (
        "Sheriff request (renamed)",
        "criminal_only",
        editor,
        State.NOTICE_SENT,
    )


def test_someone_off_staff_cannot_be_made_owner(
    editor_client: Client, django_user_model: Any, sent: OptOutRequest
) -> None:
    outsider = django_user_model.objects.create_user(username="outsider", is_staff=False)
    response = editor_client.post(
        f"/edit/request/{sent.pk}/",
        {"title": sent.title, "seeks": sent.seeks, "owner": outsider.pk, "version": sent.version},
    )
    assert response.status_code == 400
    sent.refresh_from_db()
    assert sent.owner is None


def test_take_this_case_makes_the_editor_its_owner(
    editor_client: Client, editor: Any, sent: OptOutRequest
) -> None:
    page = editor_client.get(sent.get_absolute_url()).text
    assert "Take this case" in page
    editor_client.post(f"/requests/{sent.pk}/take/", {"version": sent.version})
    sent.refresh_from_db()
    assert sent.owner == editor
    assert "Take this case" not in editor_client.get(sent.get_absolute_url()).text
    assert sent.title in editor_client.get("/").text.split('id="yours"')[1].split("</section>")[0]


# --- Meetings: held or cancelled ---------------------------------------------------------------


def test_a_planned_meeting_is_marked_held_or_cancelled(
    editor_client: Client, sent: OptOutRequest
) -> None:
    meeting = MeetingFactory(request=sent, held_on=dt.date(2010, 11, 8), place="City Hall")
    page = editor_client.get(sent.get_absolute_url()).text
    assert f'action="/meetings/{meeting.pk}/status/"' in page
    editor_client.post(
        f"/meetings/{meeting.pk}/status/", {"status": "held", "version": meeting.version}
    )
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD
    sent.refresh_from_db()
    assert sent.has_held_meeting

    other = MeetingFactory(request=sent)
    editor_client.post(
        f"/meetings/{other.pk}/status/", {"status": "cancelled", "version": other.version}
    )
    other.refresh_from_db()
    assert other.status == Meeting.Status.CANCELLED


def test_a_meeting_without_a_date_opens_its_edit_page_to_mark_it_held(
    editor_client: Client, sent: OptOutRequest
) -> None:
    meeting = MeetingFactory(request=sent, place="City Hall")
    response = editor_client.post(
        f"/meetings/{meeting.pk}/status/", {"status": "held", "version": meeting.version}
    )
    assert response.status_code == 400
    assert "A meeting that was held needs its date." in response.text
    assert 'value="City Hall"' in response.text
    assert '<option value="held" selected>' in response.text
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PLANNED


def _meeting_requested(request: OptOutRequest, editor: Any, office: Agency) -> None:
    services.response_record(
        request=request, by=editor, agency=office, kind=AgencyResponse.Kind.MEETING_REQUESTED
    )
    services.request_transition(request=request, to="meeting_requested", by=editor)
    request.refresh_from_db()


def test_marking_a_meeting_held_offers_the_move_and_makes_both_in_one_step(
    editor_client: Client, editor: Any, office: Agency, sent: OptOutRequest
) -> None:
    meeting = MeetingFactory(request=sent, held_on=dt.date(2010, 11, 8), place="City Hall")
    # From "notice sent" the workflow has no "meeting held" move: only "Mark held".
    assert "Mark held and move the request" not in editor_client.get(sent.get_absolute_url()).text
    _meeting_requested(sent, editor, office)
    page = editor_client.get(sent.get_absolute_url()).text
    assert "Mark held and move the request to Meeting held" in page
    response = editor_client.post(
        f"/meetings/{meeting.pk}/status/",
        {"then_move": "on", "version": meeting.version, "request_version": sent.version},
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    sent.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD
    assert sent.status == "meeting_held"
    move = sent.transitions.latest("at")
    assert (move.to_state, move.by) == ("meeting_held", editor)
    assert move.note == "The meeting of 8 November 2010 was marked held."


def test_a_meeting_held_with_its_move_on_a_stale_page_saves_neither(
    editor_client: Client, editor: Any, office: Agency, sent: OptOutRequest
) -> None:
    meeting = MeetingFactory(request=sent, held_on=dt.date(2010, 11, 8))
    _meeting_requested(sent, editor, office)
    shown = sent.version
    # Someone escalates the request after the page was read.
    services.request_transition(request=sent, to="escalated", by=editor)
    response = editor_client.post(
        f"/meetings/{meeting.pk}/status/",
        {"then_move": "on", "version": meeting.version, "request_version": shown},
    )
    assert response.status_code == 409
    meeting.refresh_from_db()
    sent.refresh_from_db()
    assert meeting.status == Meeting.Status.PLANNED
    assert sent.status == "escalated"
    # Without the request's version, nothing is done either.
    editor_client.post(
        f"/meetings/{meeting.pk}/status/", {"then_move": "on", "version": meeting.version}
    )
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PLANNED


# --- Who may ------------------------------------------------------------------------------


def test_a_viewer_sees_no_edit_link_and_is_refused_every_edit(
    viewer_client: Client, sent: OptOutRequest
) -> None:
    letter = sent.letters.get()
    meeting = MeetingFactory(request=sent)
    page = viewer_client.get(sent.get_absolute_url()).text
    main = page.split("<main")[1]
    for control in ("/edit/", "/withdraw/", "/take/", "/status/", '<form method="post"'):
        assert control not in main, control
    assert viewer_client.get(f"/edit/letter/{letter.pk}/").status_code == 403
    assert viewer_client.get(f"/requests/{sent.pk}/withdraw/").status_code == 403
    before = (counts(), letter.version, meeting.version, sent.version)
    for path, data in [
        (f"/edit/letter/{letter.pk}/", {"letter-subject": "x", "letter-version": letter.version}),
        (f"/edit/request/{sent.pk}/", {"title": "x", "version": sent.version}),
        (f"/meetings/{meeting.pk}/status/", {"status": "held", "version": meeting.version}),
        (f"/requests/{sent.pk}/withdraw/", {"move-note": "x", "move-version": sent.version}),
        (f"/requests/{sent.pk}/take/", {"version": sent.version}),
    ]:
        assert viewer_client.post(path, data).status_code == 403, path
    letter.refresh_from_db()
    meeting.refresh_from_db()
    sent.refresh_from_db()
    assert (counts(), letter.version, meeting.version, sent.version) == before


def test_an_unknown_kind_of_record_has_no_edit_page(
    editor_client: Client, sent: OptOutRequest
) -> None:
    assert editor_client.get(f"/edit/transition/{sent.pk}/").status_code == 404


# --- Bounded pages ----------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [5, 50])
def test_the_edit_page_costs_the_same_however_big_the_case(
    editor_client: Client,
    sent: OptOutRequest,
    office: Agency,
    rows: int,
    django_assert_num_queries: Any,
) -> None:
    for _ in range(rows):
        LetterFactory(request=sent, recipients=[office])
    letter = sent.letters.first()
    assert letter is not None
    # Session, user, the user's and the group's permissions, the letter (with its request
    # and jurisdiction), its recipients, the case's agencies (sender, recipients,
    # replies', meetings'), the agencies offered, the letters it may answer, the chosen
    # sender and recipients looked up for the pickers, the letter's sources, the sources
    # offered.
    with django_assert_num_queries(15):
        response = editor_client.get(f"/edit/letter/{letter.pk}/")
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [5, 50])
def test_the_withdraw_page_costs_the_same_however_big_the_case(
    editor_client: Client, sent: OptOutRequest, rows: int, django_assert_num_queries: Any
) -> None:
    for _ in range(rows):
        LetterFactory(request=sent)
    # Session, user, the user's and the group's permissions, the request with its facts.
    with django_assert_num_queries(5):
        response = editor_client.get(f"/requests/{sent.pk}/withdraw/")
    assert response.status_code == 200


def _attribute(tag: str, name: str) -> str:
    found = re.search(rf'\b{name}="([^"]*)"', tag)
    return html.unescape(found.group(1)) if found else ""


def _as_a_browser_sends(form_html: str, prefix: str) -> dict[str, Any]:
    """What a browser posts for a form as shown: each input's value (a date picker
    sends its value only when it is a whole day, YYYY-MM-DD), each list's selected
    options, each text area's text."""
    data: dict[str, Any] = {}
    for tag in re.findall(rf'<input[^>]*name="{prefix}-[^"]*"[^>]*>', form_html):
        name, kind, value = (_attribute(tag, key) for key in ("name", "type", "value"))
        if kind == "checkbox":
            if " checked" in tag:
                data.setdefault(name, []).append(value or "on")
        elif kind == "date":
            data[name] = value if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else ""
        elif kind != "file":
            data[name] = value
    for name, body in re.findall(
        rf'<select[^>]*name="({prefix}-[^"]*)"[^>]*>(.*?)</select>', form_html, re.DOTALL
    ):
        data[name] = re.findall(r'<option value="([^"]*)"[^>]*selected', body)
    for name, text in re.findall(
        rf'<textarea[^>]*name="({prefix}-[^"]*)"[^>]*>(.*?)</textarea>', form_html, re.DOTALL
    ):
        data[name] = html.unescape(text.removeprefix("\n"))
    return data


@pytest.mark.parametrize("known", ["2010", "2010-09", "2010-09-10"])
def test_editing_a_letter_keeps_a_sent_date_known_only_to_its_year_or_month(
    editor_client: Client, sent: OptOutRequest, known: str
) -> None:
    """The sent date is a date picker, which shows only whole days: a letter sent "in
    2010" is shown as a day of 2010 with "known to: year", so saving the form as it
    came (correcting the subject only) keeps "2010" rather than emptying the date."""
    letter = sent.letters.get()
    Letter.objects.filter(pk=letter.pk).update(
        sent_on=PartialDate.parse(known).value,
        sent_on_precision=PartialDate.parse(known).precision,
    )
    letter.refresh_from_db()
    form = editor_client.get(f"/edit/letter/{letter.pk}/").text
    data = _as_a_browser_sends(form, "letter")
    data["letter-subject"] = "Subject corrected"
    response = editor_client.post(f"/edit/letter/{letter.pk}/", data)
    assert response.status_code == 302, response.text
    letter.refresh_from_db()
    assert letter.subject == "Subject corrected"
    assert letter.sent == PartialDate.parse(known)
