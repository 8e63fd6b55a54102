"""The quick forms of the request page: log a letter, a reply, a meeting; move the request.

Good input is saved through the services and the person lands back on the
request with the new item highlighted; bad input re-shows the page with the
error next to the field, what was typed kept, and nothing written.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jurisdictions.models import Agency
from tests.conftest import PDF
from tests.factories import AgencyFactory, LetterFactory, RequestFactory
from tracker.domain import selectors, services
from tracker.domain.workflow import State
from tracker.models import AgencyResponse, Basis, Letter, Meeting, OptOutRequest, Transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def sf(record_2010: None) -> OptOutRequest:
    return OptOutRequest.objects.get(reference="san-francisco-2010")


def agency(reference: str) -> Agency:
    return Agency.objects.get(reference=reference)


def letter_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "letter-direction": "outgoing",
        "letter-sender": agency("sf-sheriff").pk,
        "letter-recipients": [agency("ice-secure-communities").pk, agency("ca-sib").pk],
        "letter-method": "fax",
        "letter-sent_on": "2010-10-12",
        "letter-subject": "Third request not to be activated",
        "letter-summary": "Following ICE's published steps once more.",
    }
    data.update(overrides)
    return data


def counts() -> tuple[int, int, int, int]:
    return (
        Letter.objects.count(),
        AgencyResponse.objects.count(),
        Meeting.objects.count(),
        Transition.objects.count(),
    )


# --- Log a letter -------------------------------------------------------------------


def test_an_editor_logs_a_faxed_letter_to_ice_and_the_sib_with_a_pdf(
    client: Client, editor: Any, sf: OptOutRequest
) -> None:
    client.force_login(editor)
    upload = SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf")
    response = client.post(
        f"/requests/{sf.pk}/letters/", letter_data(**{"letter-attachment": upload})
    )
    letter = Letter.objects.get(subject="Third request not to be activated")
    anchor = f"letter-{letter.pk}"
    assert response.status_code == 302
    assert response["Location"] == f"{sf.get_absolute_url()}?new={anchor}#{anchor}"
    assert set(letter.recipients.values_list("reference", flat=True)) == {
        "ice-secure-communities",
        "ca-sib",
    }
    assert (letter.method, letter.sent.display()) == ("fax", "12 October 2010")
    assert letter.due_on is not None
    assert letter.attachment.read() == PDF
    assert letter.history.first().history_user == editor
    page = client.get(response["Location"]).text
    assert f'id="{anchor}" class="entry entry-letter is-new"' in page
    assert "Letter logged: Third request not to be activated." in page


def test_a_letter_known_only_to_the_month_keeps_its_precision(
    client: Client, editor: Any, sf: OptOutRequest
) -> None:
    client.force_login(editor)
    client.post(f"/requests/{sf.pk}/letters/", letter_data(**{"letter-sent_on": "2010-10"}))
    letter = Letter.objects.get(subject="Third request not to be activated")
    assert letter.sent.display() == "October 2010"
    page = client.get(sf.get_absolute_url()).text
    assert '<time datetime="2010-10">October 2010</time>' in page


def test_a_letter_sent_can_answer_a_letter_received(
    client: Client, editor: Any, sf: OptOutRequest
) -> None:
    received: Any = LetterFactory(
        request=sf, direction=Letter.Direction.INCOMING, sender=agency("ice"), subject="ICE"
    )
    client.force_login(editor)
    client.post(
        f"/requests/{sf.pk}/letters/",
        letter_data(**{"letter-in_reply_to": received.pk, "letter-subject": "We write back"}),
    )
    letter = Letter.objects.get(subject="We write back")
    assert (letter.in_reply_to, letter.direction) == (received, Letter.Direction.OUTGOING)


def test_the_letter_form_logs_no_letter_received_and_says_where_to(
    client: Client, editor: Any, sf: OptOutRequest
) -> None:
    """One way in for what an agency sent: the reply form. A letter form posted as
    "received" (an old page, or by hand) saves nothing and says so."""
    client.force_login(editor)
    before = counts()
    response = client.post(
        f"/requests/{sf.pk}/letters/",
        letter_data(**{"letter-direction": "incoming", "letter-sender": agency("ice").pk}),
    )
    assert response.status_code == 400
    assert counts() == before
    assert "Log a reply or a letter received" in response.text
    assert 'name="letter-direction"' not in response.text


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("sent_on", "12/10/2010", "is not a date: use YYYY-MM-DD, YYYY-MM or YYYY."),
        ("sent_on", "2010-02-30", "is not a real date"),
        ("subject", "", "This field is required."),
        ("sender", "999999", "Select a valid choice."),
    ],
)
def test_bad_letter_input_is_shown_next_to_the_field_and_nothing_is_written(
    client: Client, editor: Any, sf: OptOutRequest, field: str, typed: str, message: str
) -> None:
    client.force_login(editor)
    before = counts()
    response = client.post(f"/requests/{sf.pk}/letters/", letter_data(**{f"letter-{field}": typed}))
    assert response.status_code == 400
    assert counts() == before
    page = response.text
    error_list = page.split(f'id="id_letter-{field}_error"')[1].split("</ul>")[0]
    assert message in error_list.replace("&#x27;", "'")
    # The form is open, and everything else typed is still there.
    assert '<details id="log-letter" open>' in page
    assert 'value="Following ICE&#x27;s published steps once more."' in page or (
        "Following ICE&#x27;s published steps once more.</textarea>" in page
    )
    if field != "sent_on":
        assert 'value="2010-10-12"' in page
    else:
        assert f'value="{typed}"' in page
    assert 'aria-invalid="true"' in page


def test_a_letter_received_before_it_was_sent_is_refused_by_the_model_rule(
    client: Client, editor: Any, sf: OptOutRequest
) -> None:
    client.force_login(editor)
    before = counts()
    response = client.post(
        f"/requests/{sf.pk}/letters/",
        letter_data(**{"letter-received_on": "2010-10-01"}),
    )
    assert response.status_code == 400
    assert counts() == before
    error_list = response.text.split('id="id_letter-received_on_error"')[1].split("</ul>")[0]
    assert "cannot be received (1 October 2010) before it was sent (12 October 2010)" in (
        error_list
    )


def test_an_attachment_of_a_type_not_allowed_is_refused_next_to_its_field(
    client: Client, editor: Any, sf: OptOutRequest
) -> None:
    client.force_login(editor)
    before = counts()
    upload = SimpleUploadedFile("evil.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\xff\xff")
    response = client.post(
        f"/requests/{sf.pk}/letters/", letter_data(**{"letter-attachment": upload})
    )
    assert response.status_code == 400
    assert counts() == before
    error_list = response.text.split('id="id_letter-attachment_error"')[1].split("</ul>")[0]
    assert "This kind of file is not accepted" in error_list
    assert "Choose the attachment again." in response.text


def test_a_letter_cannot_answer_a_letter_of_another_request(
    client: Client, editor: Any, sf: OptOutRequest
) -> None:
    elsewhere = LetterFactory(request=RequestFactory())
    client.force_login(editor)
    before = counts()
    response = client.post(
        f"/requests/{sf.pk}/letters/", letter_data(**{"letter-in_reply_to": elsewhere.pk})
    )
    assert response.status_code == 400
    assert counts() == before
    assert 'id="id_letter-in_reply_to_error"' in response.text


# --- Log a reply --------------------------------------------------------------------


def test_logging_ices_reply_to_a_letter_ends_its_wait(
    client: Client, editor: Any, sf: OptOutRequest
) -> None:
    letter = sf.letters.get(reference="san-francisco-2010-letter-2")
    assert letter in selectors.letters_with_flag(Letter.objects.all(), "awaiting_reply")
    client.force_login(editor)
    response = client.post(
        f"/requests/{sf.pk}/replies/",
        {
            "response-agency": agency("ice").pk,
            "response-letter": letter.pk,
            "response-kind": "acknowledged",
            "response-responded_on": "2010-11",
            "response-summary": "ICE acknowledges the sheriff's letter.",
            "response-attachment": SimpleUploadedFile("reply.pdf", PDF),
        },
    )
    reply = AgencyResponse.objects.get(summary="ICE acknowledges the sheriff's letter.")
    assert response["Location"].endswith(f"?new=response-{reply.pk}#response-{reply.pk}")
    assert (reply.letter, reply.responded.display()) == (letter, "November 2010")
    assert letter not in selectors.letters_with_flag(Letter.objects.all(), "awaiting_reply")
    page = client.get(response["Location"]).text
    assert f"/replies/{reply.pk}/attachment/" in page


def test_a_reply_without_its_agency_is_shown_again_with_the_error(
    client: Client, editor: Any, sf: OptOutRequest
) -> None:
    client.force_login(editor)
    before = counts()
    response = client.post(
        f"/requests/{sf.pk}/replies/",
        {"response-kind": "denied", "response-summary": "Typed, not lost"},
    )
    assert response.status_code == 400
    assert counts() == before
    assert 'id="id_response-agency_error"' in response.text
    assert "Typed, not lost</textarea>" in response.text
    assert '<details id="log-reply" open>' in response.text


# --- Log a meeting ------------------------------------------------------------------


def test_an_editor_logs_a_planned_meeting(client: Client, editor: Any, sf: OptOutRequest) -> None:
    client.force_login(editor)
    response = client.post(
        f"/requests/{sf.pk}/meetings/",
        {
            "meeting-status": "planned",
            "meeting-held_on": "2010-11",
            "meeting-place": "ICE field office",
            "meeting-agencies": [agency("ice").pk, agency("ca-attorney-general").pk],
        },
    )
    meeting = Meeting.objects.get(place="ICE field office")
    assert response["Location"].endswith(f"#meeting-{meeting.pk}")
    assert meeting.agencies.count() == 2


def test_a_held_meeting_needs_its_date(client: Client, editor: Any, sf: OptOutRequest) -> None:
    client.force_login(editor)
    before = counts()
    response = client.post(
        f"/requests/{sf.pk}/meetings/",
        {"meeting-status": "held", "meeting-place": "City Hall"},
    )
    assert response.status_code == 400
    assert counts() == before
    error_list = response.text.split('id="id_meeting-held_on_error"')[1].split("</ul>")[0]
    assert "A meeting that was held needs its date." in error_list
    assert 'value="City Hall"' in response.text


# --- Move the request ---------------------------------------------------------------


def test_an_editor_moves_a_request_with_a_note(
    client: Client, editor: Any, sf: OptOutRequest
) -> None:
    client.force_login(editor)
    response = client.post(
        f"/requests/{sf.pk}/move/",
        {"move-to": "escalated", "move-note": "No reply; taken to the press.", "move-version": 1},
    )
    sf.refresh_from_db()
    transition = sf.transitions.latest("at")
    assert sf.status == State.ESCALATED
    assert (transition.note, transition.by) == ("No reply; taken to the press.", editor)
    assert response["Location"].endswith(f"#transition-{transition.pk}")


def test_a_move_the_workflow_refuses_is_explained_and_the_note_kept(
    client: Client, editor: Any, sf: OptOutRequest
) -> None:
    client.force_login(editor)
    before = counts()
    response = client.post(
        f"/requests/{sf.pk}/move/",
        {"move-to": "acknowledged", "move-note": "ICE called back", "move-version": sf.version},
    )
    assert response.status_code == 409
    assert counts() == before
    assert "record the agency&#x27;s response on this request first" in response.text
    assert "ICE called back</textarea>" in response.text


def test_a_withdrawal_from_a_stale_page_is_refused_saying_what_changed(
    client: Client, editor: Any, admin_user: Any, sf: OptOutRequest
) -> None:
    stale_version = sf.version
    services.request_transition(request=sf, to="escalated", by=admin_user, note="Press")
    client.force_login(editor)
    response = client.post(
        f"/requests/{sf.pk}/withdraw/",
        {"move-note": "The county gave up", "move-version": stale_version},
    )
    assert response.status_code == 409
    assert "was changed by someone else after you opened it" in response.text
    sf.refresh_from_db()
    assert sf.status == State.ESCALATED
    # The re-shown form is against the version now shown, with the reason kept.
    assert f'name="move-version" value="{sf.version}"' in response.text
    assert "The county gave up</textarea>" in response.text
    client.post(
        f"/requests/{sf.pk}/withdraw/",
        {"move-note": "The county gave up", "move-version": sf.version},
    )
    sf.refresh_from_db()
    assert sf.status == State.WITHDRAWN


def test_a_closed_request_is_reopened_from_its_confirmation_page(
    client: Client, editor: Any, sf: OptOutRequest
) -> None:
    services.request_transition(request=sf, to="withdrawn", by=editor)
    sf.refresh_from_db()
    client.force_login(editor)
    page = client.get(sf.get_absolute_url()).text
    assert f'href="/requests/{sf.pk}/reopen/"' in page
    assert "Re-open the request</button>" not in page
    confirm = client.get(f"/requests/{sf.pk}/reopen/")
    assert confirm.status_code == 200
    assert 'name="move-note"' in confirm.text
    client.post(f"/requests/{sf.pk}/reopen/", {"move-note": "Back on", "move-version": sf.version})
    sf.refresh_from_db()
    assert sf.status == State.NOTICE_SENT
    assert sf.transitions.latest("at").note == "Back on"


# --- Viewers cannot write -----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("letters/", {"letter-subject": "x"}),
        ("replies/", {"response-kind": "denied"}),
        ("meetings/", {"meeting-status": "planned"}),
        ("move/", {"move-to": "withdrawn"}),
        ("reopen/", {}),
    ],
)
def test_a_viewers_hand_made_post_is_forbidden_and_writes_nothing(
    client: Client, viewer: Any, sf: OptOutRequest, path: str, data: dict[str, Any]
) -> None:
    client.force_login(viewer)
    before = counts()
    response = client.post(f"/requests/{sf.pk}/{path}", data)
    assert response.status_code == 403
    assert counts() == before


def test_the_forms_only_accept_posts(client: Client, editor: Any, sf: OptOutRequest) -> None:
    client.force_login(editor)
    assert client.get(f"/requests/{sf.pk}/letters/").status_code == 405


def test_every_form_field_has_a_label(client: Client, editor: Any, sf: OptOutRequest) -> None:
    client.force_login(editor)
    page = client.get(sf.get_absolute_url()).text
    visible = re.findall(
        r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*\sid="([^"]+)"', page
    )
    assert len(visible) > 20
    for field_id in visible:
        assert f'for="{field_id}"' in page, field_id


# --- The agency pickers ------------------------------------------------------------


def offered_agencies(page: str, form_id: str, name: str) -> set[str]:
    """The agency ids a picker of the page offers (options or check boxes)."""
    form = page.split(f'id="{form_id}"')[1].split("</details>")[0]
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', form, re.S)
    if select:
        return set(re.findall(r'<option value="(\d+)"', select.group(1)))
    return set(re.findall(rf'<input type="checkbox" name="{name}" value="(\d+)"', form))


PICKERS = [
    ("log-letter", "letter-sender"),
    ("log-letter", "letter-recipients"),
    ("log-reply", "response-agency"),
    ("log-meeting", "meeting-agencies"),
]


def test_the_pickers_offer_the_jurisdictions_agencies_its_sib_and_ice_first(
    client: Client, editor: Any, sf: OptOutRequest
) -> None:
    own = AgencyFactory(name="Newly added agency", jurisdiction=sf.jurisdiction)
    elsewhere = AgencyFactory(name="Far away sheriff")
    client.force_login(editor)
    page = client.get(sf.get_absolute_url()).text
    for form_id, name in PICKERS:
        offered = offered_agencies(page, form_id, name)
        for expected in (own, agency("ca-sib"), agency("ice-secure-communities"), agency("ice")):
            assert str(expected.pk) in offered, (name, expected)
        assert str(elsewhere.pk) not in offered, name
    assert "Far away sheriff" not in page


def test_a_search_adds_any_other_agency_to_every_picker(
    client: Client, editor: Any, sf: OptOutRequest
) -> None:
    elsewhere = AgencyFactory(name="Far away sheriff")
    client.force_login(editor)
    response = client.get(sf.get_absolute_url(), {"find_agency": "far away"})
    assert response.status_code == 200
    for form_id, name in PICKERS:
        assert str(elsewhere.pk) in offered_agencies(response.text, form_id, name), name
    assert "1 agency matching “far away” added to the choices" in response.text
    nothing = client.get(sf.get_absolute_url(), {"find_agency": "no such agency"})
    assert "No agency matches “no such agency”." in nothing.text


def test_a_search_the_database_cannot_take_is_an_error_next_to_the_box(
    client: Client, editor: Any, sf: OptOutRequest
) -> None:
    client.force_login(editor)
    response = client.get(sf.get_absolute_url(), {"find_agency": "a\x00b"})
    assert response.status_code == 400
    assert "Null characters are not allowed." in response.text


def test_a_letter_to_an_agency_outside_the_short_list_is_saved(
    client: Client, editor: Any, sf: OptOutRequest
) -> None:
    elsewhere = AgencyFactory(name="Far away sheriff")
    client.force_login(editor)
    response = client.post(
        f"/requests/{sf.pk}/letters/",
        letter_data(**{"letter-recipients": [elsewhere.pk, agency("ca-sib").pk]}),
    )
    assert response.status_code == 302
    letter = Letter.objects.get(subject="Third request not to be activated")
    assert set(letter.recipients.all()) == {elsewhere, agency("ca-sib")}
    # From now on the agency is in the case, so the pickers offer it first.
    page = client.get(sf.get_absolute_url()).text
    assert str(elsewhere.pk) in offered_agencies(page, "log-reply", "response-agency")


def test_an_unknown_agency_id_is_a_form_error_and_the_choice_is_kept(
    client: Client, editor: Any, sf: OptOutRequest
) -> None:
    elsewhere = AgencyFactory(name="Far away sheriff")
    client.force_login(editor)
    before = counts()
    response = client.post(
        f"/requests/{sf.pk}/letters/",
        letter_data(**{"letter-sender": 999999, "letter-recipients": [elsewhere.pk]}),
    )
    assert response.status_code == 400
    form = response.text.split('id="log-letter"')[1].split("</form>")[0]
    assert "Select a valid choice" in form
    # The agency chosen outside the short list is still ticked on the page shown again.
    assert re.search(
        rf'<input type="checkbox" name="letter-recipients" value="{elsewhere.pk}"[^>]*checked',
        form,
    )
    assert counts() == before


@pytest.mark.parametrize("extra", [0, 300])
def test_the_request_page_does_not_grow_with_the_number_of_agencies(
    client: Client, editor: Any, sf: OptOutRequest, extra: int
) -> None:
    AgencyFactory.create_batch(extra)
    client.force_login(editor)
    page = client.get(sf.get_absolute_url()).text
    # San Francisco's own agencies, California's SIB, the case's correspondents and
    # ICE's program office with the agencies above it: the same 6 however many exist.
    for form_id, name in PICKERS:
        assert len(offered_agencies(page, form_id, name)) == 6, name
    # The citation choices of the letter, reply and meeting forms (the record's few
    # documents, as the edit forms offer them, and "stated or inferred") are not
    # among the pickers that could grow.
    sources = len(re.findall(r'type="checkbox" name="(?:letter|response|meeting)-sources"', page))
    citations = sources + 3 * len(Basis.choices)
    assert page.count("<option") + page.count('type="checkbox"') - citations < 60


@pytest.mark.parametrize("extra", [0, 300])
def test_the_statement_form_offers_a_bounded_list_of_agencies(
    client: Client, editor: Any, record_2010: None, extra: int
) -> None:
    AgencyFactory.create_batch(extra, level=Agency.Level.LOCAL)
    client.force_login(editor)
    page = client.get("/statements/").text
    offered = offered_agencies(page, "log-statement", "statement-agency")
    assert str(agency("ice-secure-communities").pk) in offered
    local = Agency.objects.filter(level="local").values_list("pk", flat=True)
    assert not offered & {str(pk) for pk in local}
    found = client.get("/statements/", {"find_agency": "sheriff"}).text
    sheriff = str(agency("sf-sheriff").pk)
    assert sheriff in offered_agencies(found, "log-statement", "statement-agency")
