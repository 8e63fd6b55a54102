"""How fast every page and endpoint answers on a national coalition's data.

Build the data first (``benchmarks/national_dataset.py``), then::

    .venv/bin/python benchmarks/national.py \\
        --database-url postgres://postgres@127.0.0.1:5432/opt_out_tracker_national
    .venv/bin/python benchmarks/national.py --database-url ... --only api --runs 50

For each page and endpoint it prints the median (p50) and 95th percentile (p95)
answer time over ``--runs`` requests (fewer when one target would take longer
than ``--budget`` seconds; the column ``n`` says how many ran), the number of
database queries, the size of the answer and the peak memory allocated while
answering. For each API list it also times a *raw baseline* in the same run:
the same rows read with ``.values()`` and encoded with the standard JSON
encoder, the floor that serialization could reach; ``ratio`` is p50 over the
baseline's p50. Each map and chart page is measured three ways: kept (the
drawing served from the cache), ``drawn`` (nothing kept: drawn in the request) and
``changed`` (one record saved before each answer: the earlier drawing served, marked,
while a redraw is queued); for ``changed``, ``redraw ms`` is how long the queued
redraw then takes, as the worker would run it.

Requests go through Django's test client in this process (no web server, no
network), signed in as a staff member with every permission, or anonymously
for the public pages. The machine may be shared: compare figures measured side
by side in one run, not against another run's.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    signed_in: bool = True
    #: The same rows as plain dictionaries, for an API list's raw baseline.
    baseline: Callable[[], object] | None = None
    #: A map or chart drawn anew for every answer (the kept drawings forgotten before
    #: each one, outside the time): what the first answer costs when nothing was drawn.
    drawn: bool = False
    #: A map or chart answered after one record was changed (outside the time): the
    #: first answer after a change, the earlier drawing served while a redraw is queued.
    changed: bool = False


@dataclass(frozen=True)
class Figures:
    target: Target
    runs: int
    p50: float
    p95: float
    queries: int
    size: int
    peak: int
    baseline_p50: float | None
    status: int
    #: The first answer, which fills caches (a map or chart drawn anew, say).
    first: float = 0.0
    #: After a change: how long the queued redraw task takes (in the worker).
    redraw: float | None = None


def _setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-key")
    os.environ.setdefault("DEBUG", "false")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["ENV_FILE"] = ""
    # The benchmark measures what an answer costs, not the per-address limits on
    # anonymous readers (every request here comes from one address).
    for limit in ("ANONYMOUS_API_PER_MINUTE", "PUBLIC_SEARCH_PER_MINUTE"):
        os.environ[limit] = "1000000"
    # After a change a map or chart is served as drawn before it while a redraw is
    # queued, as in production with Redis (here the redraw is run, timed, by the
    # benchmark itself, in the same process and so the same cache).
    os.environ["VISUALS_REDRAW_IN_BACKGROUND"] = "true"
    sys.path.insert(0, str(ROOT))
    # WhiteNoise looks for collected static files, which a benchmark does not need.
    warnings.filterwarnings("ignore", message="No directory at")
    import django
    from django.conf import settings

    django.setup()
    # Pages are rendered without `collectstatic`: plain static file names.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def _targets() -> list[Target]:
    from django.db.models import F, Q

    from jurisdictions.models import Agency, Jurisdiction
    from tracker.api.pagination import cursor_after
    from tracker.domain import selectors
    from tracker.models import AgencyResponse, Letter, Meeting, OptOutRequest, Statement

    # A deep page: the 500th, or the last one on a smaller dataset.
    deep_page = max(1, min(500, Letter.objects.count() // 50))
    request = OptOutRequest.objects.order_by("-pk").first()
    if request is None:
        raise SystemExit("No opt-out requests: run benchmarks/national_dataset.py first.")
    jurisdiction_id = request.jurisdiction_id
    letter_id = Letter.objects.order_by("-pk").values_list("pk", flat=True).first()
    public_jurisdiction = (
        OptOutRequest.objects.filter(is_public=True)
        .values_list("jurisdiction__reference", flat=True)
        .first()
    )
    letter_fields = [
        f.attname for f in Letter._meta.concrete_fields if f.attname not in {"notes", "source"}
    ]
    request_fields = [f.attname for f in OptOutRequest._meta.concrete_fields]

    def letters(offset: int = 0, **filters: Any) -> Callable[[], object]:
        def read() -> object:
            ordered = Letter.objects.filter(**filters).order_by(
                F("sent_on").asc(nulls_last=True), "pk"
            )
            # A deep page is found by its ids first, from the index on the order alone
            # (as the API reads it): the floor, not OFFSET over whole rows.
            keys = ordered.values("pk")[offset : offset + 50]
            rows = ordered.filter(pk__in=keys) if offset else ordered[:50]
            return json.dumps(list(rows.values(*letter_fields)), default=str)

        return read

    def overdue_letters() -> object:
        overdue = selectors.letters_with_flag(Letter.objects.all(), "overdue")
        rows = overdue.order_by("pk")[:50].values(*letter_fields)
        return json.dumps(list(rows), default=str)

    def overdue_requests() -> object:
        has_overdue = selectors.requests_with_flag(OptOutRequest.objects.all(), "overdue")
        rows = has_overdue.order_by("pk")[:50]
        return json.dumps(list(rows.values(*request_fields)), default=str)

    def first_page(model: Any, *order: Any, offset: int = 0) -> Callable[[], object]:
        """A list's raw baseline: 50 rows in its order, every column, as plain JSON."""
        fields = [f.attname for f in model._meta.concrete_fields]

        def read() -> object:
            rows = model.objects.order_by(*order)[offset : offset + 50].values(*fields)
            return json.dumps(list(rows), default=str)

        return read

    # The same place as the deep page, by cursor: the page after its first row's predecessor.
    letters_in_order = Letter.objects.order_by("sent_on", "pk")
    before_deep = letters_in_order.values_list("pk", "sent_on")[max(0, (deep_page - 1) * 50 - 1)]
    deep_cursor = cursor_after(Letter.objects.all(), before_deep[0])

    def letters_after_cursor() -> object:
        pk, sent_on = before_deep
        after = Q(sent_on__gte=sent_on) & (Q(sent_on__gt=sent_on) | Q(pk__gt=pk))
        rows = letters_in_order.filter(after)[:50].values(*letter_fields)
        return json.dumps(list(rows), default=str)

    targets = [
        Target("api letters", "/api/v1/letters/", baseline=letters()),
        Target("api letters overdue", "/api/v1/letters/?overdue=true", baseline=overdue_letters),
        Target(
            "api letters by status",
            "/api/v1/letters/?status=notice_sent",
            baseline=letters(request__status="notice_sent"),
        ),
        Target(
            f"api letters page {deep_page}",
            f"/api/v1/letters/?page={deep_page}",
            baseline=letters((deep_page - 1) * 50),
        ),
        Target(
            f"api letters cursor {deep_page}",
            f"/api/v1/letters/?cursor={deep_cursor}",
            baseline=letters_after_cursor,
        ),
        Target("api requests overdue", "/api/v1/requests/?overdue=true", baseline=overdue_requests),
        Target(
            "api requests",
            "/api/v1/requests/",
            baseline=first_page(
                OptOutRequest, "jurisdiction__state", "jurisdiction__name", "-opened_on", "pk"
            ),
        ),
        Target(
            "api responses",
            "/api/v1/responses/",
            baseline=first_page(AgencyResponse, "responded_on", "pk"),
        ),
        Target("api meetings", "/api/v1/meetings/", baseline=first_page(Meeting, "held_on", "pk")),
        Target(
            "api statements",
            "/api/v1/statements/",
            baseline=first_page(Statement, F("stated_on").asc(nulls_last=True), "pk"),
        ),
        Target(
            "api jurisdictions",
            "/api/v1/jurisdictions/",
            baseline=first_page(Jurisdiction, "state", "name", "pk"),
        ),
        Target("api agencies", "/api/v1/agencies/", baseline=first_page(Agency, "name", "pk")),
        Target("api requests very overdue", "/api/v1/requests/?very_overdue=true"),
        Target("dashboard", "/"),
        Target("request page", f"/requests/{request.pk}/"),
        Target("jurisdiction page", f"/jurisdictions/{jurisdiction_id}/"),
        Target("letters list", "/letters/"),
        Target("requests list", "/requests/"),
        Target("requests list overdue", "/requests/?overdue=true"),
        Target(
            "letters list by state and jurisdiction",
            f"/letters/?state={request.jurisdiction.state}&jurisdiction={jurisdiction_id}",
        ),
        Target("request page, agency search", f"/requests/{request.pk}/?find_agency=sheriff"),
        *_search_targets("search", "/search/"),
        Target("admin letters", "/admin/tracker/letter/"),
        Target("admin letters overdue", "/admin/tracker/letter/?overdue=yes"),
        Target("admin letters search", "/admin/tracker/letter/?q=notice"),
        Target("admin requests", "/admin/tracker/optoutrequest/"),
        Target("admin requests overdue", "/admin/tracker/optoutrequest/?overdue=yes"),
        Target("admin responses", "/admin/tracker/agencyresponse/"),
        Target("admin meetings", "/admin/tracker/meeting/"),
        Target("admin statements", "/admin/tracker/statement/"),
        Target("admin transitions", "/admin/tracker/transition/"),
        Target("admin reminders", "/admin/tracker/reminderlog/"),
        Target("admin jurisdictions", "/admin/jurisdictions/jurisdiction/"),
        Target("admin agencies", "/admin/jurisdictions/agency/"),
        Target("admin contacts", "/admin/jurisdictions/contact/"),
        Target("admin letter page", f"/admin/tracker/letter/{letter_id}/change/"),
        Target("admin request page", f"/admin/tracker/optoutrequest/{request.pk}/change/"),
        Target("milestones", "/milestones/"),
        Target("events list", "/events/"),
        Target("api events", "/api/v1/events/"),
        Target("public events", "/public/events/"),
        Target("threads list", "/threads/"),
        Target("inbox", "/inbox/"),
        Target("admin events", "/admin/tracker/event/"),
        Target("milestones csv of agencies", "/milestones/?format=csv"),
        Target("csv overdue letters", "/letters/?overdue=true&format=csv"),
        *_visual_targets(request.jurisdiction.state),
        Target("calendar feed", "CALENDAR"),
        Target("public index", "/public/", signed_in=False),
        *_search_targets("public search", "/public/search/", signed_in=False),
        *_public_api_targets(),
    ]
    if public_jurisdiction:
        targets.append(
            Target(
                "public jurisdiction",
                f"/public/jurisdictions/{public_jurisdiction}/",
                signed_in=False,
            )
        )
    return targets


