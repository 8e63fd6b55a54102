"""Routes of the REST API v1, its OpenAPI schema and the interactive docs."""

from __future__ import annotations

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from inbox.api import InboxViewSet
from outbox.api import DraftViewSet
from tracker.api import me, tokens, views, webhooks

app_name = "api"

router = DefaultRouter()
router.register("jurisdictions", views.JurisdictionViewSet, basename="jurisdiction")
router.register("agencies", views.AgencyViewSet, basename="agency")
router.register("contacts", views.ContactViewSet, basename="contact")
router.register("sources", views.SourceViewSet, basename="source")
router.register("requests", views.RequestViewSet, basename="request")
router.register("letters", views.LetterViewSet, basename="letter")
router.register("responses", views.ResponseViewSet, basename="response")
router.register("meetings", views.MeetingViewSet, basename="meeting")
router.register("statements", views.StatementViewSet, basename="statement")
router.register("threads", views.ThreadViewSet, basename="thread")
router.register("thread-letters", views.ThreadLetterViewSet, basename="thread-letter")
router.register("events", views.EventViewSet, basename="event")
router.register("transitions", views.TransitionViewSet, basename="transition")
router.register("milestones", views.MilestonesViewSet, basename="milestones")
router.register("tokens", tokens.TokenViewSet, basename="token")
router.register("deletions", views.DeletionViewSet, basename="deletion")
router.register("webhooks", webhooks.WebhookViewSet, basename="webhook")
router.register("inbox", InboxViewSet, basename="inbox")
router.register("drafts", DraftViewSet, basename="draft")


class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI from our own static files; its start-up script is a separate file,
    so the page runs under the site's Content-Security-Policy (no inline script)."""

    template_name = "api/swagger_ui.html"


urlpatterns = [
    path("v1/me/", me.MeView.as_view(), name="me"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SwaggerView.as_view(url_name="api:schema"), name="docs"),
    # Anything else under /api/ is a 404 in the API's error shape, not an HTML page.
    re_path(r"^", views.not_found, name="not-found"),
]
