"""Staff report pages: how long each request and each agency takes."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from core.spreadsheets import csv_table_response
from tracker.domain import milestones
from tracker.domain.permissions import may_read_milestones
from tracker.models import OptOutRequest
from tracker.pages.views import require, staff_page

#: Rows per page in each table: a national list has 20,000 requests and thousands
#: of agencies.
MILESTONES_PAGE_SIZE = 50


# Unpublished requests' figures: for the staff only, like every other staff page.
@staff_page
def milestones_report(request: HttpRequest) -> HttpResponseBase:
    require(may_read_milestones(request.user))
    today = timezone.localdate()
    requests = OptOutRequest.objects.order_by("jurisdiction__state", "jurisdiction__name", "pk")
    if request.GET.get("format") == "csv":
        return _agencies_csv(milestones.agency_reply_times(today))
    page = Paginator(requests.only("pk"), MILESTONES_PAGE_SIZE).get_page(request.GET.get("page"))
    # The page's requests only, in the same order, with their records (four queries).
    ids = [item.pk for item in page.object_list]
    agencies = Paginator(milestones.agency_reply_times(today), MILESTONES_PAGE_SIZE).get_page(
        request.GET.get("agencies_page")
    )
    return render(
        request,
        "tracker/milestones.html",
        {
            "today": today,
            "page": page,
            "requests": milestones.request_milestones(requests.filter(pk__in=ids)),
            "agencies": agencies,
        },
    )


AGENCY_COLUMNS = (
    "agency",
    "name",
    "letters",
    "answered",
    "waiting",
    "never_answered",
    "share_never_answered",
    "replies_counted",
    "imprecise_replies",
    "median_days",
    "p90_days",
)


def _agencies_csv(rows: list[milestones.AgencyReplyTimes]) -> HttpResponseBase:
    """Every agency's figures (one row per agency sent a dated letter), streamed."""
    return csv_table_response(
        "agency-reply-times",
        AGENCY_COLUMNS,
        (
            (
                row.agency.reference,
                row.agency.name,
                row.letters,
                row.answered,
                row.waiting,
                row.never_answered,
                row.share_never_answered,
                row.replies_counted,
                row.imprecise_replies,
                row.median_days,
                row.p90_days,
            )
            for row in rows
        ),
    )
