"""Writes of the outbox: drafting letters from templates, editing them, queueing them.

Keyword-only functions, each one transaction, like ``tracker.domain.services``. The
sending itself is the worker's (``outbox.sending``); it logs the letter through
``tracker.domain.services.letter_log`` once the mail server has accepted it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from core.background import enqueue_on_commit
from core.records import User, record_check_version, set_history_user
from jurisdictions.domain.selectors import notice_recipients
from jurisdictions.models import Agency, Contact
from outbox import merge, selectors
from outbox.models import Draft, LetterTemplate
from tracker.domain.mail_identity import new_message_id, reply_address, subject_reference
from tracker.models import Letter, OptOutRequest

#: The template kind each agency kind of the documented pair is written with.
NOTICE_KIND_FOR_AGENCY: dict[str, str] = {
    Agency.Kind.PROGRAM_OFFICE: LetterTemplate.Kind.NOTICE_PROGRAM_OFFICE,
    Agency.Kind.SIB: LetterTemplate.Kind.NOTICE_SIB,
}


def with_reference(subject: str, request_id: int) -> str:
    """The subject with the request's reference (``[OOT-12]``) in front unless it has it."""
    reference = subject_reference(request_id)
    subject = " ".join(subject.split())
    return subject if reference in subject else f"{reference} {subject}".strip()


def emailed_contacts(agency: Agency) -> list[Contact]:
    """The people at an agency a letter is emailed to by default: those with an address."""
    return list(agency.contacts.exclude(email="").order_by("name", "pk"))


def _render(
    template: LetterTemplate,
    *,
    request: OptOutRequest,
    agency: Agency,
    contacts: list[Contact],
    today: dt.date,
) -> tuple[str, str]:
    context = merge.merge_context(
        request=request,
        recipient=agency,
        contacts=contacts,
        reply_address=reply_address(request.pk),
        reference=subject_reference(request.pk),
        today=today,
        first_notice=selectors.first_notice_to(request, agency.pk),
    )
    try:
        subject = merge.render(template.subject, context)
        body = merge.render(template.body, context)
    except ValidationError as error:
        raise ValidationError(
            {
                "template": gettext("The template %(name)s cannot be used: %(error)s")
                % {"name": template.name, "error": " ".join(error.messages)}
            }
        ) from None
    return with_reference(subject, request.pk)[:300], body


@transaction.atomic
def draft_create(
    *,
    request: OptOutRequest,
    by: User,
    recipient_agency: Agency,
    template: LetterTemplate | None = None,
    recipient_contacts: Iterable[Contact] | None = None,
    subject: str = "",
    body: str = "",
    in_reply_to: Letter | None = None,
    today: dt.date | None = None,
) -> Draft:
    """A draft to one agency, written from ``template`` (its merge fields filled in) or
    from the ``subject`` and ``body`` given; staff review it before sending."""
    contacts = (
        emailed_contacts(recipient_agency)
        if recipient_contacts is None
        else list(recipient_contacts)
    )
    if template is not None:
        written_subject, written_body = _render(
            template,
            request=request,
            agency=recipient_agency,
            contacts=contacts,
            today=today or timezone.localdate(),
        )
        subject = subject or written_subject
        body = body or written_body
    if not subject.strip() or not body.strip():
        raise ValidationError(
            {"template": gettext("Choose a template, or write a subject and a body.")}
        )
    if in_reply_to is not None and in_reply_to.request_id != request.pk:
        raise ValidationError({"in_reply_to": gettext("That letter belongs to another request.")})
    draft = Draft(
        request=request,
        template=template,
        recipient_agency=recipient_agency,
        in_reply_to=in_reply_to,
        subject=with_reference(subject, request.pk)[:300],
        body=body,
    )
    draft.full_clean()
    set_history_user(draft, by)
    draft.save()
    draft.recipient_contacts.set(contacts)
    return draft


