"""Staff pages of the events around the cases: the list, recording one, correcting one.

Votes, lawsuits, press coverage and facts of the program are not letters on one
request: they have a list of their own (``/events/``) and appear on the timelines of
the jurisdictions they concern and the requests they bear on. Every write goes
through ``services.event_create`` and ``services.event_update``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext

from core.submissions import Saved
from tracker.domain import exports, selectors, services
from tracker.domain.permissions import may_add, may_change, may_view
from tracker.models import Event
from tracker.pages.filters import EventListFilter
from tracker.pages.forms import EventEditForm, EventForm, add_service_errors, edited_values
from tracker.pages.pagination import capped_page
from tracker.pages.views import LIST_PAGE_SIZE, require, save_form_once, staff_page


def _offer(form: EventForm) -> EventForm:
    choices = selectors.event_choices()
    form.offer(
        jurisdictions=choices.jurisdictions, agencies=choices.agencies, requests=choices.requests
    )
    return form


@staff_page
def event_list(request: HttpRequest) -> HttpResponseBase:
    """Every event, oldest first (undated last), filtered; a fixed number of queries
    whatever the page size: the capped count, the page's ids, the rows, their sources,
    jurisdictions, agencies and requests. ``?format=csv``: every event of the filtered
    list, with the same filters."""
    require(may_view(request.user, Event))
    filterset = EventListFilter(request.GET or None, queryset=Event.objects.all())
    valid = not filterset.is_bound or filterset.is_valid()
    if request.GET.get("format") == "csv":
        if not valid:
            return HttpResponse(
                gettext("Invalid filter: %(errors)s")
                % {"errors": "; ".join(f"{k}: {' '.join(v)}" for k, v in filterset.errors.items())},
                status=400,
                content_type="text/plain",
            )
        return exports.csv_response(exports.EVENTS, filterset.qs)
    page = capped_page(
        filterset.qs, request.GET.get("page"), LIST_PAGE_SIZE, load=selectors.event_rows
    )
    for event in page.object_list:
        event.shown_publicly = selectors.is_published(event)
    filterset.offer_jurisdictions()
    return render(
        request,
        "tracker/event_list.html",
        {
            "filter": filterset,
            "page": page,
            "can_add": may_add(request.user, Event),
            "can_edit": may_change(request.user, Event),
        },
        status=200 if valid else 400,
    )


def _form_page(
    request: HttpRequest,
    form: EventForm,
    *,
    item: Event | None = None,
    status: int = 200,
    error: str = "",
) -> HttpResponse:
    return render(
        request,
        "tracker/event_form.html",
        {"form": _offer(form), "item": item, "error": error},
        status=status,
    )


@staff_page
def event_create(request: HttpRequest) -> HttpResponseBase:
    require(may_add(request.user, Event))
    if request.method != "POST":
        return _form_page(request, EventForm())
    form = EventForm(request.POST)

    def create(values: dict[str, Any]) -> Saved:
        event = services.event_create(by=request.user, **values)
        return Saved(
            f"{reverse('events')}#event-{event.pk}",
            gettext("Event recorded: %(event)s.") % {"event": event},
        )

    saved = save_form_once(request, form, create)
    return saved or _form_page(request, form, status=400)


@staff_page
def event_edit(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Correct an event with the version the page showed: an edit on an older version is
    refused and names what changed since; the history keeps every edit."""
    require(may_change(request.user, Event))
    event = get_object_or_404(Event, pk=pk)
    if request.method != "POST":
        return _form_page(request, EventEditForm(instance=event), item=event)
    form = EventEditForm(request.POST, instance=event)
    if not form.is_valid():
        return _form_page(request, form, item=event, status=400)
    plain, m2m = edited_values(form, Event)
    try:
        services.event_update(
            event=event,
            by=request.user,
            expected_version=form.cleaned_data["version"],
            values=plain,
            m2m=m2m,
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _form_page(request, form, item=event, status=400)
    except services.DomainError as error:
        return _form_page(request, form, item=event, status=409, error=error.message)
    messages.success(request, gettext("Event “%(event)s” saved.") % {"event": event})
    return redirect(f"{reverse('events')}#event-{event.pk}")
