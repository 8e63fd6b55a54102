"""Staff pages: read the record of every case. Logging forms call tracker.services."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render

from jurisdictions.models import Jurisdiction
from tracker import services
from tracker.models import Letter, OptOutRequest
from tracker.workflow import State


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    requests = OptOutRequest.objects.select_related("jurisdiction").order_by(
        "jurisdiction__state", "jurisdiction__name"
    )
    by_state = dict(OptOutRequest.objects.values_list("status").annotate(n=Count("pk")).order_by())
    return render(
        request,
        "tracker/dashboard.html",
        {
            "requests": requests,
            "by_state": [(state, by_state.get(state.value, 0)) for state in State],
        },
    )


@login_required
def jurisdiction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    jurisdiction = get_object_or_404(Jurisdiction, pk=pk)
    return render(
        request,
        "tracker/jurisdiction_detail.html",
        {"jurisdiction": jurisdiction, "requests": jurisdiction.requests.all()},
    )


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    optout = get_object_or_404(
        services.with_facts(
            OptOutRequest.objects.select_related("jurisdiction", "owner")
        ).prefetch_related(
            Prefetch(
                "letters",
                queryset=Letter.objects.select_related("sender").prefetch_related("recipients"),
            ),
            "responses__agency",
            "meetings",
            "transitions__by",
        ),
        pk=pk,
    )
    return render(
        request,
        "tracker/request_detail.html",
        {
            "optout": optout,
            "next_steps": services.request_next_steps(optout),
            "checklist": services.request_checklist(optout),
        },
    )
