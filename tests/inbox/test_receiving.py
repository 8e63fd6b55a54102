"""Receiving the corpus of real-shaped messages: what is filed where, and what waits."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from core.dates import PartialDate
from inbox.models import Message
from inbox.services import MessageRefused, message_file, message_receive
from tests.factories import ContactFactory, RequestFactory
from tests.inbox.conftest import Case, mail
from tracker.domain.workflow import State
from tracker.models import Letter

pytestmark = pytest.mark.django_db


def receive(raw: bytes, **extra: Any) -> Message:
    return message_receive(raw=raw, via=Message.Via.PIPE, **extra).message


def test_a_reply_to_the_reply_address_is_filed_as_a_letter_received_with_its_files(
    case: Case,
) -> None:
    message = receive(mail("multipart_with_pdf.eml", case.request))

    assert message.state == Message.State.MATCHED
    assert message.matched_by == Message.MatchedBy.ADDRESS
    letter = message.letter
    assert letter.request == case.request
    assert letter.direction == Letter.Direction.INCOMING
    assert letter.method == Letter.Method.EMAIL
    assert letter.sender == case.ice
    assert letter.sender_contact == case.venturella
    assert letter.subject == "RE: Secure Communities: request not to be activated"
    assert letter.sent == PartialDate(dt.date(2010, 10, 20))
    assert "ICE requests a meeting" in letter.summary
    # The original message is the letter's attachment, searchable like every file.
    assert letter.attachment.name.endswith(".eml")
    assert "Venturella" in letter.attachment_text
    # It answers the notice to ICE, which no longer waits.
    assert letter.in_reply_to == case.notice
    case.notice.refresh_from_db()
    assert case.notice.awaiting_reply is False
    # A reply is recorded, so the request may move on (the workflow's needs_response).
    case.request.refresh_from_db()
    assert case.request.has_response is True
    [pdf] = message.attachments.all()
    assert pdf.filename == "ICE response 2010-10-20.pdf"
    assert pdf.refused == ""
    assert pdf.file.name.endswith(".pdf")


def test_the_reference_in_the_subject_files_an_html_only_message(case: Case) -> None:
    message = receive(mail("html_only.eml", case.request))

    assert message.matched_by == Message.MatchedBy.SUBJECT
    assert message.state == Message.State.MATCHED
    assert message.text == ""
    # The letter's summary is the HTML's text; the page shows the HTML cleaned.
    assert "Your request is under review." in message.letter.summary
    assert "<script" not in message.letter.summary
    shown = message.safe_html
    assert "under review" in shown
    for hostile in ("<script", "onload", "javascript:", "<img", "<style"):
        assert hostile not in shown


def test_the_thread_files_an_iso_8859_1_message_with_rfc_2047_headers(case: Case) -> None:
    sib = case.ice  # the only agency the request awaits a reply from
    message = receive(mail("latin1_headers.eml", case.request))

    assert message.matched_by == Message.MatchedBy.THREAD
    assert message.subject == "Re: Solicitud de exclusión - San Francisco"
    assert message.from_name.startswith("Departamento de Justicia de California")
    assert "notificación" in message.text
    assert message.letter.sender == sib


def test_a_known_contact_of_one_open_request_files_a_message_with_utf8_headers(
    case: Case,
) -> None:
    message = receive(mail("utf8_headers.eml"))

    assert message.matched_by == Message.MatchedBy.CONTACT
    assert message.request == case.request
    assert message.from_name == "David Venturella \u2013 ICE"
    assert message.subject == "Meeting on Secure Communities \u2013 San Francisco"
    assert message.letter.sender_contact == case.venturella


def test_a_known_contact_of_two_open_requests_is_not_enough(case: Case) -> None:
    other = RequestFactory(jurisdiction__name="Santa Clara County")
    from tests.factories import LetterFactory

    LetterFactory(request=other, recipients=[case.ice])

    message = receive(mail("utf8_headers.eml"))

    assert message.state == Message.State.UNMATCHED
    assert message.letter is None
    assert Letter.objects.filter(direction=Letter.Direction.INCOMING).count() == 0


def test_a_forwarded_message_keeps_the_original_as_a_file_and_its_text(case: Case) -> None:
    message = receive(mail("forwarded.eml"))

    assert message.state == Message.State.UNMATCHED
    assert "Board of Supervisors asks not to be activated" in message.text
    [forwarded] = message.attachments.all()
    assert forwarded.filename == "Santa Clara opt-out letter.eml"
    assert forwarded.refused == ""


def test_a_bounce_waits_labelled_and_is_never_an_answer(case: Case) -> None:
    message = receive(mail("bounce.eml", case.request))

    assert message.state == Message.State.BOUNCE
    assert "delivery-status" in message.reason
    assert message.request == case.request  # named in its subject: shown, not filed
    assert message.letter is None
    with pytest.raises(ValidationError, match="not an agency's answer"):
        message_file(message=message, request=case.request, by=None)
    case.notice.refresh_from_db()
    assert case.notice.awaiting_reply is True


def test_an_out_of_office_reply_waits_labelled(case: Case) -> None:
    message = receive(mail("auto_reply.eml", case.request))

    assert message.state == Message.State.AUTO_REPLY
    assert "Auto-Submitted" in message.reason
    assert message.letter is None
    assert not Letter.objects.filter(direction=Letter.Direction.INCOMING).exists()


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        (b"X-Autoreply: yes\r\n", "X-Autoreply"),
        (b"Precedence: bulk\r\n", "Precedence: bulk"),
        (b"", "no-reply"),
    ],
)
def test_automatic_senders_are_recognised(case: Case, headers: bytes, reason: str) -> None:
    sender = b"no-reply@ice.dhs.gov" if not headers else b"david.venturella@ice.dhs.gov"
    raw = (
        b"From: ICE <"
        + sender
        + b">\r\nTo: replies@localhost\r\n"
        + headers
        + b"Subject: [OOT-"
        + str(case.request.pk).encode()
        + b"] Received\r\n"
        b"Date: Thu, 21 Oct 2010 09:15:00 -0400\r\nMessage-ID: <auto-"
        + headers[:3]
        + b"@ice.dhs.gov>\r\n\r\nWe have received your message.\r\n"
    )
    message = receive(raw)

    assert message.state == Message.State.AUTO_REPLY
    assert reason in message.reason


def test_a_message_that_names_nothing_waits_in_the_inbox_and_staff_file_it(
    case: Case, editor: Any
) -> None:
    message = receive(mail("unmatched.eml"))
    assert message.state == Message.State.UNMATCHED
    assert message.request is None

    letter = message_file(message=message, request=case.request, by=editor, agency=case.ice)

    message.refresh_from_db()
    assert message.state == Message.State.MATCHED
    assert message.matched_by == Message.MatchedBy.STAFF
    assert message.filed_by == editor
    assert letter.sender == case.ice
    assert letter.history.first().history_user == editor
    with pytest.raises(ValidationError, match="already filed"):
        message_file(message=message, request=case.request, by=editor, agency=case.ice)


def test_filing_needs_the_sender_when_it_cannot_be_told(case: Case, editor: Any) -> None:
    message = receive(mail("unmatched.eml"))
    other = RequestFactory()  # awaits a reply from nobody

    with pytest.raises(ValidationError) as refused:
        message_file(message=message, request=other, by=editor)

    assert "agency" in refused.value.message_dict
    message.refresh_from_db()
    assert message.letter is None


def test_the_same_message_received_twice_is_filed_once(case: Case) -> None:
    raw = mail("multipart_with_pdf.eml", case.request)
    first = message_receive(raw=raw, via=Message.Via.IMAP)
    again = message_receive(raw=raw, via=Message.Via.UPLOAD)

    assert first.created and not again.created
    assert again.message.pk == first.message.pk
    assert Message.objects.count() == 1
    assert Letter.objects.filter(direction=Letter.Direction.INCOMING).count() == 1


def test_a_message_without_message_id_is_recognised_by_its_bytes(case: Case) -> None:
    raw = mail("unmatched.eml").replace(
        b"Message-ID: <question-20101028@newspaper.example>\r\n", b""
    )
    first = receive(raw)
    receive(raw)

    assert first.message_id.startswith("sha256:")
    assert Message.objects.count() == 1


def test_a_file_disguised_as_a_pdf_is_refused_and_the_message_held_back(case: Case) -> None:
    message = receive(mail("hostile_exe_as_pdf.eml", case.request))

    assert message.state == Message.State.QUARANTINED
    assert message.letter is None
    [exe] = message.attachments.all()
    assert exe.filename == "decision.pdf"
    assert not exe.file
    assert "not accepted" in exe.refused
    assert "decision.pdf" in message.reason


def test_a_huge_attachment_is_refused_with_its_size(case: Case, settings: Any) -> None:
    settings.TRACKER_ATTACHMENT_MAX_BYTES = 2_000
    settings.INBOX_MESSAGE_MAX_BYTES = 100_000
    big = "A" * 5_000
    raw = (
        "From: david.venturella@ice.dhs.gov\r\nTo: replies@localhost\r\n"
        f"Subject: [OOT-{case.request.pk}] Enclosures\r\nDate: Thu, 21 Oct 2010 09:15:00 -0400\r\n"
        "Message-ID: <big@ice.dhs.gov>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n'
        "See the enclosure.\r\n--b\r\nContent-Type: text/plain\r\n"
        'Content-Disposition: attachment; filename="enclosure.txt"\r\n\r\n'
        f"{big}\r\n--b--\r\n"
    ).encode()

    message = receive(raw)

    assert message.state == Message.State.QUARANTINED
    assert "attachments may be at most" in message.reason


def test_a_message_over_the_size_limit_keeps_its_headers_only(case: Case, settings: Any) -> None:
    settings.INBOX_MESSAGE_MAX_BYTES = 1_024
    raw = mail("unmatched.eml") + b"x" * 2_000

    message = receive(raw)

    assert message.state == Message.State.QUARANTINED
    assert message.subject == "Question about the opt-out"
    assert not message.raw
    assert "headers" in message.reason


@pytest.mark.parametrize(
    "raw",
    [b"", b"   \r\n", b"%PDF-1.4 not an email", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1garbage"],
)
def test_bytes_that_are_not_an_email_are_refused_with_a_reason(db: None, raw: bytes) -> None:
    with pytest.raises(MessageRefused):
        receive(raw)
    assert Message.objects.count() == 0


def test_the_mailbox_keeps_what_it_cannot_read_held_back(db: None) -> None:
    message = receive(b"%PDF-1.4 not an email", keep_unreadable=True)

    assert message.state == Message.State.QUARANTINED
    assert "could not be read" in message.reason
    assert message.raw


def test_a_closed_request_is_not_matched_by_its_contact(case: Case) -> None:
    from tracker.models import OptOutRequest

    OptOutRequest.objects.filter(pk=case.request.pk).update(
        status=State.WITHDRAWN, closed_on=dt.date(2010, 11, 1)
    )

    message = receive(mail("utf8_headers.eml"))

    assert message.state == Message.State.UNMATCHED


def test_a_contact_without_an_agency_is_not_a_sender(case: Case) -> None:
    ContactFactory(
        agency=None, jurisdiction=case.request.jurisdiction, email="reader@newspaper.example"
    )

    message = receive(mail("unmatched.eml"))

    # The reader's jurisdiction has one open request, so it is matched; but a known
    # person who answers for no agency is never taken for the agency waited on.
    assert message.request == case.request
    assert message.matched_by == Message.MatchedBy.CONTACT
    assert message.state == Message.State.UNMATCHED
    assert message.letter is None
    assert "who sent it is not known" in message.reason


def test_an_outlook_msg_file_is_read_and_filed_by_its_known_sender(case: Case) -> None:
    message = receive(mail("outlook.msg"))

    assert message.subject == "Meeting with ICE staff and the Attorney General's office"
    assert message.from_address == "david.venturella@ice.dhs.gov"
    assert message.message_id == "<4CD8131F.6020705@ice.dhs.gov>"
    assert message.matched_by == Message.MatchedBy.CONTACT
    assert message.letter.sender_contact == case.venturella
    assert message.letter.sent == PartialDate(dt.date(2010, 11, 8))
    [agenda] = message.attachments.all()
    assert (agenda.filename, agenda.refused) == ("Agenda.pdf", "")
    # Kept as the RFC 822 message it holds, so it downloads and reads like any other.
    with message.raw.open("rb") as original:
        assert original.read().startswith(b"Received: ")


def test_a_nul_in_a_body_or_a_header_is_dropped(db: None) -> None:
    raw = (
        b"From: a@example.org\r\nTo: replies@localhost\r\nSubject: nul\x00here\r\n"
        b"Message-ID: <nul@example.org>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"before\x00after\r\n"
    )
    message = receive(raw)

    assert message.text == "beforeafter"
    assert "\x00" not in message.subject


def test_a_message_with_too_many_files_is_held_back(db: None) -> None:
    parts = "".join(
        f'--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename="{n}.txt"'
        f"\r\n\r\nfile {n}\r\n"
        for n in range(60)
    )
    raw = (
        "From: a@example.org\r\nTo: replies@localhost\r\nSubject: many\r\n"
        'Message-ID: <many@example.org>\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
        f"{parts}--b--\r\n"
    ).encode()

    message = receive(raw)

    assert message.state == Message.State.QUARANTINED
    assert "at most 50" in message.reason
    assert message.attachments.count() == 50


def test_an_old_message_uploaded_today_was_received_when_it_was_sent(case: Case) -> None:
    message = receive(mail("multipart_with_pdf.eml", case.request))

    assert message.letter.received == PartialDate(dt.date(2010, 10, 20))


@pytest.mark.parametrize(
    "raw",
    [
        b"From: =?utf-8?q?broken\r\nSubject: =?x-unknown?b?////?=\r\n\r\nbody",
        b"From: a@b\r\nContent-Type: multipart/mixed; boundary=\r\n\r\n--\r\n--\r\n",
        b"From: a@b\r\nSubject: " + b"\xff" * 3000 + b"\r\n\r\n" + b"\x00" * 100,
        b"From: <<<@@@>>>\r\nTo: ,,,;;;<>\r\nDate: not a date\r\n\r\nx",
    ],
)
def test_malformed_messages_are_kept_or_refused_never_a_crash(db: None, raw: bytes) -> None:
    try:
        message = receive(raw)
    except MessageRefused:
        assert Message.objects.count() == 0
    else:
        assert message.state in Message.State.values
