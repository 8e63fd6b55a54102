"""The staff map and charts: every jurisdiction and every request, unpublished too."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from tracker import visuals
from tracker.domain.permissions import may_read_milestones
from tracker.domain.selectors import Audience
from tracker.pages.views import require, staff_page


@require_safe
@staff_page
def county_map(request: HttpRequest, state: str = "") -> HttpResponseBase:
    """The national map, or one state's (``/map/CA/``); ``?state=`` from the filter form
    goes to the state's own address, so a state map always has one."""
    target = None if state else visuals.state_address(request.GET, "map-state")
    if target:
        return redirect(target)
    code = visuals.check_state(state) if state else ""
    view = visuals.build_map(
        audience=Audience.STAFF,
        state=code,
        filters=visuals.MapFilters.from_query(request.GET),
    )
    return render(request, "tracker/map.html", {"map": view})


@require_safe
@staff_page
def chart_list(request: HttpRequest) -> HttpResponseBase:
    require(may_read_milestones(request.user))
    charts = visuals.charts_html(audience=Audience.STAFF, csv_url_name="chart-csv")
    return render(request, "tracker/charts.html", {"charts_html": charts})


@require_safe
@staff_page
def chart_csv(request: HttpRequest, name: str) -> HttpResponseBase:
    require(may_read_milestones(request.user))
    found = visuals.chart(name, audience=Audience.STAFF)
    return visuals.chart_download(found)
