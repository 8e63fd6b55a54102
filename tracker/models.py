"""Opt-out requests and everything that happens to them.

Status is never edited directly: it changes only through
:func:`tracker.domain.services.request_transition`, which also writes the
:class:`Transition` log. Dates known only to the month or year are stored with
their precision (see :mod:`core.dates`).
"""

from __future__ import annotations

import secrets
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.signals import pre_save
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.attachments import attachment_path, extract_text, validate_attachment
from core.dates import (
    DatePrecision,
    PartialDateField,
    latest_day,
    validate_not_future,
    validate_plausible_date,
)
from core.inputs import NOTE_MAX_LENGTH, LongTextField
from core.models import TrackedModel
from jurisdictions.models import Agency, Contact, Jurisdiction
from tracker.domain.permissions import OWNER_NOT_ON_STAFF, may_own_request
from tracker.domain.workflow import CLOSED_STATES, State

__all__ = [
    "INFERENCE_NEEDS_REASONING",
    "STORED_FACTS",
    "WORKFLOW_FACTS",
    "AgencyResponse",
    "Basis",
    "CalendarToken",
    "CorrespondenceThread",
    "DatePrecision",
    "Event",
    "Holiday",
    "Letter",
    "Meeting",
    "OptOutRequest",
    "ReminderLog",
    "Source",
    "Statement",
    "ThreadLetter",
    "Transition",
]


#: The columns of a request that the workflow's guards ask (``workflow.RequestFacts``).
WORKFLOW_FACTS: tuple[str, ...] = (
    "has_sent_letter",
    "notified_program_office",
    "notified_sib",
    "has_response",
    "has_held_meeting",
    "has_letter_since_state_entered",
)
#: The columns of a request that the services work out from other records (see
#: ``OptOutRequest``): never edited, never in its history.
STORED_FACTS: tuple[str, ...] = (
    *WORKFLOW_FACTS,
    "has_awaiting_reply",
    "next_due_on",
    "next_very_overdue_on",
    "waiting_since_on",
    "waiting_since_precision",
    "waiting_since_until",
)


def _attachment_field() -> models.FileField:
    return models.FileField(
        _("attachment"),
        upload_to=attachment_path,
        blank=True,
        validators=[validate_attachment],
        help_text=_("PDF, image, plain text, email or Word document."),
    )


def _attachment_text_field() -> models.TextField:  # type: ignore[type-arg]
    return models.TextField(
        _("text of the attachment"),
        blank=True,
        default="",
        editable=False,
        help_text=_("Read from the file when it is uploaded, for the search."),
    )


class WithAttachmentText(models.Model):
    """A record whose file's text is kept beside it for the staff search.

    The text is read when a new file is saved, whatever the path (the services, the
    admin, the API), and cleared with the file; ``extract_attachment_text`` fills it
    for files uploaded before the column existed. It is derived from the file, so it
    is not part of the record's edit history.
    """

    #: The name of the record's file field.
    file_field_name: ClassVar[str] = "attachment"

    attachment_text = _attachment_text_field()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields is None or self.file_field_name in update_fields:
            file = getattr(self, self.file_field_name)
            if not file:
                self.attachment_text = ""
            elif not getattr(file, "_committed", True):
                self.attachment_text = extract_text(file)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "attachment_text"}
        super().save(*args, **kwargs)

    @property
    def attachment_previewable(self) -> bool:
        """Whether the file is a PDF or an image a browser shows (see core/downloads.py)."""
        from core.downloads import previewable

        return previewable(self, self.file_field_name)


