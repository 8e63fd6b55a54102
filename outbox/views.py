"""The outbox's staff pages: a request's drafts, reviewing and sending one, the letter
printable and as a PDF. They parse, ask ``tracker.domain.permissions``, call
``outbox.services`` or ``outbox.selectors``, and render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from core.records import StaleRecord
from jurisdictions.domain.selectors import agencies_serving
from outbox import selectors, sending, services
from outbox.forms import DraftForm, NewDraftForm
from outbox.models import Draft
from tracker.domain.permissions import (
    may_see_private_contact_details,
    may_send_email,
    may_view,
)
from tracker.models import OptOutRequest
from tracker.pages.forms import add_service_errors
from tracker.pages.views import require, staff_page


def _request(pk: int) -> OptOutRequest:
    return get_object_or_404(
        OptOutRequest.objects.select_related("jurisdiction", "requesting_agency"), pk=pk
    )


def _draft(optout: OptOutRequest, draft_pk: int) -> Draft:
    return get_object_or_404(
        Draft.objects.select_related("recipient_agency", "letter", "template"),
        pk=draft_pk,
        request=optout,
    )


def _new_draft_form(optout: OptOutRequest, data: Any = None) -> NewDraftForm:
    agencies = agencies_serving(optout.jurisdiction)
    return NewDraftForm(data, agencies=agencies)


@staff_page
def request_drafts(request: HttpRequest, pk: int) -> HttpResponse:
    require(may_view(request.user, Draft))
    optout = _request(pk)
    return _drafts_page(request, optout)


def _drafts_page(
    request: HttpRequest,
    optout: OptOutRequest,
    *,
    form: NewDraftForm | None = None,
    status: int = 200,
) -> HttpResponse:
    can_send = may_send_email(request.user)
    context = {
        "optout": optout,
        "drafts": list(selectors.drafts_of(optout)),
        "can_send": can_send,
        "new_form": (form or _new_draft_form(optout)) if can_send else None,
    }
    return render(request, "outbox/drafts.html", context, status=status)


@staff_page
@require_POST
def notices_create(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Draft the two notices": one draft to ICE's program office, one to the SIB."""
    require(may_send_email(request.user))
    optout = _request(pk)
    try:
        made = services.drafts_create_notices(request=optout, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(optout.get_absolute_url() + "#drafts")
    messages.success(
        request,
        gettext("%(count)d drafts written: review each one, then send it.") % {"count": len(made)},
    )
    return redirect("request-drafts", pk=optout.pk)


@staff_page
@require_POST
def draft_create(request: HttpRequest, pk: int) -> HttpResponse:
    require(may_send_email(request.user))
    optout = _request(pk)
    form = _new_draft_form(optout, request.POST)
    if form.is_valid():
        try:
            draft = services.draft_create(request=optout, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, gettext("Draft written: review it, then send it."))
            return redirect("request-draft", pk=optout.pk, draft_pk=draft.pk)
    return _drafts_page(request, optout, form=form, status=400)


def _draft_page(
    request: HttpRequest,
    optout: OptOutRequest,
    draft: Draft,
    *,
    form: DraftForm | None = None,
    send_errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    can_send = may_send_email(request.user)
    context = {
        "optout": optout,
        "draft": draft,
        "can_send": can_send,
        "form": (form or DraftForm(draft=draft)) if can_send and draft.is_editable else None,
        "send_errors": send_errors or [],
        "contacts": list(draft.recipient_contacts.order_by("name", "pk")),
        "show_addresses": may_see_private_contact_details(request.user),
    }
    return render(request, "outbox/draft_detail.html", context, status=status)


@staff_page
def draft_detail(request: HttpRequest, pk: int, draft_pk: int) -> HttpResponse:
    require(may_view(request.user, Draft))
    optout = _request(pk)
    draft = _draft(optout, draft_pk)
    if request.method != "POST":
        return _draft_page(request, optout, draft)
    require(may_send_email(request.user))
    form = DraftForm(request.POST, request.FILES, draft=draft)
    if form.is_valid():
        values = dict(form.cleaned_data)
        version = values.pop("version")
        try:
            services.draft_update(draft=draft, by=request.user, expected_version=version, **values)
        except StaleRecord as stale:
            form.add_error(None, str(stale))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, gettext("Draft saved."))
            return redirect("request-draft", pk=optout.pk, draft_pk=draft.pk)
    return _draft_page(request, optout, draft, form=form, status=400)


@staff_page
@require_POST
def draft_send(request: HttpRequest, pk: int, draft_pk: int) -> HttpResponse:
    """Queue the draft for sending (once, however often the button is pressed)."""
    require(may_send_email(request.user))
    optout = _request(pk)
    draft = _draft(optout, draft_pk)
    version = request.POST.get("version", "")
    try:
        queued = services.draft_queue(
            draft=draft,
            by=request.user,
            expected_version=int(version) if version.isdigit() else None,
        )
    except StaleRecord as stale:
        return _draft_page(request, optout, draft, send_errors=[str(stale)], status=409)
    except ValidationError as error:
        return _draft_page(request, optout, draft, send_errors=error.messages, status=400)
    queued.refresh_from_db()
    if queued.status == Draft.Status.SENT:
        messages.success(request, gettext("Sent by email, and logged as a letter."))
    elif queued.status == Draft.Status.FAILED:
        messages.error(request, queued.error)
    else:
        messages.info(request, gettext("Queued: it is sent in the background."))
    return redirect("request-draft", pk=optout.pk, draft_pk=draft.pk)


@staff_page
def draft_letter(request: HttpRequest, pk: int, draft_pk: int) -> HttpResponse:
    """The letter as a printable page (to post or fax it)."""
    require(may_view(request.user, Draft))
    optout = _request(pk)
    draft = _draft(optout, draft_pk)
    return render(request, "outbox/letter.html", {"optout": optout, "draft": draft})


@staff_page
def draft_pdf(request: HttpRequest, pk: int, draft_pk: int) -> HttpResponse:
    require(may_view(request.user, Draft))
    optout = _request(pk)
    draft = _draft(optout, draft_pk)
    draft.request = optout
    response = HttpResponse(sending.draft_pdf(draft), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{sending.file_stem(draft)}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
