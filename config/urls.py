"""Every address of the site: staff pages, the admin, the public record, the API."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from core.outages import healthz, readyz

urlpatterns = [
    path("", include("tracker.pages.urls")),
    path("", include("outbox.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    # The language switch (Django's set_language): the choice is kept in a cookie,
    # so every address stays the same in every language.
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("inbox/", include("inbox.urls")),
    path("public/", include("tracker.public.urls")),
    path("api/", include("tracker.api.urls")),
]

# Styled pages with a way back for a refused action, a missing page and a fault.
handler403 = "core.error_pages.permission_denied"
handler404 = "core.error_pages.page_not_found"
handler500 = "core.error_pages.server_error"
