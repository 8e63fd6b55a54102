"""Public pages: the published record, readable without signing in.

Every page reads what :mod:`tracker.domain.selectors` says is published and shows it
through :mod:`tracker.domain.publishing`, which alone decides which fields the public
may see. Each page has a printable variant (no navigation, sources spelled out) for
a council hearing or a press release; the normal pages also print cleanly.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from core import throttling
from tracker.domain import publishing, selectors
from tracker.domain.statements import contradictions as find_contradictions
from tracker.models import CorrespondenceThread

#: The longest search text accepted; longer input is cut, not refused.
SEARCH_MAX_LENGTH = 200
#: Pairs per page: every conflicting pair of a large register is far too many for one page.
PAIRS_PER_PAGE = 50
#: Pairs shown under the statements timeline before linking to the full list.
PAIRS_ON_STATEMENTS_PAGE = 10
#: Statements per page of the statements timeline.
STATEMENTS_PER_PAGE = 100
#: Events per page of the public events list.
EVENTS_PER_PAGE = 100
#: Jurisdictions per page of the index: a national record has thousands.
JURISDICTIONS_PER_PAGE = 100


class _CountedPaginator(Paginator):  # type: ignore[type-arg]
    """A paginator told its count, already known from another query, so it does not
    count the list again."""

    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """The states with a published record, and one page of their jurisdictions
    (``?state=`` for one state's): two queries, however many jurisdictions there are."""
    states = [publishing.public_state(found) for found in selectors.published_states()]
    counts = {found["state"]: found["jurisdictions"] for found in states}
    state = request.GET.get("state", "").upper()
    jurisdictions = selectors.published_jurisdictions()
    if state:
        if state not in counts:
            raise Http404(gettext("Nothing has been published for this state."))
        jurisdictions = jurisdictions.filter(state=state)
    paginator = _CountedPaginator(
        jurisdictions,
        JURISDICTIONS_PER_PAGE,
        count=counts[state] if state else sum(counts.values()),
    )
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "public/index.html",
        {
            "states": states,
            "state": state,
            "current_state": next((found for found in states if found["state"] == state), None),
            "page": page,
            "page_query": urlencode({"state": state}) if state else "",
            "jurisdictions": publishing.public_jurisdiction_list(page),
        },
    )


@require_safe
def jurisdiction(request: HttpRequest, reference: str, printable: bool = False) -> HttpResponse:
    # Only jurisdictions with a published request exist for the public.
    found = get_object_or_404(selectors.published_jurisdictions(), reference=reference)
    timeline = publishing.public_timeline(found)
    threads = selectors.jurisdiction_threads(found, audience=selectors.Audience.PUBLIC)
    return render(
        request,
        "public/jurisdiction.html",
        {"timeline": timeline, "threads": threads, "printable": printable},
    )


@require_safe
def threads(request: HttpRequest) -> HttpResponse:
    """Every published thread of correspondence (Congress and the departments): one query."""
    found = selectors.threads_list(audience=selectors.Audience.PUBLIC)
    page = Paginator(found, PAIRS_PER_PAGE).get_page(request.GET.get("page"))
    for item in page.object_list:
        item.first_sent = selectors.thread_first_sent(item)  # type: ignore[attr-defined]
    return render(request, "public/threads.html", {"page": page})


@require_safe
def thread(request: HttpRequest, thread: str, printable: bool = False) -> HttpResponse:
    """A published thread: its published letters in date order and the published
    requests it concerns."""
    found = get_object_or_404(
        selectors.published(CorrespondenceThread.objects.all()), reference=thread
    )
    audience = selectors.Audience.PUBLIC
    shown = publishing.public_thread(
        found,
        letters=selectors.thread_letters(found, audience=audience),
        requests=selectors.thread_requests(found, audience=audience),
    )
    return render(request, "public/thread.html", {"thread": shown, "printable": printable})


@require_safe
def statements(request: HttpRequest, printable: bool = False) -> HttpResponse:
    published = list(selectors.published_statements())
    pairs = find_contradictions(published)
    page = Paginator(published, STATEMENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "public/statements.html",
        {
            "page": page,
            "statements": [publishing.public_statement(s) for s in page],
            "contradictions": [
                publishing.public_contradiction(c) for c in pairs[:PAIRS_ON_STATEMENTS_PAGE]
            ],
            "contradiction_count": len(pairs),
            "printable": printable,
        },
    )


@require_safe
def events(request: HttpRequest, printable: bool = False) -> HttpResponse:
    """Published events, oldest first (undated last), with their sources: a fixed number
    of queries whatever the page size (the count, the rows, then their sources,
    jurisdictions, agencies and requests)."""
    page = Paginator(selectors.published_events(), EVENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "public/events.html",
        {
            "page": page,
            "events": [publishing.public_event(event) for event in page],
            "printable": printable,
        },
    )


@require_safe
def contradictions(request: HttpRequest, printable: bool = False) -> HttpResponse:
    pairs = selectors.published_contradictions()
    page = Paginator(pairs, PAIRS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "public/contradictions.html",
        {
            "page": page,
            "contradictions": [publishing.public_contradiction(c) for c in page],
            "contradiction_count": len(pairs),
            "printable": printable,
        },
    )


@require_safe
def contradiction(
    request: HttpRequest, earlier: str, later: str, printable: bool = False
) -> HttpResponse:
    pair = selectors.published_contradiction(earlier, later)
    if pair is None:
        raise Http404(gettext("These two published statements do not contradict each other."))
    return render(
        request,
        "public/contradiction.html",
        {"pair": publishing.public_contradiction(pair), "printable": printable},
    )


class PublicSearchForm(forms.Form):
    # CharField refuses NUL characters, which PostgreSQL cannot store or compare.
    q = forms.CharField(required=False)


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    wait = throttling.count(
        "public-search",
        throttling.client_address(request),
        limit=settings.PUBLIC_SEARCH_PER_MINUTE,
    )
    if wait is not None:
        response = render(
            request,
            "public/search.html",
            {
                "error": gettext(
                    "Too many searches from your address: try again in %(seconds)s seconds."
                )
                % {"seconds": wait}
            },
            status=429,
        )
        response["Retry-After"] = str(wait)
        return response
    form = PublicSearchForm(request.GET)
    if not form.is_valid():
        error = gettext("The search text cannot be used: %(reasons)s") % {
            "reasons": " ".join(str(e) for e in form.errors["q"])
        }
        return render(request, "public/search.html", {"error": error}, status=400)
    text = form.cleaned_data["q"][:SEARCH_MAX_LENGTH]
    hits = publishing.public_search(text) if text else []
    return render(request, "public/search.html", {"q": text, "hits": hits})
