"""After a change, the map and the charts are served at once as they were last drawn,
marked as being brought up to date, while one task in the queue draws them anew.

Tasks are queued in the database here, as in production (the ``queued_tasks``
fixture), and run when the test says so; tests/domain/test_kept_drawings.py checks
the same with the test run's tasks, which run where they are enqueued.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.tasks import TaskResultStatus
from django.test import Client
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from core import records
from jurisdictions.models import Jurisdiction
from tests.factories import AgencyFactory, JurisdictionFactory, LetterFactory
from tests.service.conftest import run_queued_tasks
from tracker import visuals
from tracker.domain import services
from tracker.domain.selectors import Audience
from tracker.domain.workflow import State
from tracker.models import OptOutRequest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("queued_tasks", "in_background")]

STALE = "being brought up to date"
STALE_ES = "actualizando"
REDRAW = "tracker.visuals.redraw_task"


@pytest.fixture
def queued_tasks(settings: Any) -> None:
    """Tasks are queued in the database, as in production, until a worker runs them."""
    settings.TASKS_BACKEND = "database"
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def in_background(settings: Any) -> None:
    """The worker's drawings reach the pages (a shared cache, as with Redis)."""
    settings.VISUALS_REDRAW_IN_BACKGROUND = True


@pytest.fixture
def place(db: None) -> Jurisdiction:
    return JurisdictionFactory(fips="06001", deployment_status="scheduled")


@pytest.fixture
def request_open(place: Jurisdiction, editor: Any) -> OptOutRequest:
    return services.request_open(jurisdiction=place, title="Opt out", by=editor)


def _redraws() -> int:
    """Redraws waiting in the queue."""
    return DBTaskResult.objects.filter(task_path=REDRAW, status=TaskResultStatus.READY).count()


def test_a_page_never_drawn_is_drawn_in_the_request(
    viewer_client: Client, request_open: OptOutRequest
) -> None:
    shown = viewer_client.get("/map/").text
    assert 'class="marker case-open"' in shown
    assert STALE not in shown
    assert _redraws() == 0


def test_after_a_change_the_earlier_map_is_served_marked_and_redrawn_once(
    viewer_client: Client, request_open: OptOutRequest, editor: Any
) -> None:
    assert 'class="marker case-open"' in viewer_client.get("/map/").text
    services.request_transition(request=request_open, to=State.WITHDRAWN, by=editor)
    for _visitor in range(3):
        shown = viewer_client.get("/map/").text
        assert 'class="marker case-open"' in shown  # as drawn before the change
        assert 'class="stale-note" role="status">Drawn at ' in shown
        assert STALE in shown
        assert '-desc">Drawn at ' in shown  # the picture's text alternative says it too
    assert _redraws() == 1  # however many visitors
    task = DBTaskResult.objects.get(task_path=REDRAW)
    assert task.args_kwargs["args"][:2] == ["map", "staff"]

    run_queued_tasks()
    shown = viewer_client.get("/map/").text
    assert STALE not in shown
    assert 'class="marker case-withdrawn"' in shown
    assert 'class="marker case-open"' not in shown
    assert _redraws() == 0


def test_another_change_while_redrawing_asks_for_another_redraw(
    viewer_client: Client, request_open: OptOutRequest, editor: Any
) -> None:
    viewer_client.get("/map/")
    services.request_transition(request=request_open, to=State.WITHDRAWN, by=editor)
    viewer_client.get("/map/")
    request_open.refresh_from_db()
    services.record_publish(request_open, by=editor, public=True, expected_version=None)
    viewer_client.get("/map/")
    assert _redraws() == 2


def test_the_stale_note_is_in_spanish_for_a_spanish_reader(
    viewer_client: Client, request_open: OptOutRequest, editor: Any
) -> None:
    viewer_client.get("/map/", HTTP_ACCEPT_LANGUAGE="es")
    services.request_transition(request=request_open, to=State.WITHDRAWN, by=editor)
    shown = viewer_client.get("/map/", HTTP_ACCEPT_LANGUAGE="es").text
    assert STALE_ES in shown
    assert STALE not in shown
    run_queued_tasks()
    assert STALE_ES not in viewer_client.get("/map/", HTTP_ACCEPT_LANGUAGE="es").text


def test_the_charts_and_their_downloads_say_when_they_were_drawn(
    viewer_client: Client, request_open: OptOutRequest
) -> None:
    agency = AgencyFactory(name="Program office")
    LetterFactory(request=request_open, recipients=[agency])
    viewer_client.get("/charts/")
    first_csv = viewer_client.get("/charts/reply-times.csv")
    assert STALE not in b"".join(first_csv.streaming_content).decode()
    LetterFactory(request=request_open, recipients=[agency])
    assert STALE in viewer_client.get("/charts/").text
    download = b"".join(viewer_client.get("/charts/reply-times.csv").streaming_content).decode()
    rows = list(csv.reader(io.StringIO(download)))
    assert rows[1][2] == "1"  # one letter, as drawn before the change
    assert rows[-1][0].startswith("Drawn at ") and STALE in rows[-1][0]
    assert _redraws() == 2  # the charts page, and the download's chart

    run_queued_tasks()
    assert STALE not in viewer_client.get("/charts/").text
    download = b"".join(viewer_client.get("/charts/reply-times.csv").streaming_content).decode()
    rows = list(csv.reader(io.StringIO(download)))
    assert rows[1][2] == "2"
    assert STALE not in download