class Source(TrackedModel):
    """A document the record rests on: a seed article, a letter, a memo, a press release.

    Records cite their sources (``sources`` on every fact-bearing record) so that an
    advocate quoting the record can name where each fact comes from.
    """

    seed = models.CharField(
        _("seed number"),
        max_length=10,
        blank=True,
        help_text=_('The number of the seed document ("000") when the source is one.'),
    )
    title = models.CharField(_("title"), max_length=300)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    published = PartialDateField(
        _("published"),
        column="published_on",
        happened=True,
        precision_verbose_name=_("published precision"),
    )
    url = models.URLField(_("address"), blank=True)
    notes = LongTextField(_("internal notes"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["seed", "title", "pk"]
        verbose_name = _("source")

    def __str__(self) -> str:
        return f"{self.seed}: {self.title}" if self.seed else self.title


#: The error an inferred record without its reasoning gets, on every surface.
INFERENCE_NEEDS_REASONING = _(
    "Say how it is inferred: what the sources say, and why this follows from it."
)


class Basis(models.TextChoices):
    """Whether a record's sources say what it holds, or it follows from what they say."""

    STATED = "stated", _("Stated by its sources")
    INFERRED = "inferred", _("Inferred from its sources")


class PublishableModel(TrackedModel):
    """A record an editor can publish on the public pages; internal notes never are.

    Every such record bears facts, so it also carries its sources and whether it is
    stated by them or inferred (with the reasoning).
    """

    is_public = models.BooleanField(
        _("public"),
        default=False,
        help_text=_("Shown on the public pages and to anonymous API readers."),
    )
    notes = LongTextField(_("internal notes"), blank=True)
    source = models.CharField(
        _("source"), max_length=200, blank=True, help_text=_("Seed documents or other sources.")
    )
    sources = models.ManyToManyField(
        Source, verbose_name=_("sources"), blank=True, related_name="cited_by_%(class)s"
    )
    basis = models.CharField(
        _("stated or inferred"),
        max_length=8,
        choices=Basis.choices,
        default=Basis.STATED,
        help_text=_("Inferred: no source says it outright, but it follows from what they say."),
    )
    inference = LongTextField(
        _("how it is inferred"),
        blank=True,
        help_text=_("For an inferred record: what it is inferred from, and why."),
    )

    class Meta:
        abstract = True

    @property
    def is_inferred(self) -> bool:
        return self.basis == Basis.INFERRED

    def clean(self) -> None:
        super().clean()
        if self.basis == Basis.INFERRED and not self.inference.strip():
            raise ValidationError(
                {"inference": ValidationError(INFERENCE_NEEDS_REASONING, code="inference_needed")}
            )


class OptOutRequest(PublishableModel):
    """A jurisdiction's request not to be (or no longer be) part of Secure Communities."""

    class Seeks(models.TextChoices):
        REMOVE_FROM_PLAN = "remove_from_plan", _("Removal from the deployment plan")
        DELAY_ACTIVATION = "delay_activation", _("A later activation date")
        CRIMINAL_ONLY = "criminal_only", _("Criminal-only checks (no immigration databases)")
        STOP_RECEIVING_RESULTS = "stop_receiving_results", _("Stop receiving results back")

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="requests"
    )
    title = models.CharField(_("title"), max_length=200)
    seeks = models.CharField(
        _("what it seeks"),
        max_length=30,
        choices=Seeks.choices,
        default=Seeks.REMOVE_FROM_PLAN,
        help_text=_(
            "ICE's memo meant removal from the deployment plan; Rep. Lofgren meant "
            "criminal-only checks. Record which one this request asks for."
        ),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=State.choices, default=State.DRAFT, editable=False
    )
    requesting_agency = models.ForeignKey(
        Agency,
        verbose_name=_("requesting agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requests_made",
    )
    requested_by = models.ForeignKey(
        Contact,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requests_made",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner on staff"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_requests",
    )
    summary = LongTextField(_("summary"), blank=True)
    opened = PartialDateField(
        _("opened"), column="opened_on", happened=True, precision_verbose_name=_("opened precision")
    )
    closed_on = models.DateField(_("closed"), null=True, blank=True, editable=False)
    outcome = LongTextField(_("outcome"), blank=True)

    # What the workflow's guards and the lists ask of a request, worked out from its
    # letters, replies, meetings and status log and stored here so that every read is
    # a column (and the flags an indexed comparison). Only the services write them, in
    # the same transaction as every write that changes them (see
    # tracker.domain.services.requests_recompute_facts); the rules are in
    # tracker.domain.selectors.request_facts_from_rows.
    has_sent_letter = models.BooleanField(_("has sent a letter"), default=False, editable=False)
    notified_program_office = models.BooleanField(
        _("notified ICE's program office"), default=False, editable=False
    )
    notified_sib = models.BooleanField(_("notified the SIB"), default=False, editable=False)
    has_response = models.BooleanField(_("has a reply"), default=False, editable=False)
    has_held_meeting = models.BooleanField(_("has held a meeting"), default=False, editable=False)
    has_letter_since_state_entered = models.BooleanField(
        _("has sent a letter since its status last changed"), default=False, editable=False
    )
    has_awaiting_reply = models.BooleanField(
        _("has a letter awaiting a reply"), default=False, editable=False
    )
    next_due_on = models.DateField(
        _("next reply due"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The earliest due date of its letters awaiting a reply."),
    )
    next_very_overdue_on = models.DateField(
        _("next very overdue after"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The earliest very-overdue date of its letters awaiting a reply."),
    )
    waiting_since_on = models.DateField(
        _("waiting since"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When its oldest letter awaiting a reply was sent."),
    )
    waiting_since_precision = models.CharField(
        _("waiting since precision"),
        max_length=5,
        choices=DatePrecision.choices,
        blank=True,
        default="",
        editable=False,
    )
    waiting_since_until = models.DateField(
        _("waiting since, latest day"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The latest day its oldest letter awaiting a reply may have been sent."),
    )

    # The stored facts follow other records' writes, not edits of the request: they
    # are not part of its edit history.
    history = HistoricalRecords(excluded_fields=list(STORED_FACTS))

    class Meta:
        ordering = ["jurisdiction__state", "jurisdiction__name", "-opened_on", "pk"]
        verbose_name = _("opt-out request")
        indexes = [
            # Overdue and very overdue: a range over the requests with a letter waiting.
            models.Index(
                fields=["next_due_on"],
                condition=Q(next_due_on__isnull=False),
                name="tracker_request_overdue",
            ),
            models.Index(
                fields=["next_very_overdue_on"],
                condition=Q(next_very_overdue_on__isnull=False),
                name="tracker_request_very_overdue",
            ),
            # The admin's "days waiting" order.
            models.Index(fields=["waiting_since_on", "id"], name="tracker_request_waiting"),
            # Copies kept in sync: `updated_after` and `ordering=updated_at` (cursor pages).
            models.Index(fields=["updated_at", "id"], name="tracker_request_updated"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(status__in=sorted(CLOSED_STATES), closed_on__isnull=False)
                    | (~Q(status__in=sorted(CLOSED_STATES)) & Q(closed_on__isnull=True))
                ),
                name="tracker_request_closed_iff_close_date",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in State]),
                name="tracker_request_status_known",
            ),
            models.CheckConstraint(
                condition=(
                    Q(closed_on__isnull=True)
                    | Q(opened_on__isnull=True)
                    | Q(closed_on__gte=F("opened_on"))
                ),
                name="tracker_request_closed_after_opened",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("request-detail", kwargs={"pk": self.pk})

    @property
    def state(self) -> State:
        return State(self.status)

    @property
    def is_closed(self) -> bool:
        return self.state in CLOSED_STATES

    def clean(self) -> None:
        super().clean()
        opened = self.opened
        if opened and self.closed_on and self.closed_on < opened.earliest:
            raise ValidationError(
                {"opened_on": gettext("A request cannot be opened after it was closed.")}
            )
        owner = self.owner if self.owner_id is not None else None
        if owner is not None and not may_own_request(owner) and self._owner_changed():
            raise ValidationError(
                {"owner": ValidationError(OWNER_NOT_ON_STAFF, code="owner_not_on_staff")}
            )

    def _owner_changed(self) -> bool:
        # A request kept by someone who has since left the staff can still be edited
        # and published; only giving it to someone off staff is refused.
        if self._state.adding or self.pk is None:
            return True
        stored = type(self).objects.filter(pk=self.pk).values_list("owner_id", flat=True)
        return stored.first() != self.owner_id


def _waiting_since_until_of_loaded_requests(
    sender: type, instance: OptOutRequest, raw: bool = False, **kwargs: Any
) -> None:
    """A request loaded from a fixture carries "waiting since" and its precision: its
    latest day follows from them (a range of days carries its own)."""
    if not raw or instance.waiting_since_on is None:
        return
    if instance.waiting_since_precision != DatePrecision.RANGE:
        instance.waiting_since_until = latest_day(
            instance.waiting_since_on, instance.waiting_since_precision
        )


pre_save.connect(_waiting_since_until_of_loaded_requests, sender=OptOutRequest)


class Letter(WithAttachmentText, PublishableModel):
    """One piece of written correspondence: sent by the jurisdiction, or received by it."""

    class Direction(models.TextChoices):
        OUTGOING = "outgoing", _("Sent by the jurisdiction")
        INCOMING = "incoming", _("Received by the jurisdiction")

    class Method(models.TextChoices):
        MAIL = "mail", _("Mail")
        FAX = "fax", _("Fax")
        EMAIL = "email", _("Email")
        HAND = "hand", _("Hand delivery")
        PORTAL = "portal", _("Web portal")
        UNKNOWN = "unknown", _("Unknown")

    request = models.ForeignKey(OptOutRequest, on_delete=models.CASCADE, related_name="letters")
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.OUTGOING
    )
    sender = models.ForeignKey(
        Agency, verbose_name=_("sender"), on_delete=models.PROTECT, related_name="letters_sent"
    )
    sender_contact = models.ForeignKey(
        Contact,
        verbose_name=_("signed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="letters_signed",
    )
    recipients = models.ManyToManyField(
        Agency,
        verbose_name=_("recipients"),
        blank=True,
        related_name="letters_received",
        help_text=_("Every agency it went to (for a notice: ICE's program office and the SIB)."),
    )
    recipient_contacts = models.ManyToManyField(
        Contact,
        verbose_name=_("addressed to"),
        blank=True,
        related_name="letters_addressed",
    )
    method = models.CharField(
        _("method"), max_length=10, choices=Method.choices, default=Method.MAIL
    )
    sent = PartialDateField(
        _("sent"), column="sent_on", happened=True, precision_verbose_name=_("sent precision")
    )
    received = PartialDateField(
        _("received"),
        column="received_on",
        happened=True,
        precision_verbose_name=_("received precision"),
    )
    subject = models.CharField(_("subject"), max_length=300)
    summary = LongTextField(_("summary"), blank=True)
    attachment = _attachment_field()
    in_reply_to = models.ForeignKey(
        "self",
        verbose_name=_("in reply to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replies",
    )
    due_on = models.DateField(
        _("reply due"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Computed from the recipients' reply windows when the letter is logged."),
    )
    # Stored next to due_on so "very overdue" can be filtered in SQL; the flag
    # itself is derived from today's date, never stored.
    very_overdue_on = models.DateField(
        _("very overdue after"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The end of twice the reply window, counted the same way as the due date."),
    )
    # Stored so that "awaiting a reply", "overdue" and "very overdue" are indexed
    # comparisons; the services keep it true on every write that changes it (see
    # tracker.domain.services.letters_recompute_awaiting).
    awaiting_reply = models.BooleanField(
        _("awaiting a reply"),
        default=False,
        editable=False,
        help_text=_("Sent by the jurisdiction, with no response or reply letter logged to it."),
    )

    # The waiting state follows other records' writes, not edits of this letter: it
    # is not part of the letter's edit history.
    history = HistoricalRecords(
        m2m_fields=[recipients, recipient_contacts],
        excluded_fields=["awaiting_reply", "attachment_text"],
    )

    class Meta:
        ordering = ["sent_on", "pk"]
        indexes = [
            # The letters list's default order.
            models.Index(fields=["sent_on", "id"], name="tracker_letter_sent_order"),
            # Overdue and very overdue: a range over the letters still waiting only.
            models.Index(
                fields=["due_on"],
                condition=Q(awaiting_reply=True),
                name="tracker_letter_overdue",
            ),
            models.Index(
                fields=["very_overdue_on"],
                condition=Q(awaiting_reply=True),
                name="tracker_letter_very_overdue",
            ),
            # Copies kept in sync: `updated_after` and `ordering=updated_at` (cursor pages).
            models.Index(fields=["updated_at", "id"], name="tracker_letter_updated"),
        ]
        constraints = [
            # Compared on the stored (earliest) days when the receipt is known to the day;
            # coarser receipt dates are checked by clean() against the latest possible day.
            models.CheckConstraint(
                condition=(
                    Q(received_on__isnull=True)
                    | Q(sent_on__isnull=True)
                    | ~Q(received_on_precision="day")
                    | Q(received_on__gte=F("sent_on"))
                ),
                name="tracker_letter_received_not_before_sent",
            ),
            models.CheckConstraint(
                condition=Q(in_reply_to__isnull=True) | ~Q(in_reply_to=F("id")),
                name="tracker_letter_not_reply_to_itself",
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_outgoing(self) -> bool:
        return self.direction == self.Direction.OUTGOING

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        sent, received = self.sent, self.received
        if sent and received and not sent.may_be_before(received):
            errors["received_on"] = gettext(
                "A letter cannot be received (%(received)s) before it was sent (%(sent)s)."
            ) % {"received": received, "sent": sent}
        if self.in_reply_to_id is not None:
            if self.pk is not None and self.in_reply_to_id == self.pk:
                errors["in_reply_to"] = gettext("A letter cannot answer itself.")
            elif (
                self.in_reply_to is not None
                and self.request_id is not None
                and self.in_reply_to.request_id != self.request_id
            ):
                errors["in_reply_to"] = gettext(
                    "A letter can only answer a letter of the same request."
                )
        errors.update(self._conflicts_with_replies())
        if errors:
            raise ValidationError(errors)

    def _conflicts_with_replies(self) -> dict[str, str]:
        """An edit must keep the replies already recorded to this letter valid."""
        if self.pk is None:
            return {}
        errors: dict[str, str] = {}
        sent = self.sent
        for reply in AgencyResponse.objects.filter(letter_id=self.pk):
            if self.request_id is not None and reply.request_id != self.request_id:
                errors["request"] = gettext(
                    "This letter has replies recorded on its request; "
                    "it cannot move to another request."
                )
            responded = reply.responded
            if sent and responded and not sent.may_be_before(responded):
                errors["sent_on"] = gettext(
                    "A reply to this letter is dated %(responded)s; "
                    "the letter cannot have been sent later (%(sent)s)."
                ) % {"responded": responded, "sent": sent}
        return errors


class AgencyResponse(WithAttachmentText, PublishableModel):
    """An agency's reply to a letter or to a request as a whole."""

    class Kind(models.TextChoices):
        ACKNOWLEDGED = "acknowledged", _("Acknowledged receipt")
        MEETING_REQUESTED = "meeting_requested", _("Requested a meeting")
        REMOVED = "removed", _("Removed from the deployment plan")
        ACTIVATION_CHANGED = "activation_changed", _("Changed the activation date")
        DENIED = "denied", _("Denied")
        MORE_INFORMATION = "more_information", _("Asked for more information")
        NO_SUBSTANTIVE_ANSWER = "no_substantive_answer", _("No substantive answer")

    request = models.ForeignKey(OptOutRequest, on_delete=models.CASCADE, related_name="responses")
    letter = models.ForeignKey(
        Letter,
        verbose_name=_("answers letter"),
        null=True,
        blank=True,
        # A letter with replies cannot be deleted alone, but deleting its whole
        # request takes the letter and the replies together.
        on_delete=models.RESTRICT,
        related_name="responses",
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="responses")
    responded = PartialDateField(
        _("date"), column="responded_on", happened=True, precision_verbose_name=_("date precision")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    summary = LongTextField(_("summary"), blank=True)
    attachment = _attachment_field()

    history = HistoricalRecords(excluded_fields=["attachment_text"])

    class Meta:
        ordering = ["responded_on", "pk"]
        verbose_name = _("agency response")
        indexes = [
            # The responses list's default order (the admin pages through 60,000 and more,
            # the public search walks the published ones in it).
            models.Index(fields=["responded_on", "id"], name="tracker_response_order"),
            # Copies kept in sync: `updated_after` and `ordering=updated_at` (cursor pages).
            models.Index(fields=["updated_at", "id"], name="tracker_response_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.agency}: {self.get_kind_display()}"

    def clean(self) -> None:
        super().clean()
        letter = self.letter
        if letter is None:
            return
        if self.request_id is not None and letter.request_id != self.request_id:
            raise ValidationError(
                {
                    "letter": gettext(
                        "This letter belongs to another request; choose one of this request's."
                    )
                }
            )
        responded, sent = self.responded, letter.sent
        if responded and sent and not sent.may_be_before(responded):
            raise ValidationError(
                {
                    "responded_on": gettext(
                        "A response (%(responded)s) cannot predate the letter it answers "
                        "(sent %(sent)s)."
                    )
                    % {"responded": responded, "sent": sent}
                }
            )


class Meeting(PublishableModel):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    request = models.ForeignKey(OptOutRequest, on_delete=models.CASCADE, related_name="meetings")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    held = PartialDateField(_("date"), column="held_on", precision_verbose_name=_("date precision"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    agencies = models.ManyToManyField(
        Agency, verbose_name=_("agencies attending"), blank=True, related_name="meetings"
    )
    attendees = models.ManyToManyField(
        Contact, verbose_name=_("people attending"), blank=True, related_name="meetings"
    )
    outcome = LongTextField(_("outcome"), blank=True)

    history = HistoricalRecords(m2m_fields=[agencies, attendees])

    class Meta:
        ordering = ["held_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="held") | Q(held_on__isnull=False),
                name="tracker_meeting_held_has_date",
            ),
        ]

    def __str__(self) -> str:
        return gettext("Meeting (%(status)s), %(date)s") % {
            "status": self.get_status_display().lower(),
            "date": self.held or gettext("date unknown"),
        }

    def clean(self) -> None:
        super().clean()
        if self.status == self.Status.HELD and self.held is None:
            raise ValidationError({"held_on": gettext("A meeting that was held needs its date.")})
        if self.status == self.Status.HELD and self.held is not None:
            # A planned (or cancelled) meeting may be dated ahead; one held may not.
            try:
                validate_not_future(self.held.earliest)
            except ValidationError as error:
                raise ValidationError({"held_on": error}) from None


class Transition(models.Model):
    """One status change of a request. Written only by the services; never edited."""

    request = models.ForeignKey(OptOutRequest, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(_("from"), max_length=20, choices=State.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=20, choices=State.choices)
    #: When the move was entered in the tracker (the audit's time), not when it happened.
    at = models.DateTimeField(_("when"), auto_now_add=True)
    #: When the move happened (its effective date), known to the day, the month or the
    #: year: a move entered today for December 2010 is dated December 2010. Every
    #: surface dates and sorts the move by it; ``at`` stays the time it was entered.
    happened = PartialDateField(
        _("happened"),
        column="happened_on",
        happened=True,
        precision_verbose_name=_("happened precision"),
        default=timezone.localdate,
        null=False,
        blank=False,
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="transitions",
    )
    note = LongTextField(_("why"), blank=True, text_limit=NOTE_MAX_LENGTH)
    letter = models.ForeignKey(
        Letter,
        verbose_name=_("caused by letter"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="transitions",
    )
    response = models.ForeignKey(
        AgencyResponse,
        verbose_name=_("caused by response"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="transitions",
    )
    # Deleting a request (admins only) takes its status log with it; the history
    # keeps every row that was deleted.
    history = HistoricalRecords()

    class Meta:
        ordering = ["at", "pk"]
        indexes = [
            # The status log's default order, for the admin's list of every move.
            models.Index(fields=["at", "id"], name="tracker_transition_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_state=F("to_state")),
                name="tracker_transition_changes_state",
            ),
        ]

    def __str__(self) -> str:
        source = State(self.from_state).label if self.from_state else "new"
        return f"{source} → {State(self.to_state).label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValidationError("The transition log is append-only.")
        super().save(*args, **kwargs)


class Statement(WithAttachmentText, PublishableModel):
    """A public statement on whether jurisdictions can opt out."""

    class Position(models.TextChoices):
        POSSIBLE = "possible", _("Opting out is possible")
        IMPOSSIBLE = "impossible", _("Opting out is impossible")
        CONDITIONAL = "conditional", _("Possible under conditions")
        UNCLEAR = "unclear", _("Unclear or asks")

    class Topic(models.TextChoices):
        OPT_OUT = "opt_out", _("Whether localities can opt out")
        LOCAL_CONSENT = (
            "local_consent",
            _("Whether fingerprints reach ICE without the locality's consent"),
        )
        CRIMINAL_ONLY = "criminal_only", _("Whether checks can be criminal-only")
        RESULTS_BACK = "results_back", _("Whether localities can decline results back")

    class Medium(models.TextChoices):
        LETTER = "letter", _("Letter")
        MEMO = "memo", _("Memo")
        PRESS_CONFERENCE = "press_conference", _("Press conference")
        NEWS_REPORT = "news_report", _("News report")
        INTERVIEW = "interview", _("Interview")
        TESTIMONY = "testimony", _("Testimony")
        WEBSITE = "website", _("Website")

    speaker = models.CharField(
        _("speaker"), max_length=200, help_text=_('Who said it, or "anonymous official".')
    )
    speaker_contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="statements"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="statements")
    stated = PartialDateField(
        _("date"), column="stated_on", happened=True, precision_verbose_name=_("date precision")
    )
    medium = models.CharField(_("where"), max_length=20, choices=Medium.choices)
    source_title = models.CharField(_("source title"), max_length=300, blank=True)
    source_url = models.URLField(_("source link"), blank=True)
    document = _attachment_field()
    file_field_name: ClassVar[str] = "document"
    quote = LongTextField(_("quote or summary"))
    position = models.CharField(
        _("position on opting out"), max_length=12, choices=Position.choices
    )
    topic = models.CharField(
        _("topic"),
        max_length=30,
        choices=Topic.choices,
        blank=True,
        help_text=_(
            "What the statement answers. Statements of different agencies on the same "
            "topic whose positions conflict are shown as contradicting each other."
        ),
    )

    history = HistoricalRecords(excluded_fields=["attachment_text"])

    class Meta:
        # Undated statements last on every database (SQLite would put them first), so
        # the staff page, the public page and the API list them in one order.
        ordering = [models.F("stated_on").asc(nulls_last=True), "pk"]

    def __str__(self) -> str:
        return f"{self.speaker} ({self.stated or gettext('date unknown')})"


class CorrespondenceThread(PublishableModel):
    """Letters between Congress and the departments that concern no one request, or many.

    Rep. Lofgren's letter of 27 July 2010 to Secretary Napolitano and Attorney
    General Holder, and the replies of 7 and 8 September, concern every jurisdiction
    at once: the thread is linked to every request it bears on (or to none), and each
    linked case shows it.
    """

    title = models.CharField(_("title"), max_length=300)
    summary = LongTextField(_("summary"), blank=True)
    requests = models.ManyToManyField(
        OptOutRequest,
        verbose_name=_("requests"),
        blank=True,
        related_name="threads",
        help_text=_("Every request the correspondence bears on; none is fine."),
    )
    jurisdictions = models.ManyToManyField(
        Jurisdiction,
        verbose_name=_("jurisdictions"),
        blank=True,
        related_name="threads",
        help_text=_("Jurisdictions it names, when it names any."),
    )

    history = HistoricalRecords(m2m_fields=[requests, jurisdictions])

    class Meta:
        ordering = ["title", "pk"]
        verbose_name = _("correspondence thread")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("thread-detail", args=[self.pk])


class ThreadLetter(WithAttachmentText, PublishableModel):
    """One letter of a correspondence thread (a member of Congress, a department)."""

    thread = models.ForeignKey(
        CorrespondenceThread,
        verbose_name=_("thread"),
        on_delete=models.CASCADE,
        related_name="letters",
    )
    sender = models.CharField(
        _("sender"), max_length=200, help_text=_('Who wrote it: "Rep. Zoe Lofgren".')
    )
    sender_agency = models.ForeignKey(
        Agency,
        verbose_name=_("sender's agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="thread_letters_sent",
    )
    recipients = models.CharField(
        _("recipients"),
        max_length=300,
        help_text=_('To whom: "Secretary Napolitano and Attorney General Holder".'),
    )
    recipient_agencies = models.ManyToManyField(
        Agency,
        verbose_name=_("recipient agencies"),
        blank=True,
        related_name="thread_letters_received",
    )
    sent = PartialDateField(
        _("sent"), column="sent_on", happened=True, precision_verbose_name=_("sent precision")
    )
    subject = models.CharField(_("subject"), max_length=300)
    summary = LongTextField(_("summary"), blank=True)
    statement = models.ForeignKey(
        Statement,
        verbose_name=_("recorded as a statement"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="thread_letters",
        help_text=_("The statement this letter also is, when it takes a position on opting out."),
    )
    attachment = _attachment_field()

    history = HistoricalRecords(
        m2m_fields=[recipient_agencies], excluded_fields=["attachment_text"]
    )

    class Meta:
        # Undated letters last on every database, as statements.
        ordering = [models.F("sent_on").asc(nulls_last=True), "pk"]
        verbose_name = _("thread letter")

    def __str__(self) -> str:
        return f"{self.sender}: {self.subject} ({self.sent or gettext('date unknown')})"


class Event(PublishableModel):
    """Something that happened around the cases that is not a letter on one request: a
    council's vote, a lawsuit and its steps, press coverage, a fact of the program.

    It may concern no jurisdiction (the program's start in October 2008), one
    (Arlington's vote) or several, and bear on any number of requests.
    """

    class Kind(models.TextChoices):
        VOTE = "vote", _("Vote")
        LAWSUIT = "lawsuit", _("Lawsuit")
        COURT_STEP = "court_step", _("Court step")
        PRESS = "press", _("Press coverage")
        HEARING = "hearing", _("Hearing")
        PROGRAM_FACT = "program_fact", _("Fact of the program")
        OTHER = "other", _("Other")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    summary = LongTextField(_("summary"), blank=True)
    happened = PartialDateField(
        _("date"),
        column="happened_on",
        happened=True,
        precision_verbose_name=_("date precision"),
        help_text=_("Leave empty when no source dates it."),
    )
    jurisdictions = models.ManyToManyField(
        Jurisdiction,
        verbose_name=_("jurisdictions concerned"),
        blank=True,
        related_name="events",
    )
    agencies = models.ManyToManyField(
        Agency, verbose_name=_("agencies concerned"), blank=True, related_name="events"
    )
    requests = models.ManyToManyField(
        OptOutRequest,
        verbose_name=_("requests it bears on"),
        blank=True,
        related_name="events",
    )
    publication = models.CharField(
        _("publication"),
        max_length=200,
        blank=True,
        help_text=_('For press coverage: the paper or site ("The Washington Independent").'),
    )
    url = models.URLField(_("address"), blank=True)

    history = HistoricalRecords(m2m_fields=[jurisdictions, agencies, requests])

    class Meta:
        # Undated events last on every database, as statements.
        ordering = [models.F("happened_on").asc(nulls_last=True), "pk"]
        verbose_name = _("event")
        indexes = [
            models.Index(fields=["happened_on", "id"], name="tracker_event_order"),
            # Copies kept in sync: `updated_after` and `ordering=updated_at` (cursor pages).
            models.Index(fields=["updated_at", "id"], name="tracker_event_updated"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(basis="inferred") | ~Q(inference=""),
                name="tracker_event_inferred_has_reasoning",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"{reverse('events')}#event-{self.pk}"


class Holiday(TrackedModel):
    """A day offices are closed: business-day reply windows skip it."""

    date = models.DateField(_("date"), unique=True, validators=[validate_plausible_date])
    name = models.CharField(_("name"), max_length=200)

    history = HistoricalRecords()

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.name} ({self.date.isoformat()})"

    def default_reference(self) -> str:
        return f"holiday-{self.date.isoformat()}"


class ReminderLog(models.Model):
    """One reminder about one overdue letter, sent on one day.

    The unique constraint is what makes ``send_reminders`` safe to run from cron
    any number of times, even twice at once: the second run cannot claim the
    same letter for the same day.
    """

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="reminders")
    date = models.DateField(_("day"))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent to"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="reminders_received",
    )
    email = models.EmailField(_("address"))
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        ordering = ["-date", "letter_id"]
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(
                fields=["letter", "date"], name="tracker_reminderlog_once_per_letter_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.letter} → {self.email} ({self.date.isoformat()})"


def new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarTokenQuerySet(models.QuerySet["CalendarToken"]):
    def active(self) -> CalendarTokenQuerySet:
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class CalendarToken(models.Model):
    """The secret in a person's private calendar-feed address; revoking it kills the URL."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_tokens"
    )
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_calendar_token)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = CalendarTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("calendar feed address")
        verbose_name_plural = _("calendar feed addresses")
        constraints = [
            # One live address per person: making a new one revokes the old.
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(revoked_at__isnull=True),
                name="tracker_calendartoken_one_active_per_user",
            ),
        ]

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "active"
        return f"Calendar feed of {self.user} ({state})"

    def get_absolute_url(self) -> str:
        return reverse("calendar-feed", kwargs={"token": self.token})

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
