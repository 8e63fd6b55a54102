"""The site's addresses plus one that breaks, to see the 500 page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler403, handler404, handler500, urlpatterns


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a fault the tracker did not expect")


urlpatterns = [
    path("broken/", broken),
    path("public/broken/", broken),
    *urlpatterns,
]
__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]