def _visual_targets(state: str) -> list[Target]:
    """Every map and chart page and chart download, staff and public: each as kept
    (the drawing served from the cache, as every answer but the first after a change)
    and drawn (the first answer after a change)."""
    charts = ("reply-times", "cases-by-status", "awaiting-by-age")
    pages = [
        ("map", "/map/", True),
        ("map of a state", f"/map/{state}/", True),
        ("map filtered", "/map/?deployment=activated&case=any", True),
        ("charts", "/charts/", True),
        *((f"chart csv {key}", f"/charts/{key}.csv", True) for key in charts),
        ("public map", "/public/map/", False),
        ("public map of a state", f"/public/map/{state}/", False),
        ("public map print", "/public/map/print/", False),
        ("public charts", "/public/charts/", False),
        *((f"public chart csv {key}", f"/public/charts/{key}.csv", False) for key in charts),
    ]
    return [
        Target(
            f"{name}{mode}",
            path,
            signed_in=signed_in,
            drawn=mode == " drawn",
            changed=mode == " changed",
        )
        for name, path, signed_in in pages
        for mode in ("", " drawn", " changed")
    ]


def _change_one_record() -> None:
    """Save the newest opt-out request as it is: a history row, so every map and chart
    stands at a new point of the record."""
    from tracker.models import OptOutRequest

    request = OptOutRequest.objects.order_by("-pk").first()
    assert request is not None
    request.save()


