"""The public record's addresses, under /public/ (no sign-in)."""

from django.urls import path

from tracker.public import visuals
from tracker.public.views import (
    contradiction,
    contradictions,
    events,
    index,
    jurisdiction,
    search,
    statements,
    thread,
    threads,
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
    path("map/", visuals.county_map, name="public-map"),
    path("map/print/", visuals.county_map, {"printable": True}, name="public-map-print"),
    path("map/<str:state>/", visuals.county_map, name="public-map-state"),
    path(
        "map/<str:state>/print/",
        visuals.county_map,
        {"printable": True},
        name="public-map-state-print",
    ),
    path("charts/", visuals.chart_list, name="public-charts"),
    path("charts/print/", visuals.chart_list, {"printable": True}, name="public-charts-print"),
    path("charts/<slug:name>.csv", visuals.chart_csv, name="public-chart-csv"),
    path("threads/", threads, name="public-threads"),
    path("threads/<slug:thread>/", thread, name="public-thread"),
    path("threads/<slug:thread>/print/", thread, {"printable": True}, name="public-thread-print"),
    path("statements/", statements, name="public-statements"),
    path("statements/print/", statements, {"printable": True}, name="public-statements-print"),
    path("events/", events, name="public-events"),
    path("events/print/", events, {"printable": True}, name="public-events-print"),
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
