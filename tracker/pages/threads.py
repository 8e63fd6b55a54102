"""Staff pages of the correspondence that concerns no one request, or many.

Rep. Lofgren's letter of 27 July 2010 to Secretary Napolitano and Attorney General
Holder and the departments' replies of 7 and 8 September concern every jurisdiction at
once: a thread holds them, linked to each request it bears on, and each linked case
page shows it. Reads through the selectors, writes through the services.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext

from core.submissions import Saved
from jurisdictions.domain.selectors import AGENCY_SEARCH_LIMIT, agencies_above_local
from tracker.domain import selectors, services
from tracker.domain.permissions import may_add, may_change, may_view
from tracker.domain.selectors import Audience
from tracker.models import CorrespondenceThread, ThreadLetter
from tracker.pages.forms import AgencySearchForm, ThreadForm, ThreadLetterForm
from tracker.pages.views import (
    LIST_PAGE_SIZE,
    _agencies_found,
    _merged,
    require,
    save_form_once,
    staff_page,
)


def _list_page(
    request: HttpRequest, *, form: ThreadForm | None = None, status: int = 200
) -> HttpResponse:
    page = Paginator(selectors.threads_list(audience=Audience.STAFF), LIST_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for thread in page.object_list:
        thread.first_sent = selectors.thread_first_sent(thread)  # type: ignore[attr-defined]
    context: dict[str, Any] = {"page": page, "form": None}
    if may_add(request.user, CorrespondenceThread):
        context["form"] = form or ThreadForm()
    return render(request, "tracker/thread_list.html", context, status=status)


@staff_page
def thread_list(request: HttpRequest) -> HttpResponse:
    """Every thread, by title; an editor opens a new one here."""
    require(may_view(request.user, CorrespondenceThread))
    if request.method != "POST":
        return _list_page(request)
    require(may_add(request.user, CorrespondenceThread))
    form = ThreadForm(request.POST)

    def create(values: dict[str, Any]) -> Saved:
        thread = services.thread_open(by=request.user, **values)
        return Saved(
            thread.get_absolute_url(),
            gettext("Thread opened: %(thread)s.") % {"thread": thread},
        )

    saved = save_form_once(request, form, create)
    return saved or _list_page(request, form=form, status=400)


def _detail_page(
    request: HttpRequest,
    thread: CorrespondenceThread,
    *,
    form: ThreadLetterForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {
        "thread": thread,
        "letters": list(selectors.thread_letters(thread, audience=Audience.STAFF)),
        "requests": list(selectors.thread_requests(thread, audience=Audience.STAFF)),
        "form": None,
        "can_edit": may_change(request.user, CorrespondenceThread),
        "can_edit_letters": may_change(request.user, ThreadLetter),
    }
    if may_add(request.user, ThreadLetter):
        agency_search = AgencySearchForm(request.GET)
        found = _agencies_found(agency_search)
        context["form"] = form = form or ThreadLetterForm()
        form.offer_agencies(_merged(agencies_above_local(), found))
        context["agency_search"] = agency_search
        context["agencies_found"] = found
        context["agency_search_limit"] = AGENCY_SEARCH_LIMIT
        if not agency_search.is_valid() and status == 200:
            status = 400
    return render(request, "tracker/thread_detail.html", context, status=status)


@staff_page
def thread_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A thread: its letters in date order, the requests it concerns; an editor logs a
    letter here."""
    require(may_view(request.user, CorrespondenceThread))
    thread = get_object_or_404(CorrespondenceThread, pk=pk)
    if request.method != "POST":
        return _detail_page(request, thread)
    require(may_add(request.user, ThreadLetter))
    form = ThreadLetterForm(request.POST)

    def create(values: dict[str, Any]) -> Saved:
        letter = services.thread_letter_log(by=request.user, thread=thread, **values)
        return Saved(
            f"{thread.get_absolute_url()}#threadletter-{letter.pk}",
            gettext("Letter logged: %(subject)s.") % {"subject": letter.subject},
        )

    saved = save_form_once(request, form, create)
    return saved or _detail_page(request, thread, form=form, status=400)
