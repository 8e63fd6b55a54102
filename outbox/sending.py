"""Sending a draft by email: the task worker's side of the outbox.

:func:`send_draft` makes one attempt. It first claims the draft (a compare-and-swap from
*queued* to *sending*), so however many tasks exist for it, one worker sends it at a
time and a sent draft is never sent again. The message goes through Django's email
framework (``MAILERS``, the SMTP server of ``EMAIL_HOST``) from ``DEFAULT_FROM_EMAIL``,
with the request's reply address in ``Reply-To``, its reference in the subject and a
Message-ID that names it (``tracker.domain.mail_identity``), the letter as a PDF and
the draft's attachment. Then:

- accepted: the letter is logged on the request (``letter_log``: method email, sent
  today, its recipients, the ``.eml`` as its attachment, its reply due date) and the
  draft marked sent, in one transaction;
- refused for now (a 4xx answer, no connection, a dropped connection): tried again after
  ``EMAIL_SEND_BACKOFF_SECONDS``, doubled each time, until ``EMAIL_SEND_ATTEMPTS``
  attempts have failed; then it is marked failed;
- refused for good (a 5xx answer, an address that cannot be written): marked failed.

A failed draft shows its error on the case page, and nothing is logged. A worker lost
in the middle of an attempt leaves the draft *sending*; once its claim expires the
scheduled sweep marks it failed (it may or may not have gone out), never sends it again
by itself.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from email.message import EmailMessage as PythonMessage
from email.utils import format_datetime, formataddr
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.tasks import task
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext

from core.dates import PartialDate
from outbox import pdf, selectors
from outbox.models import Draft
from tracker.domain import services as tracker_services
from tracker.domain.mail_identity import reply_address
from tracker.models import Letter

logger = logging.getLogger(__name__)

#: The longest wait between two attempts, however many there were.
MAX_BACKOFF = dt.timedelta(hours=6)


class SentMessage(EmailMessage):
    """An email built once: what the server is sent and the ``.eml`` kept are the same
    bytes (Django's message would otherwise be rebuilt, with new MIME boundaries)."""

    _built: PythonMessage | None = None

    def message(self, **kwargs: Any) -> Any:
        if self._built is None:
            self._built = super().message(**kwargs)
        return self._built


def backoff(attempt: int) -> dt.timedelta:
    """How long to wait after attempt ``attempt`` failed."""
    delay = dt.timedelta(seconds=settings.EMAIL_SEND_BACKOFF_SECONDS * 2 ** (attempt - 1))
    return min(delay, MAX_BACKOFF)


def _lease() -> dt.timedelta:
    # Longer than any attempt can take: until then no other worker touches the draft.
    return dt.timedelta(seconds=settings.EMAIL_TIMEOUT_SECONDS + 120)


def file_stem(draft: Draft) -> str:
    return slugify(draft.subject)[:60] or "letter"


def draft_pdf(draft: Draft) -> bytes:
    sender = draft.request.requesting_agency
    return pdf.letter_pdf(
        subject=draft.subject, body=draft.body, sender=sender.name if sender else ""
    )


def build_message(draft: Draft, *, now: dt.datetime) -> SentMessage:
    """The email for ``draft``: to its people with an address, the letter as a PDF and
    the draft's own attachment, and the headers a reply brings back."""
    to = [
        formataddr((contact.name, contact.email))
        for contact in draft.recipient_contacts.order_by("name", "pk")
        if contact.email
    ]
    message = SentMessage(
        subject=draft.subject,
        body=draft.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        reply_to=[reply_address(draft.request_id)],
        headers={"Message-ID": draft.message_id, "Date": format_datetime(now)},
    )
    message.attach(f"{file_stem(draft)}.pdf", draft_pdf(draft), "application/pdf")
    if draft.attachment:
        with draft.attachment.open("rb") as handle:
            content = handle.read()
        name = (draft.attachment.name or "attachment").rsplit("/", 1)[-1]
        message.attach(name, content)
    return message


def classify(failure: BaseException) -> tuple[bool, str]:
    """(worth trying again, what went wrong) for an exception raised while sending."""

    def text(value: Any) -> str:
        return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)

    if isinstance(failure, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in failure.recipients.values()]
        detail = "; ".join(
            f"{address}: {code} {text(answer)}"
            for address, (code, answer) in failure.recipients.items()
        )
        return all(400 <= code < 500 for code in codes), detail
    if isinstance(failure, smtplib.SMTPResponseException):
        return 400 <= failure.smtp_code < 500, f"{failure.smtp_code} {text(failure.smtp_error)}"
    if isinstance(failure, smtplib.SMTPServerDisconnected):
        return True, f"{type(failure).__name__}: {failure}"
    if isinstance(failure, smtplib.SMTPException):
        return False, f"{type(failure).__name__}: {failure}"
    if isinstance(failure, OSError):  # refused or lost connection, timeout, unknown host
        return True, f"{type(failure).__name__}: {failure}"
    return False, f"{type(failure).__name__}: {failure}"


def _finish(draft_id: int, **fields: Any) -> None:
    Draft.objects.filter(pk=draft_id, status=Draft.Status.SENDING).update(**fields)


