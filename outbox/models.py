"""Letter templates, and the drafts made from them that staff review and send by email.

A :class:`Draft` is one letter to one agency on one request: written from a
:class:`LetterTemplate`, edited by staff, then queued and sent by the task worker
(``outbox.sending``). Once the mail server has accepted it, the letter is logged on the
request (``tracker.domain.services.letter_log``) and the draft points at it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.attachments import attachment_path, validate_attachment
from core.inputs import LongTextField
from core.models import TrackedModel
from jurisdictions.models import Agency, Contact


class TemplateKind(models.TextChoices):
    NOTICE_PROGRAM_OFFICE = "notice_program_office", _("Notice to ICE's program office")
    NOTICE_SIB = "notice_sib", _("Notice to the State Identification Bureau")
    FOLLOW_UP = "follow_up", _("Follow-up (no reply since …)")
    OTHER = "other", _("Other letter")


class DraftStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class LetterTemplate(TrackedModel):
    """The subject and body of a kind of letter, with merge fields (``outbox.merge``)."""

    Kind = TemplateKind

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=30, choices=TemplateKind.choices, default=TemplateKind.OTHER
    )
    subject = models.CharField(
        _("subject"),
        max_length=300,
        help_text=_("Merge fields as in the body; the request's reference is added if missing."),
    )
    body = models.TextField(
        _("body"),
        help_text=_(
            "Django template language with the merge fields listed below, e.g. "
            "{{ jurisdiction.name }}, {{ recipient.name }}, {{ today }}."
        ),
    )
    is_active = models.BooleanField(
        _("offered"), default=True, help_text=_("Offered when drafting letters.")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("letter template")
        verbose_name_plural = _("letter templates")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in TemplateKind]),
                name="outbox_lettertemplate_kind_known",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from outbox.merge import check_template

        errors = {}
        for field in ("subject", "body"):
            try:
                check_template(getattr(self, field))
            except ValidationError as error:
                errors[field] = error.messages
        if errors:
            raise ValidationError(errors)


class Draft(TrackedModel):
    """One letter to one agency, written from a template, reviewed, then emailed."""

    Status = DraftStatus
    #: A draft in these states may still be edited and (again) sent.
    EDITABLE = frozenset({DraftStatus.DRAFT, DraftStatus.FAILED})

    request = models.ForeignKey(
        "tracker.OptOutRequest",
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        related_name="drafts",
    )
    template = models.ForeignKey(
        LetterTemplate,
        verbose_name=_("template"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="drafts",
    )
    recipient_agency = models.ForeignKey(
        Agency, verbose_name=_("to agency"), on_delete=models.PROTECT, related_name="drafts"
    )
    recipient_contacts = models.ManyToManyField(
        Contact,
        verbose_name=_("to"),
        blank=True,
        related_name="drafts",
        help_text=_("The people at the agency the email goes to (their email addresses)."),
    )
    in_reply_to = models.ForeignKey(
        "tracker.Letter",
        verbose_name=_("follows up"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_up_drafts",
    )
    subject = models.CharField(_("subject"), max_length=300)
    body = LongTextField(_("body"))
    attachment = models.FileField(
        _("attachment"),
        upload_to=attachment_path,
        blank=True,
        validators=[validate_attachment],
        help_text=_("Sent with the letter (which goes as a PDF too)."),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DraftStatus.choices,
        default=DraftStatus.DRAFT,
        editable=False,
    )
    error = models.TextField(_("error"), blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0, editable=False)
    #: When the worker may try next (while sending: when that attempt's claim expires).
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True, editable=False)
    message_id = models.CharField(_("Message-ID"), max_length=200, blank=True, editable=False)
    queued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True, editable=False)
    letter = models.OneToOneField(
        "tracker.Letter",
        verbose_name=_("letter logged"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="draft",
        editable=False,
    )

    history = HistoricalRecords(m2m_fields=[recipient_contacts])

    class Meta:
        verbose_name = _("draft letter")
        verbose_name_plural = _("draft letters")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in DraftStatus]),
                name="outbox_draft_status_known",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="sent") | ~models.Q(message_id=""),
                name="outbox_draft_sent_has_message_id",
            ),
            models.UniqueConstraint(
                fields=["message_id"],
                condition=~models.Q(message_id=""),
                name="outbox_draft_message_id_unique",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status__in=["queued", "sending"]),
                name="outbox_draft_due",
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE
