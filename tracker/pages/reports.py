"""Staff report pages: how long each request and each agency takes."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from tracker.domain import milestones
from tracker.domain.permissions import may_read_milestones
from tracker.models import OptOutRequest
from tracker.pages.views import require, staff_page


# Unpublished requests' figures: for the staff only, like every other staff page.
@staff_page
def milestones_report(request: HttpRequest) -> HttpResponse:
    require(may_read_milestones(request.user))
    today = timezone.localdate()
    requests = OptOutRequest.objects.order_by("jurisdiction__state", "jurisdiction__name", "pk")
    return render(
        request,
        "tracker/milestones.html",
        {
            "today": today,
            "requests": milestones.request_milestones(requests),
            "agencies": milestones.agency_reply_times(today),
        },
    )