def test_a_stale_public_map_never_shows_what_is_unpublished(
    viewer_client: Client, request_open: OptOutRequest, editor: Any
) -> None:
    public = Client()
    # The staff map, drawn, shows the unpublished request; the public one does not.
    assert 'class="marker case-open"' in viewer_client.get("/map/").text
    assert '<circle class="marker' not in public.get("/public/map/").text
    services.request_transition(request=request_open, to=State.WITHDRAWN, by=editor)
    viewer_client.get("/map/")
    stale = public.get("/public/map/").text
    assert STALE in stale
    assert '<circle class="marker' not in stale
    run_queued_tasks()
    redrawn = public.get("/public/map/").text
    assert STALE not in redrawn
    assert '<circle class="marker' not in redrawn  # drawn from the published record only


def test_a_stale_public_chart_never_counts_what_is_unpublished(
    viewer_client: Client, request_open: OptOutRequest
) -> None:
    agency = AgencyFactory(name="Program office")
    LetterFactory(request=request_open, recipients=[agency])
    public = Client()
    staff_csv = b"".join(viewer_client.get("/charts/reply-times.csv").streaming_content)
    assert b"Program office" in staff_csv
    assert b"Program office" not in b"".join(
        public.get("/public/charts/reply-times.csv").streaming_content
    )
    LetterFactory(request=request_open, recipients=[agency])
    stale = b"".join(public.get("/public/charts/reply-times.csv").streaming_content).decode()
    assert STALE in stale
    assert "Program office" not in stale
    run_queued_tasks()
    redrawn = b"".join(public.get("/public/charts/reply-times.csv").streaming_content).decode()
    assert "Program office" not in redrawn and STALE not in redrawn


def test_the_schedule_warms_the_common_drawings_in_every_language(
    viewer_client: Client, place: Jurisdiction, editor: Any
) -> None:
    counts = visuals.warm_drawings_task.call()
    assert counts == {"drawn": 2 * len(visuals.common_drawings()), "kept": 0, "skipped": 0}
    assert visuals.warm_drawings_task.call()["drawn"] == 0  # nothing changed
    place.deployment_status = "activated"
    records.record_save(place, by=editor)
    # Only the maps show jurisdictions: the staff's, the public's and its printable one.
    assert visuals.warm_drawings_task.call() == {"drawn": 6, "kept": 16, "skipped": 0}
    for language in ("en", "es"):
        shown = viewer_client.get("/map/", HTTP_ACCEPT_LANGUAGE=language).text
        assert 'class="county deployment-activated' in shown
        assert STALE not in shown and STALE_ES not in shown
    assert _redraws() == 0


def test_the_redraw_task_may_run_twice(
    viewer_client: Client, request_open: OptOutRequest, editor: Any
) -> None:
    viewer_client.get("/map/")
    services.request_transition(request=request_open, to=State.WITHDRAWN, by=editor)
    viewer_client.get("/map/")
    args = DBTaskResult.objects.get(task_path=REDRAW).args_kwargs["args"]
    assert visuals.redraw_task.call(*args) == "drawn"
    assert visuals.redraw_task.call(*args) == "kept"


def test_pages_are_drawn_in_the_request_when_the_worker_cannot_share_them(
    settings: Any, viewer_client: Client, request_open: OptOutRequest, editor: Any
) -> None:
    """One process's memory as the cache (no REDIS_URL) and a queue: what a worker drew
    would never reach the pages, so a change draws the page anew in the request."""
    settings.VISUALS_REDRAW_IN_BACKGROUND = None
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert not visuals.redraws_in_background()
    viewer_client.get("/map/")
    services.request_transition(request=request_open, to=State.WITHDRAWN, by=editor)
    shown = viewer_client.get("/map/").text
    assert STALE not in shown
    assert 'class="marker case-withdrawn"' in shown
    assert _redraws() == 0
    assert visuals.warm_drawings_task.call()["drawn"] == 0


def test_the_note_names_the_time_it_was_drawn(request_open: OptOutRequest, editor: Any) -> None:
    with translation.override("en"):
        visuals.build_map(audience=Audience.STAFF, state="", filters=visuals.MapFilters())
        services.request_transition(request=request_open, to=State.WITHDRAWN, by=editor)
        view = visuals.build_map(audience=Audience.STAFF, state="", filters=visuals.MapFilters())
    assert view.stale_note.startswith("Drawn at ")
    assert view.stale_note.endswith("; being brought up to date.")


def test_an_earlier_drawing_costs_where_the_record_stands_and_one_task_queued(
    viewer_client: Client,
    request_open: OptOutRequest,
    editor: Any,
    django_assert_num_queries: Any,
) -> None:
    viewer_client.get("/map/")
    services.request_transition(request=request_open, to=State.WITHDRAWN, by=editor)
    # Session, user, two permission reads, where the record stands, the task queued.
    with django_assert_num_queries(6):
        assert STALE in viewer_client.get("/map/").text
    # The next visitor finds the redraw asked for: no task queued.
    with django_assert_num_queries(5):
        assert STALE in viewer_client.get("/map/").text
