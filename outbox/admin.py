"""The editors' admin for letter templates and drafts.

A template's subject and body are checked when saved (``LetterTemplate.clean``): a
syntax error or an unknown merge field is shown next to the field. Drafts are written
and sent from the staff pages; here they can be read, and corrected while not sent.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from core.admin import TrackedAdmin
from outbox.merge import MERGE_FIELDS
from outbox.models import Draft, LetterTemplate


def _merge_fields_help() -> SafeString:
    return format_html_join(
        "", "<li><code>{{{{ {} }}}}</code>: {}</li>", ((n, d) for n, d in MERGE_FIELDS.items())
    )


@admin.register(LetterTemplate)
class LetterTemplateAdmin(TrackedAdmin):
    list_display = ("name", "kind", "is_active", "updated_at")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "subject", "body")
    readonly_fields = ("merge_fields",)
    fieldsets = (
        (None, {"fields": ("name", "kind", "is_active", "subject", "body")}),
        (_("Merge fields"), {"fields": ("merge_fields",)}),
    )

    @admin.display(description=_("available"))
    def merge_fields(self, obj: LetterTemplate | None = None) -> SafeString:
        return SafeString(f"<ul>{_merge_fields_help()}</ul>")


@admin.register(Draft)
class DraftAdmin(TrackedAdmin):
    list_display = ("subject", "request", "recipient_agency", "status", "attempts", "sent_at")
    list_filter = ("status",)
    search_fields = ("subject", "message_id", "reference__exact")
    list_select_related = ("request", "recipient_agency")
    raw_id_fields = ("request", "recipient_agency", "template", "in_reply_to")
    autocomplete_fields = ("recipient_contacts",)
    file_fields = ("attachment",)
    readonly_fields = (
        "status",
        "error",
        "attempts",
        "next_attempt_at",
        "message_id",
        "queued_by",
        "sent_at",
        "letter",
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and not obj.is_editable:
            # Queued or sent: what went out is what the letter's .eml keeps.
            fields += [
                "request",
                "recipient_agency",
                "template",
                "in_reply_to",
                "recipient_contacts",
                "subject",
                "body",
                "attachment",
            ]
        return fields