def _time_redraw() -> float | None:
    """Run the newest queued redraw as the worker would, timed; the queued redraws are
    then dropped (the benchmark runs no worker)."""
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from tracker import visuals

    queued = DBTaskResult.objects.filter(
        task_path="tracker.visuals.redraw_task", status=TaskResultStatus.READY
    )
    newest = queued.order_by("-enqueued_at").first()
    if newest is None:
        return None
    started = time.perf_counter()
    visuals.redraw_task.call(*newest.args_kwargs["args"])
    took = time.perf_counter() - started
    queued.delete()
    return took


#: Search words: in every request, in every letter, in one 2010 record, and in nothing.
SEARCH_WORDS = {
    "common": "removed",
    "everywhere": "letter",
    "rare": "Hennessey",
    "absent": "zeppelin",
}
#: Staff search only: words in the text of a tenth of the letters' scans, and in the
#: sheriffs' contacts and agencies (every county's).
STAFF_SEARCH_WORDS = {"in scans": "fingerprints", "in contacts": "sheriff"}


def _search_targets(name: str, path: str, *, signed_in: bool = True) -> list[Target]:
    words = {**SEARCH_WORDS, **(STAFF_SEARCH_WORDS if path == "/search/" else {})}
    targets = [
        Target(f"{name} {kind}", f"{path}?q={word}", signed_in=signed_in)
        for kind, word in words.items()
    ]
    if path == "/search/":
        # A page deep into one kind of result.
        targets.append(Target(f"{name} letters page 3", f"{path}?q=letter&kind=letters&page=3"))
    return targets


