"""The pages a person sees when something goes wrong: refused (403), not found (404),
broken (500). Each says what happened in the reader's language and offers a way back.

Staff addresses get the staff look, ``/public/`` addresses the public site's. The 500
page is rendered without the request: no context processor runs, so nothing touches the
session, the user or the database that may be the reason for the error.
"""

from __future__ import annotations

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseNotFound,
    HttpResponseServerError,
)
from django.template import loader
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

#: Where the public site lives: a page there that fails keeps the public look.
PUBLIC_PREFIX = "/public/"


def is_public(request: HttpRequest) -> bool:
    return request.path.startswith(PUBLIC_PREFIX)


def home(request: HttpRequest) -> str:
    """The start page of the part of the site the person was in."""
    return reverse("public-index" if is_public(request) else "dashboard")


def way_back(request: HttpRequest) -> str:
    """The page the person came from, when it is on this site; else the start page."""
    referer = request.headers.get("referer", "")
    if (
        referer
        and url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        and referer != request.build_absolute_uri()
    ):
        return referer
    return home(request)


def _base_template(request: HttpRequest) -> str:
    return "public/base.html" if is_public(request) else "tracker/base.html"


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A refused action: why, and a link back to where the person came from."""
    reason = str(exception) if exception is not None else ""
    context = {
        "base_template": _base_template(request),
        "reason": reason,
        "back": way_back(request),
        "home": home(request),
    }
    return HttpResponseForbidden(loader.render_to_string("403.html", context, request))


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """An address with nothing behind it, in the look of the part of the site it is in."""
    context = {
        "base_template": _base_template(request),
        "back": way_back(request),
        "home": home(request),
        "public": is_public(request),
    }
    return HttpResponseNotFound(loader.render_to_string("404.html", context, request))


def server_error(request: HttpRequest) -> HttpResponse:
    """A fault in the tracker. Rendered without the request (see the module's docstring)."""
    context = {"public": is_public(request), "home": home(request)}
    return HttpResponseServerError(loader.render_to_string("500.html", context))
