from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from tracker import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("jurisdictions/<int:pk>/", views.jurisdiction_detail, name="jurisdiction-detail"),
    path("requests/<int:pk>/", views.request_detail, name="request-detail"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
]
