"""The public map and charts: only what is published (the audience decides it in
:mod:`tracker.domain.maps` and :mod:`tracker.domain.charts`)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from tracker import visuals
from tracker.domain.selectors import Audience


@require_safe
def county_map(request: HttpRequest, state: str = "", printable: bool = False) -> HttpResponseBase:
    target = None if state else visuals.state_address(request.GET, "public-map-state")
    if target:
        return redirect(target)
    code = visuals.check_state(state) if state else ""
    view = visuals.build_map(
        audience=Audience.PUBLIC,
        state=code,
        filters=visuals.MapFilters.from_query(request.GET),
        printable=printable,
    )
    return render(request, "public/map.html", {"map": view, "printable": printable})


@require_safe
def chart_list(request: HttpRequest, printable: bool = False) -> HttpResponseBase:
    return render(
        request,
        "public/charts.html",
        {
            "charts_html": visuals.charts_html(
                audience=Audience.PUBLIC, csv_url_name="public-chart-csv"
            ),
            "printable": printable,
        },
    )


@require_safe
def chart_csv(request: HttpRequest, name: str) -> HttpResponseBase:
    found = visuals.chart(name, audience=Audience.PUBLIC)
    return visuals.chart_download(found)
