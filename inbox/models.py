"""Email received by the tracker, and where each message went.

Every message received is kept here, with its raw bytes, whatever became of it: filed
on a request as an incoming letter, left in the inbox for staff (unmatched, an
auto-reply, a bounce), or held back (quarantined) with the reason.
"""

from __future__ import annotations

import uuid
from typing import Any

import nh3
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.attachments import attachment_path
from tracker.models import Letter, OptOutRequest

#: The HTML tags shown of a message's HTML body (nh3's safe set, less images).
_SHOWN_TAGS = set(nh3.ALLOWED_TAGS) - {"img"}


def _raw_path(instance: Any, filename: str) -> str:
    return f"inbox/raw/{uuid.uuid4().hex}.eml"


class Message(models.Model):
    class State(models.TextChoices):
        MATCHED = "matched", _("Filed on a request")
        UNMATCHED = "unmatched", _("Not matched to a request")
        AUTO_REPLY = "auto_reply", _("Automatic reply")
        BOUNCE = "bounce", _("Bounce (not delivered)")
        QUARANTINED = "quarantined", _("Held back")

    class Via(models.TextChoices):
        UPLOAD = "upload", _("Uploaded on a staff page")
        API = "api", _("Sent to the API")
        IMAP = "imap", _("Read from the mailbox")
        PIPE = "pipe", _("Handed over by the mail server")

    class MatchedBy(models.TextChoices):
        ADDRESS = "address", _("its reply address")
        SUBJECT = "subject", _("the reference in its subject")
        THREAD = "thread", _("the message it answers")
        CONTACT = "contact", _("its sender, a known contact")
        STAFF = "staff", _("a staff member's choice")

    #: The message's own Message-ID, or ``sha256:`` and a hash of its bytes when it has
    #: none: receiving the same message twice files it once.
    message_id = models.CharField(_("Message-ID"), max_length=520, unique=True)
    via = models.CharField(_("received through"), max_length=10, choices=Via.choices)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    raw = models.FileField(_("original message"), upload_to=_raw_path, blank=True)
    raw_size = models.PositiveIntegerField(_("size in bytes"), default=0)
    from_name = models.CharField(_("sender's name"), max_length=200, blank=True)
    from_address = models.CharField(_("sender's address"), max_length=254, blank=True)
    to = models.TextField(_("to"), blank=True)
    subject = models.CharField(_("subject"), max_length=1000, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    text = models.TextField(_("text"), blank=True)
    html = models.TextField(_("HTML"), blank=True)
    state = models.CharField(_("state"), max_length=12, choices=State.choices)
    reason = models.TextField(
        _("why"), blank=True, help_text=_("Why it was filed, or why it waits in the inbox.")
    )
    request = models.ForeignKey(
        OptOutRequest,
        verbose_name=_("request"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="email_messages",
        help_text=_("The request it is filed on, or the one it seems to concern."),
    )
    matched_by = models.CharField(
        _("matched by"), max_length=10, choices=MatchedBy.choices, blank=True
    )
    letter = models.OneToOneField(
        Letter,
        verbose_name=_("filed as"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="email_message",
    )
    filed_at = models.DateTimeField(_("filed"), null=True, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("email message")
        indexes = [
            models.Index(fields=["state", "-received_at"], name="inbox_message_state_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(letter__isnull=True) | models.Q(state="matched"),
                name="inbox_message_letter_only_when_matched",
            ),
        ]

    def __str__(self) -> str:
        return self.subject or str(_("(no subject)"))

    @property
    def is_filed(self) -> bool:
        return self.letter_id is not None

    @property
    def safe_html(self) -> str:
        """The HTML body cleaned for display: no script, style, event handler, form or
        image (a remote image tells the sender the message was opened), links that
        open nothing of ours."""
        if not self.html:
            return ""
        return nh3.clean(
            self.html,
            tags=_SHOWN_TAGS,
            link_rel="noopener noreferrer nofollow",
            url_schemes={"http", "https", "mailto"},
        )


class Attachment(models.Model):
    """A file that came with a message; refused files keep their name and the reason."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("declared type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    file = models.FileField(_("file"), upload_to=attachment_path, blank=True)
    refused = models.TextField(_("refused because"), blank=True)

    class Meta:
        ordering = ["message", "pk"]
        verbose_name = _("email attachment")

    def __str__(self) -> str:
        return self.filename