def _log_letter(draft: Draft, message: SentMessage, now: dt.datetime) -> Letter:
    """The sent email as the request's outgoing letter, the draft marked sent."""
    eml = message.message().as_bytes()
    request = draft.request
    assert request.requesting_agency is not None  # checked when it was queued
    with transaction.atomic():
        letter = tracker_services.letter_log(
            request=request,
            by=draft.queued_by,
            sender=request.requesting_agency,
            recipients=[draft.recipient_agency],
            recipient_contacts=list(draft.recipient_contacts.all()),
            method=Letter.Method.EMAIL,
            sent_on=PartialDate(timezone.localdate(now)),
            subject=draft.subject,
            summary=draft.body,
            attachment=ContentFile(eml, name=f"{file_stem(draft)}.eml"),
            notes=gettext("Sent by email from the tracker (Message-ID %(id)s).")
            % {"id": draft.message_id},
        )
        _finish(
            draft.pk,
            status=Draft.Status.SENT,
            letter=letter,
            sent_at=now,
            error="",
            next_attempt_at=None,
        )
    return letter


def send_draft(draft_id: int, *, now: dt.datetime | None = None) -> str | None:
    """One attempt at sending a queued draft whose attempt is due; its status afterwards
    (``sent``, ``queued`` to be tried again, ``failed``), or None when it was not tried
    (not queued, not due, or another worker has it)."""
    now = now or timezone.now()
    claimed = Draft.objects.filter(
        pk=draft_id, status=Draft.Status.QUEUED, next_attempt_at__lte=now
    ).update(
        status=Draft.Status.SENDING, attempts=F("attempts") + 1, next_attempt_at=now + _lease()
    )
    if not claimed:
        return None
    draft = Draft.objects.select_related(
        "request__requesting_agency", "recipient_agency", "queued_by"
    ).get(pk=draft_id)
    try:
        message = build_message(draft, now=now)
        message.send(using="default")
    except Exception as failure:  # whatever the mail server or the network did
        return _failed(draft, failure, now)
    logger.info("Draft %s sent (%s), attempt %d", draft.pk, draft.message_id, draft.attempts)
    try:
        _log_letter(draft, message, now)
    except Exception as failure:
        # The server has it: never send it again. Say so, and that it was not logged.
        logger.exception("Draft %s was sent but could not be logged as a letter", draft.pk)
        _finish(
            draft.pk,
            status=Draft.Status.SENT,
            sent_at=now,
            next_attempt_at=None,
            error=gettext(
                "Sent, but it could not be logged as a letter (%(error)s): log it by hand."
            )
            % {"error": failure},
        )
    return Draft.Status.SENT


def _failed(draft: Draft, failure: BaseException, now: dt.datetime) -> str:
    transient, detail = classify(failure)
    if transient and draft.attempts < settings.EMAIL_SEND_ATTEMPTS:
        retry_at = now + backoff(draft.attempts)
        _finish(
            draft.pk,
            status=Draft.Status.QUEUED,
            next_attempt_at=retry_at,
            error=gettext(
                "Attempt %(attempt)d of %(attempts)d was refused for now (%(detail)s); "
                "trying again at %(time)s."
            )
            % {
                "attempt": draft.attempts,
                "attempts": settings.EMAIL_SEND_ATTEMPTS,
                "detail": detail,
                "time": timezone.localtime(retry_at).strftime("%Y-%m-%d %H:%M"),
            },
        )
        logger.warning("Draft %s attempt %d refused for now: %s", draft.pk, draft.attempts, detail)
        if send_draft_task.get_backend().supports_defer:
            send_draft_task.using(run_after=retry_at).enqueue(draft.pk)
        return Draft.Status.QUEUED
    if transient:
        error = gettext("Not sent: gave up after %(attempts)d attempts; the last: %(detail)s") % {
            "attempts": draft.attempts,
            "detail": detail,
        }
    else:
        error = gettext("Not sent: the mail server refused it (%(detail)s).") % {"detail": detail}
    _finish(draft.pk, status=Draft.Status.FAILED, next_attempt_at=None, error=error)
    logger.error("Draft %s failed: %s", draft.pk, detail)
    return Draft.Status.FAILED


def fail_abandoned(*, now: dt.datetime | None = None) -> int:
    """Drafts a lost worker left *sending*: marked failed, never sent again by
    themselves (the server may have accepted them)."""
    now = now or timezone.now()
    abandoned = selectors.abandoned_drafts(now=now)
    return Draft.objects.filter(
        pk__in=abandoned, status=Draft.Status.SENDING, next_attempt_at__lt=now
    ).update(
        status=Draft.Status.FAILED,
        next_attempt_at=None,
        error=gettext(
            "The worker stopped while sending this letter: it may have gone out. Check the "
            "sent mail before sending it again."
        ),
    )


@task
def send_draft_task(draft_id: int) -> str | None:
    """One attempt at sending one draft (see :func:`send_draft`); safe to run twice."""
    return send_draft(draft_id)


@task
def send_due_drafts_task() -> int:
    """The scheduled sweep (every minute): drafts lost mid-send marked failed, and a task
    for each queued draft left due."""
    fail_abandoned()
    due = selectors.due_drafts()
    for draft_id in due:
        send_draft_task.enqueue(draft_id)
    return len(due)