@transaction.atomic
def drafts_create_notices(
    *, request: OptOutRequest, by: User, today: dt.date | None = None
) -> list[Draft]:
    """The documented pair in one step: a draft to ICE's program office and one to the
    state's State Identification Bureau, each from its template."""
    agencies = notice_recipients(request.jurisdiction)
    if not agencies:
        raise ValidationError(
            gettext(
                "No notice recipients found: add ICE's Secure Communities program office "
                "and %(state)s's State Identification Bureau as agencies first."
            )
            % {"state": request.jurisdiction.state}
        )
    made = []
    for agency in agencies:
        kind = NOTICE_KIND_FOR_AGENCY.get(agency.kind, LetterTemplate.Kind.OTHER.value)
        template = selectors.template_for_kind(kind)
        if template is None:
            raise ValidationError(
                gettext(
                    "No letter template of the kind “%(kind)s” is offered: add one in the admin."
                )
                % {"kind": LetterTemplate.Kind(kind).label}
            )
        made.append(
            draft_create(
                request=request, by=by, recipient_agency=agency, template=template, today=today
            )
        )
    return made


def _lock(draft: Draft) -> Draft:
    """The draft's row, locked for the rest of the transaction (on PostgreSQL)."""
    return Draft.objects.select_for_update().select_related("request").get(pk=draft.pk)


def _refuse_unless_editable(draft: Draft) -> None:
    if not draft.is_editable:
        raise ValidationError(
            gettext("This letter is %(status)s: it can no longer be changed.")
            % {"status": draft.get_status_display().lower()},
            code="not_editable",
        )


@transaction.atomic
def draft_update(
    *,
    draft: Draft,
    by: User,
    expected_version: int | None = None,
    subject: str | None = None,
    body: str | None = None,
    recipient_contacts: Iterable[Contact] | None = None,
    attachment: File[Any] | None = None,
) -> Draft:
    """Staff's edits of a draft not yet sent; refused once it is queued or sent, and
    when someone saved it after ``expected_version`` was read."""
    stored = _lock(draft)
    if expected_version is not None:
        record_check_version(stored, expected_version=expected_version)
    _refuse_unless_editable(stored)
    if subject is not None:
        stored.subject = with_reference(subject, stored.request_id)[:300]
    if body is not None:
        stored.body = body
    if attachment is not None:
        stored.attachment = attachment
    stored.full_clean()
    set_history_user(stored, by)
    stored.save()
    if recipient_contacts is not None:
        stored.recipient_contacts.set(list(recipient_contacts))
    return stored


def problems_before_sending(draft: Draft) -> dict[str, str]:
    """What stops a draft from being sent, by field: nobody with an email address to send
    to, or no requesting agency to log the letter as sent by."""
    problems = {}
    if not any(contact.email for contact in draft.recipient_contacts.all()):
        problems["recipient_contacts"] = gettext(
            "Nobody to send it to: choose at least one person with an email address."
        )
    if draft.request.requesting_agency_id is None:
        problems["request"] = gettext(
            "The request has no requesting agency, which the letter is logged as sent by: "
            "set it on the request first."
        )
    return problems


@transaction.atomic
def draft_queue(*, draft: Draft, by: User, expected_version: int | None = None) -> Draft:
    """Ask the worker to send the draft by email. Idempotent: a draft already queued,
    being sent or sent is returned as it is, never queued twice. A failed one is queued
    again (keeping its Message-ID, so a copy that did go out is recognised)."""
    from outbox import sending  # the worker's side imports these services

    stored = _lock(draft)
    if stored.status in (Draft.Status.QUEUED, Draft.Status.SENDING, Draft.Status.SENT):
        return stored
    if expected_version is not None:
        record_check_version(stored, expected_version=expected_version)
    problems = problems_before_sending(stored)
    if problems:
        raise ValidationError(problems)
    stored.status = Draft.Status.QUEUED
    stored.error = ""
    stored.attempts = 0
    stored.next_attempt_at = timezone.now()
    stored.queued_by = by if by is not None and by.is_authenticated else None  # type: ignore[assignment]
    stored.message_id = stored.message_id or new_message_id(stored.request_id)
    set_history_user(stored, by)
    stored.save()
    enqueue_on_commit(sending.send_draft_task, stored.pk)
    return stored
