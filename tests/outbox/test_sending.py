"""Sending a draft through a real SMTP server (aiosmtpd on a free port)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from outbox import sending, services
from outbox.models import Draft
from tests.outbox.conftest import Case, Mailbox, free_port
from tracker.domain.mail_identity import (
    reply_address,
    request_id_from_address,
    request_id_from_message_ids,
    request_id_from_subject,
    subject_reference,
)
from tracker.models import Letter


@pytest.fixture
def queue(django_capture_on_commit_callbacks: Any) -> Any:
    """``services.draft_queue``, running what it asks for once its transaction commits
    (the task backend runs the sending task at once in the tests)."""

    def queue(draft: Draft, by: Any) -> Draft:
        with django_capture_on_commit_callbacks(execute=True):
            return services.draft_queue(draft=draft, by=by)

    return queue


def _notice(case: Case, editor: Any) -> Draft:
    drafts = services.drafts_create_notices(request=case.request, by=editor)
    return drafts[0]


def test_a_sent_notice_reaches_the_server_with_the_headers_a_reply_brings_back(
    smtp_server: Mailbox, case: Case, editor: Any, queue: Any
) -> None:
    draft = _notice(case, editor)
    queue(draft, editor)

    (message,) = smtp_server.received
    request_id = case.request.pk
    assert message["Reply-To"] == reply_address(request_id)
    assert request_id_from_address(message["Reply-To"]) == request_id
    assert subject_reference(request_id) in message["Subject"]
    assert request_id_from_subject(message["Subject"]) == request_id
    draft.refresh_from_db()
    assert message["Message-ID"] == draft.message_id
    assert request_id_from_message_ids([message["Message-ID"]]) == request_id
    assert message["From"] == "tracker@rights.example.org"
    assert "secure.communities@ice.example.gov" in message["To"]
    assert smtp_server.envelopes[0].rcpt_tos == ["secure.communities@ice.example.gov"]
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    assert "formally notify" in body.get_content()
    attachments = list(message.iter_attachments())
    assert [part.get_content_type() for part in attachments] == ["application/pdf"]
    assert attachments[0].get_content().startswith(b"%PDF")


def test_a_sent_notice_is_logged_as_the_letter_with_the_eml_kept(
    smtp_server: Mailbox, case: Case, editor: Any, queue: Any
) -> None:
    draft = _notice(case, editor)
    queue(draft, editor)

    draft.refresh_from_db()
    assert draft.status == Draft.Status.SENT
    letter = draft.letter
    assert letter is not None
    assert letter.method == Letter.Method.EMAIL
    assert letter.direction == Letter.Direction.OUTGOING
    assert letter.sent is not None and letter.sent.value == timezone.localdate()
    assert list(letter.recipients.all()) == [case.program_office]
    assert list(letter.recipient_contacts.all()) == [case.venturella]
    assert letter.subject == draft.subject
    assert letter.due_on is not None  # the reply due date, counted as for any letter
    assert letter.attachment.name.endswith(".eml")
    with letter.attachment.open("rb") as handle:
        eml = handle.read()
    assert draft.message_id.encode() in eml
    assert b"Reply-To: " + reply_address(case.request.pk).encode() in eml
    case.request.refresh_from_db()
    assert case.request.notified_program_office


def test_the_draft_s_own_attachment_goes_with_the_letter(
    smtp_server: Mailbox, case: Case, editor: Any, queue: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.conftest import PDF

    draft = _notice(case, editor)
    services.draft_update(
        draft=draft,
        by=editor,
        attachment=SimpleUploadedFile("first-letter.pdf", PDF, content_type="application/pdf"),
    )
    queue(draft, editor)

    (message,) = smtp_server.received
    attachments = list(message.iter_attachments())
    assert len(attachments) == 2
    assert attachments[1].get_content() == PDF


def test_queueing_twice_sends_once(
    smtp_server: Mailbox, case: Case, editor: Any, queue: Any
) -> None:
    draft = _notice(case, editor)
    queue(draft, editor)
    queue(draft, editor)
    assert sending.send_draft(draft.pk) is None  # a task run again finds nothing to do

    assert len(smtp_server.received) == 1
    assert Letter.objects.filter(request=case.request).count() == 1


def test_a_refusal_for_now_is_tried_again_and_sent_once(
    smtp_server: Mailbox, case: Case, editor: Any, queue: Any
) -> None:
    smtp_server.answers = ["451 4.3.0 Mailbox busy, try again later"]
    draft = _notice(case, editor)
    queue(draft, editor)

    draft.refresh_from_db()
    assert draft.status == Draft.Status.QUEUED
    assert "451" in draft.error
    assert not Letter.objects.filter(request=case.request).exists()
    assert draft.next_attempt_at is not None and draft.next_attempt_at > timezone.now()

    # Not due yet: the sweep leaves it; once due, it sends it.
    assert sending.send_due_drafts_task.call() == 0
    later = draft.next_attempt_at + dt.timedelta(minutes=2)
    assert sending.send_draft(draft.pk, now=later) == Draft.Status.SENT

    assert len(smtp_server.received) == 1
    draft.refresh_from_db()
    assert draft.status == Draft.Status.SENT
    assert draft.attempts == 2
    assert draft.error == ""
    assert Letter.objects.filter(request=case.request).count() == 1


def test_a_permanent_refusal_fails_logs_nothing_and_shows_on_the_case_page(
    smtp_server: Mailbox, case: Case, editor: Any, client: Client, queue: Any
) -> None:
    smtp_server.refuse_recipients = "550 5.1.1 No such mailbox here"
    draft = _notice(case, editor)
    queue(draft, editor)

    draft.refresh_from_db()
    assert draft.status == Draft.Status.FAILED
    assert draft.attempts == 1
    assert "550" in draft.error
    assert not Letter.objects.filter(request=case.request).exists()
    client.force_login(editor)
    page = client.get(case.request.get_absolute_url()).text
    assert "No such mailbox here" in page
    assert 'class="draft-status draft-status-failed"' in page


def test_a_server_that_never_answers_is_given_up_after_the_last_attempt(
    settings: Any, case: Case, editor: Any, queue: Any
) -> None:
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 2},
        }
    }
    settings.EMAIL_SEND_ATTEMPTS = 2
    draft = _notice(case, editor)
    queue(draft, editor)
    draft.refresh_from_db()
    assert draft.status == Draft.Status.QUEUED
    assert "ConnectionRefused" in draft.error

    assert draft.next_attempt_at is not None
    later = draft.next_attempt_at + dt.timedelta(minutes=2)
    assert sending.send_draft(draft.pk, now=later) == Draft.Status.FAILED
    draft.refresh_from_db()
    assert "gave up after 2 attempts" in draft.error
    assert not Letter.objects.filter(request=case.request).exists()


def test_a_draft_left_half_sent_by_a_lost_worker_is_failed_not_sent_again(
    smtp_server: Mailbox, case: Case, editor: Any
) -> None:
    draft = _notice(case, editor)
    Draft.objects.filter(pk=draft.pk).update(
        status=Draft.Status.SENDING,
        message_id="<oot.r1.lost@rights.example.org>",
        next_attempt_at=timezone.now() - dt.timedelta(minutes=1),
    )
    sending.send_due_drafts_task.call()

    draft.refresh_from_db()
    assert draft.status == Draft.Status.FAILED
    assert "may have gone out" in draft.error
    assert smtp_server.received == []


def test_a_draft_with_nobody_to_email_is_refused_before_it_is_queued(
    smtp_server: Mailbox, case: Case, editor: Any, queue: Any
) -> None:
    draft = _notice(case, editor)
    draft.recipient_contacts.clear()
    with pytest.raises(ValidationError) as refused:
        queue(draft, editor)
    assert "recipient_contacts" in refused.value.message_dict
    draft.refresh_from_db()
    assert draft.status == Draft.Status.DRAFT
    assert smtp_server.received == []
