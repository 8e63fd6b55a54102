"""The public record's addresses, under /public/ (no sign-in)."""

from django.urls import path

from tracker.public.views import (
    contradiction,
    contradictions,
    index,
    jurisdiction,
    search,
    statements,
)

urlpatterns = [
    path("", index, name="public-index"),
    path("search/", search, name="public-search"),
    path("jurisdictions/<slug:reference>/", jurisdiction, name="public-jurisdiction"),
    path(
        "jurisdictions/<slug:reference>/print/",
        jurisdiction,
        {"printable": True},
        name="public-jurisdiction-print",
    ),
    path("statements/", statements, name="public-statements"),
    path("statements/print/", statements, {"printable": True}, name="public-statements-print"),
    path("statements/contradictions/", contradictions, name="public-contradictions"),
    path(
        "statements/contradictions/print/",
        contradictions,
        {"printable": True},
        name="public-contradictions-print",
    ),
    path(
        "statements/contradictions/<slug:earlier>/<slug:later>/",
        contradiction,
        name="public-contradiction",
    ),
    path(
        "statements/contradictions/<slug:earlier>/<slug:later>/print/",
        contradiction,
        {"printable": True},
        name="public-contradiction-print",
    ),
]
