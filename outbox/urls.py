"""The outbox's staff pages, under a request's address."""

from django.urls import path

from outbox import views

urlpatterns = [
    path("requests/<int:pk>/drafts/", views.request_drafts, name="request-drafts"),
    path("requests/<int:pk>/drafts/notices/", views.notices_create, name="request-notices-draft"),
    path("requests/<int:pk>/drafts/new/", views.draft_create, name="request-draft-create"),
    path("requests/<int:pk>/drafts/<int:draft_pk>/", views.draft_detail, name="request-draft"),
    path(
        "requests/<int:pk>/drafts/<int:draft_pk>/send/",
        views.draft_send,
        name="request-draft-send",
    ),
    path(
        "requests/<int:pk>/drafts/<int:draft_pk>/letter/",
        views.draft_letter,
        name="request-draft-letter",
    ),
    path(
        "requests/<int:pk>/drafts/<int:draft_pk>/letter.pdf",
        views.draft_pdf,
        name="request-draft-pdf",
    ),
]
