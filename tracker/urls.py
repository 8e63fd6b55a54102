from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from tracker import calendar_feed, public_views, reports, views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("jurisdictions/<int:pk>/", views.jurisdiction_detail, name="jurisdiction-detail"),
    path("requests/<int:pk>/", views.request_detail, name="request-detail"),
    path("requests/<int:pk>/letters/", views.letter_create, name="request-letter-create"),
    path("requests/<int:pk>/replies/", views.response_create, name="request-response-create"),
    path("requests/<int:pk>/meetings/", views.meeting_create, name="request-meeting-create"),
    path("requests/<int:pk>/move/", views.request_move, name="request-move"),
    path("requests/<int:pk>/reopen/", views.request_reopen, name="request-reopen"),
    path("letters/<int:pk>/attachment/", views.letter_attachment, name="letter-attachment"),
    path("replies/<int:pk>/attachment/", views.response_attachment, name="response-attachment"),
    path("search/", views.search, name="search"),
    path("requests/", views.request_list, name="requests"),
    path("letters/", views.letter_list, name="letters"),
    path("statements/", views.statement_list, name="statements"),
    path("publish/<str:kind>/<int:pk>/", views.record_publish, name="record-publish"),
    path("milestones/", reports.milestones_report, name="milestones"),
    path("calendar/", calendar_feed.manage, name="calendar"),
    path("calendar/<str:token>.ics", calendar_feed.feed, name="calendar-feed"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("public/", include(public_views.urlpatterns)),
    path("api/", include("tracker.api.urls")),
]
