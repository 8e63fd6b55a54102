"""The staff pages' addresses (sign-in required, except the private calendar feed)."""

from django.urls import path

from tracker.pages import calendar, reports, tokens, views, visuals, webhooks

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("jurisdictions/<int:pk>/", views.jurisdiction_detail, name="jurisdiction-detail"),
    path("requests/<int:pk>/", views.request_detail, name="request-detail"),
    path("requests/<int:pk>/letters/", views.letter_create, name="request-letter-create"),
    path("requests/<int:pk>/replies/", views.response_create, name="request-response-create"),
    path("requests/<int:pk>/meetings/", views.meeting_create, name="request-meeting-create"),
    path("requests/<int:pk>/move/", views.request_move, name="request-move"),
    path("requests/<int:pk>/reopen/", views.request_reopen, name="request-reopen"),
    path("requests/<int:pk>/withdraw/", views.request_withdraw, name="request-withdraw"),
    path("requests/<int:pk>/take/", views.request_take, name="request-take"),
    path("edit/<str:kind>/<int:pk>/", views.record_edit, name="record-edit"),
    path("meetings/<int:pk>/status/", views.meeting_status, name="meeting-status"),
    path(
        "letters/<int:pk>/attachment/",
        views.record_file,
        {"kind": "letter"},
        name="letter-attachment",
    ),
    path(
        "letters/<int:pk>/attachment/preview/",
        views.record_file,
        {"kind": "letter", "preview": True},
        name="letter-attachment-preview",
    ),
    path(
        "replies/<int:pk>/attachment/",
        views.record_file,
        {"kind": "response"},
        name="response-attachment",
    ),
    path(
        "replies/<int:pk>/attachment/preview/",
        views.record_file,
        {"kind": "response", "preview": True},
        name="response-attachment-preview",
    ),
    path(
        "statements/<int:pk>/document/",
        views.record_file,
        {"kind": "statement"},
        name="statement-document",
    ),
    path(
        "statements/<int:pk>/document/preview/",
        views.record_file,
        {"kind": "statement", "preview": True},
        name="statement-document-preview",
    ),
    path("search/", views.search, name="search"),
    path("requests/", views.request_list, name="requests"),
    path("letters/", views.letter_list, name="letters"),
    path("statements/", views.statement_list, name="statements"),
    path("publish/<str:kind>/<int:pk>/", views.record_publish, name="record-publish"),
    path("milestones/", reports.milestones_report, name="milestones"),
    path("map/", visuals.county_map, name="map"),
    path("map/<str:state>/", visuals.county_map, name="map-state"),
    path("charts/", visuals.chart_list, name="charts"),
    path("charts/<slug:name>.csv", visuals.chart_csv, name="chart-csv"),
    path("calendar/", calendar.manage, name="calendar"),
    path("calendar/<str:token>.ics", calendar.feed, name="calendar-feed"),
    path("api-tokens/", tokens.manage, name="api-tokens"),
    path("webhooks/", webhooks.webhook_list, name="webhooks"),
    path("webhooks/<int:pk>/", webhooks.webhook_detail, name="webhook-detail"),
]