def _public_api_targets() -> list[Target]:
    """The anonymous API: each published list, one published letter, and a search."""
    from tracker.domain import selectors

    lists = ["requests", "letters", "responses", "meetings", "statements", "transitions"]
    lists += ["jurisdictions", "agencies"]
    targets = [Target(f"public api {name}", f"/api/v1/{name}/", signed_in=False) for name in lists]
    letter = selectors.published_letters().order_by("-pk").values_list("pk", flat=True).first()
    if letter is not None:
        targets.append(Target("public api letter", f"/api/v1/letters/{letter}/", signed_in=False))
    targets.append(
        Target(
            "public api search",
            f"/api/v1/letters/?search={SEARCH_WORDS['rare']}",
            signed_in=False,
        )
    )
    return targets


def _body_size(response: Any) -> int:
    if getattr(response, "streaming", False):
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def _percentile(samples: Sequence[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(target: Target, client: Any, *, runs: int, budget: float) -> Figures:
    from django.db import connection

    from tracker.visuals import forget_drawings

    if target.drawn:
        forget_drawings()
    if target.changed:
        client.get(target.path)  # a drawing to serve while the new one is drawn
        _change_one_record()
    # One answer to warm caches, counted for queries, size and peak memory.
    queries: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    tracemalloc.start()
    started = time.perf_counter()
    with connection.execute_wrapper(count):
        response = client.get(target.path)
        size = _body_size(response)
    first = time.perf_counter() - started  # under tracemalloc: slower than untraced
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    samples: list[float] = []
    deadline = time.perf_counter() + budget
    while len(samples) < runs and (not samples or time.perf_counter() < deadline):
        if target.drawn:
            forget_drawings()
        if target.changed:
            _change_one_record()
        started = time.perf_counter()
        _body_size(client.get(target.path))
        samples.append(time.perf_counter() - started)
    baseline_p50 = None
    if target.baseline is not None:
        baseline = []
        for _ in range(len(samples)):
            started = time.perf_counter()
            target.baseline()
            baseline.append(time.perf_counter() - started)
        baseline_p50 = statistics.median(baseline)
    redraw = _time_redraw() if target.changed else None
    return Figures(
        target,
        len(samples),
        statistics.median(samples),
        _percentile(samples, 0.95),
        len(queries),
        size,
        peak,
        baseline_p50,
        response.status_code,
        first,
        redraw,
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=50, help="requests per target (default 50)")
    parser.add_argument(
        "--budget", type=float, default=30.0, help="seconds per target before stopping early"
    )
    parser.add_argument(
        "--only",
        default="",
        help="only targets whose name contains this (several: separated by commas)",
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    _setup(args.database_url)
    from django.contrib.auth import get_user_model
    from django.test import Client

    from tracker.domain import services

    user, _created = get_user_model().objects.get_or_create(
        username="benchmark", defaults={"is_staff": True, "is_superuser": True}
    )
    token = services.calendar_token_create(user=user).token
    staff, public = Client(), Client()
    staff.force_login(user)
    print(
        f"{'target':<24}{'n':>4}{'p50 ms':>10}{'p95 ms':>10}{'queries':>9}"
        f"{'KB':>9}{'peak MB':>9}{'raw ms':>9}{'ratio':>7}{'status':>7}{'first ms':>10}"
        f"{'redraw ms':>11}"
    )
    for target in _targets():
        if not any(part in target.name for part in args.only.split(",")):
            continue
        if target.path == "CALENDAR":
            target = Target(target.name, f"/calendar/{token}.ics", signed_in=False)
        figures = measure(
            target, staff if target.signed_in else public, runs=args.runs, budget=args.budget
        )
        raw = figures.baseline_p50
        print(
            f"{target.name:<24}{figures.runs:>4}{figures.p50 * 1000:>10.1f}"
            f"{figures.p95 * 1000:>10.1f}{figures.queries:>9}{figures.size / 1024:>9.0f}"
            f"{figures.peak / 2**20:>9.1f}"
            f"{(raw * 1000) if raw else float('nan'):>9.1f}"
            f"{(figures.p50 / raw) if raw else float('nan'):>7.1f}{figures.status:>7}"
            f"{figures.first * 1000:>10.1f}"
            f"{(figures.redraw * 1000) if figures.redraw else float('nan'):>11.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
