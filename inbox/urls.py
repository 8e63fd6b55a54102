"""The inbox's staff pages (sign-in required)."""

from django.urls import path

from inbox import views

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("upload/", views.upload, name="inbox-upload"),
    path("<int:pk>/", views.message_detail, name="inbox-message"),
    path("<int:pk>/original/", views.original, name="inbox-message-original"),
    path("attachments/<int:pk>/", views.attachment, name="inbox-attachment"),
]
