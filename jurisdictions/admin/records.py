"""The editors' admin for jurisdictions, agencies and contacts.

JurisdictionAdmin is meant to be extended: extra pages go in ``get_urls`` (the CSV
import of :mod:`jurisdictions.admin.imports` is one) and changelist buttons in
``admin/jurisdictions/jurisdiction/change_list_object_tools.html``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.urls import URLPattern
from django.utils.translation import gettext_lazy as _

from core.admin import TrackedAdmin
from jurisdictions.admin.filters import agency_filter, jurisdiction_filter
from jurisdictions.admin.imports import import_urls
from jurisdictions.domain.exports import JURISDICTIONS
from jurisdictions.models import Agency, Contact, Jurisdiction


@admin.register(Jurisdiction)
class JurisdictionAdmin(TrackedAdmin):
    csv_spec = JURISDICTIONS
    list_display = (
        "name",
        "kind",
        "state",
        "fips",
        "deployment_status",
        "activation_date",
        "request_count",
    )
    list_filter = ("state", "kind", "deployment_status")
    search_fields = ("name", "fips", "ocd_id", "reference__exact")
    date_hierarchy = "activation_date"
    actions = ("export_selected",)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "kind",
                    "state",
                    "fips",
                    "ocd_id",
                    "deployment_status",
                    "activation_date",
                )
            },
        ),
        ("Notes and sources", {"fields": ("notes", "source", "reference")}),
    )

    def get_urls(self) -> list[URLPattern]:
        return [*import_urls(self), *super().get_urls()]

    @staticmethod
    def page_annotations(queryset: QuerySet[Jurisdiction]) -> QuerySet[Jurisdiction]:
        # Counted for the page's jurisdictions only, so the list's own count and sort
        # never group every request in the country.
        return queryset.annotate(admin_request_count=Count("requests"))

    @admin.display(description=_("requests"))
    def request_count(self, obj: Any) -> int:
        return int(obj.admin_request_count)


@admin.register(Agency)
class AgencyAdmin(TrackedAdmin):
    list_display = ("name", "abbreviation", "level", "kind", "state", "parent", "reply_window")
    list_filter = ("level", "kind", "state")
    search_fields = ("name", "abbreviation", "reference__exact")
    autocomplete_fields = ("parent", "jurisdiction")
    list_select_related = ("parent",)

    @admin.display(description=_("reply window"))
    def reply_window(self, obj: Agency) -> str:
        days, kind = obj.effective_reply_window
        default = "" if obj.reply_window_days else " (default)"
        return f"{days} {kind} days{default}"


@admin.register(Contact)
class ContactAdmin(TrackedAdmin):
    list_display = ("name", "title", "agency", "jurisdiction")
    list_filter = (agency_filter("agency"), jurisdiction_filter("jurisdiction"))
    search_fields = ("name", "title", "email", "reference__exact")
    autocomplete_fields = ("agency", "jurisdiction")
    list_select_related = ("agency", "jurisdiction")
