"""The staff page "Your API tokens": list, make (the secret shown once) and revoke
one's own tokens (``core.tokens``; rotating is done through the API)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods

from core import tokens
from core.models import ApiToken
from core.permissions import may_keep_api_tokens
from tracker.pages.views import require, staff_page

#: Rows of the page; a person's tokens are few, so older ones are on further pages.
PAGE_SIZE = 25


class NewTokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What the token is for, e.g. “Nightly sync”."),
    )
    expires_in_days = forms.TypedChoiceField(
        label=gettext_lazy("Expires"),
        coerce=int,
        choices=[
            (30, gettext_lazy("in 30 days")),
            (90, gettext_lazy("in 90 days")),
            (365, gettext_lazy("in a year")),
            (0, gettext_lazy("never")),
        ],
        initial=90,
    )


def _page(request: HttpRequest, form: NewTokenForm, **extra: Any) -> dict[str, Any]:
    user: Any = request.user  # staff_page: never anonymous here
    listed = ApiToken.objects.filter(user=user).order_by("-created_at", "-id")
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [(token, tokens.token_state(token, now)) for token in page.object_list]
    return {"page": page, "rows": rows, "form": form, **extra}


@staff_page
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest) -> HttpResponse:
    """Show, make and revoke the signed-in person's API tokens."""
    require(may_keep_api_tokens(request.user))
    user: Any = request.user  # staff_page: never anonymous here
    if request.method == "POST" and request.POST.get("action") == "revoke":
        found = ApiToken.objects.filter(user=user, pk=_id(request)).first()
        if found is None:
            raise Http404(gettext("No token of yours with this id."))
        tokens.api_token_revoke(token=found)
        messages.success(
            request,
            gettext("The token “%(name)s” is revoked; it no longer signs in.")
            % {"name": found.name},
        )
        return redirect("api-tokens")
    if request.method == "POST":
        form = NewTokenForm(request.POST)
        if not form.is_valid():
            return render(request, "tracker/api_tokens.html", _page(request, form), status=400)
        days = form.cleaned_data["expires_in_days"]
        token, secret = tokens.api_token_create(
            user=user,
            name=form.cleaned_data["name"],
            expires_at=timezone.now() + dt.timedelta(days=days) if days else None,
        )
        # The secret is on this answer only: never redirected to, never cached.
        response = render(
            request,
            "tracker/api_tokens.html",
            _page(request, NewTokenForm(), made=token, secret=secret),
            status=201,
        )
        response["Cache-Control"] = "no-store"
        return response
    return render(request, "tracker/api_tokens.html", _page(request, NewTokenForm()))


def _id(request: HttpRequest) -> int:
    text = request.POST.get("token", "")
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise Http404(gettext("No token of yours with this id."))
    return int(text)
