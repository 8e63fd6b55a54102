"""The staff pages "Your webhooks": list and make one's own webhooks (the secret shown
once), and one webhook's page: change, pause, rotate its secret, send a test event,
delete, and read its delivery log (``core.webhooks``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods

from core import webhooks
from core.models import WebhookSubscription
from core.records import StaleRecord
from tracker.domain.permissions import may_keep_webhooks
from tracker.pages.views import require, staff_page

#: Rows of the list of webhooks and of a delivery log.
PAGE_SIZE = 25


class WebhookForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What the webhook is for, e.g. “Newsroom alerts”."),
    )
    url = forms.CharField(
        label=gettext_lazy("Address"),
        max_length=500,
        help_text=gettext_lazy("Where the events are sent (POST), http:// or https://."),
    )
    event_types = forms.MultipleChoiceField(
        label=gettext_lazy("Events"),
        choices=list(webhooks.EVENT_TYPES.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    is_active = forms.BooleanField(
        label=gettext_lazy("Active"),
        required=False,
        initial=True,
        help_text=gettext_lazy("A paused webhook is sent nothing but test events."),
    )


class EditWebhookForm(WebhookForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def _apply_errors(form: forms.Form, error: ValidationError) -> None:
    for field, problems in error.message_dict.items():
        form.add_error(field if field in form.fields else None, problems)


def _list_page(request: HttpRequest, form: WebhookForm, **extra: Any) -> dict[str, Any]:
    listed = webhooks.subscriptions_of(request.user)
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    return {"page": page, "form": form, **extra}


def _secret_shown(response: HttpResponse) -> HttpResponse:
    # The secret is on this answer only: never redirected to, never cached.
    response["Cache-Control"] = "no-store"
    return response


@staff_page
@require_http_methods(["GET", "POST"])
def webhook_list(request: HttpRequest) -> HttpResponse:
    """Show and make the signed-in person's webhooks."""
    require(may_keep_webhooks(request.user))
    template = "tracker/webhooks.html"
    if request.method == "POST":
        form = WebhookForm(request.POST)
        if form.is_valid():
            try:
                made, secret = webhooks.webhook_create(owner=request.user, **form.cleaned_data)
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                context = _list_page(request, WebhookForm(), made=made, secret=secret)
                return _secret_shown(render(request, template, context, status=201))
        return render(request, template, _list_page(request, form), status=400)
    return render(request, template, _list_page(request, WebhookForm()))


def _own(request: HttpRequest, pk: int) -> WebhookSubscription:
    found = webhooks.subscriptions_of(request.user).filter(pk=pk).first()
    if found is None:
        raise Http404(gettext("No webhook of yours with this id."))
    return found


def _detail_page(
    request: HttpRequest, subscription: WebhookSubscription, form: EditWebhookForm, **extra: Any
) -> dict[str, Any]:
    log = webhooks.deliveries_of(subscription)
    page = Paginator(log, PAGE_SIZE).get_page(request.GET.get("page"))
    return {"webhook": subscription, "form": form, "page": page, **extra}


def _edit_form(subscription: WebhookSubscription) -> EditWebhookForm:
    return EditWebhookForm(
        initial={
            "name": subscription.name,
            "url": subscription.url,
            "event_types": subscription.event_types,
            "is_active": subscription.is_active,
            "version": subscription.version,
        }
    )


@staff_page
@require_http_methods(["GET", "POST"])
def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One webhook: change it, rotate its secret, test it, delete it; its delivery log."""
    require(may_keep_webhooks(request.user))
    subscription = _own(request, pk)
    template = "tracker/webhook_detail.html"
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "test":
        webhooks.webhook_send_test(subscription=subscription)
        messages.success(
            request,
            gettext("A test event is queued; its delivery is listed below."),
        )
        return redirect("webhook-detail", pk=subscription.pk)
    if action == "rotate":
        rotated, secret = webhooks.webhook_rotate_secret(subscription=subscription)
        context = _detail_page(request, rotated, _edit_form(rotated), secret=secret)
        return _secret_shown(render(request, template, context))
    if action == "delete":
        webhooks.webhook_delete(subscription=subscription, expected_version=None)
        messages.success(
            request,
            gettext("The webhook “%(name)s” is deleted.") % {"name": subscription.name},
        )
        return redirect("webhooks")
    if action == "save":
        form = EditWebhookForm(request.POST)
        if form.is_valid():
            values = dict(form.cleaned_data)
            version = values.pop("version")
            try:
                saved = webhooks.webhook_update(
                    subscription=subscription, expected_version=version, **values
                )
            except StaleRecord as stale:
                form.add_error(None, stale.message)
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, gettext("The webhook is saved."))
                return redirect("webhook-detail", pk=saved.pk)
        return render(request, template, _detail_page(request, subscription, form), status=400)
    if request.method == "POST":
        raise Http404(gettext("No such action."))
    return render(request, template, _detail_page(request, subscription, _edit_form(subscription)))
