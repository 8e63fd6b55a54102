"""A drawn map or chart is kept until the record it shows changes, on any surface.

The map and the charts are drawn once and kept in the cache under where the record
stands (``tracker.domain.maps.record_version``); each test changes the record one
way and checks that the next page shows the drawing it had, marked as being brought
up to date, and the page after it the change (the redraw task it enqueued has run:
tests run tasks where they are enqueued; tests/domain/test_redrawn_in_background.py
queues them).
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from core import records
from core.backups import archive_restored
from jurisdictions.domain.importer import import_csv, write_csv
from jurisdictions.models import Jurisdiction
from tests.factories import AgencyFactory, JurisdictionFactory, LetterFactory
from tracker.domain import services
from tracker.domain.maps import record_version
from tracker.domain.workflow import State
from tracker.models import OptOutRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def place(editor: Any) -> Jurisdiction:
    return JurisdictionFactory(fips="06001", deployment_status="scheduled")


STALE = "being brought up to date"


def _map(client: Client, address: str = "/map/") -> str:
    return client.get(address).text


def _map_after_change(client: Client, address: str = "/map/") -> str:
    """The map after a change: first the earlier drawing, marked; then the new one."""
    assert STALE in _map(client, address)
    shown = _map(client, address)
    assert STALE not in shown
    return shown


def _charts(client: Client) -> str:
    """The charts of the page (its forms carry a new CSRF token each time)."""
    html = client.get(reverse("charts")).text
    return html[html.index("<figure") : html.rindex("</figure>")]


def test_a_move_shows_on_the_next_map(
    viewer_client: Client, place: Jurisdiction, editor: Any
) -> None:
    request = services.request_open(jurisdiction=place, title="Opt out", by=editor)
    assert 'class="marker case-open"' in _map(viewer_client)
    services.request_transition(request=request, to=State.WITHDRAWN, by=editor)
    shown = _map_after_change(viewer_client)
    assert 'class="marker case-open"' not in shown
    assert 'class="marker case-withdrawn"' in shown


def test_an_edit_of_a_jurisdiction_shows_on_the_next_map(
    viewer_client: Client, place: Jurisdiction, editor: Any
) -> None:
    assert 'class="county deployment-scheduled' in _map(viewer_client)
    place.deployment_status = "activated"
    place.activated_on = None
    records.record_save(place, by=editor)
    assert 'class="county deployment-activated' in _map_after_change(viewer_client)


def test_a_file_imported_shows_on_the_next_map(
    viewer_client: Client, place: Jurisdiction, editor: Any
) -> None:
    assert 'class="county deployment-scheduled' in _map(viewer_client)
    file = io.StringIO()
    write_csv(Jurisdiction.objects.filter(pk=place.pk), file)
    exported = file.getvalue()
    changed = exported.replace(",scheduled,", ",not_scheduled,")
    assert changed != exported
    plan = import_csv(changed.encode(), by=editor)
    assert plan.ok, plan.errors
    assert 'class="county deployment-not_scheduled' in _map_after_change(viewer_client)


def test_a_request_published_or_deleted_shows_on_the_next_public_map(
    client: Client, place: Jurisdiction, editor: Any
) -> None:
    request = services.request_open(jurisdiction=place, title="Opt out", by=editor)
    assert 'class="marker case-open"' not in client.get(reverse("public-map")).text
    services.record_publish(request, by=editor, public=True, expected_version=None)
    assert 'class="marker case-open"' in _map_after_change(client, "/public/map/")
    records.record_delete(OptOutRequest.objects.get(pk=request.pk), by=editor)
    assert 'class="marker case-open"' not in _map_after_change(client, "/public/map/")


def test_a_letter_logged_shows_on_the_next_charts(viewer_client: Client) -> None:
    agency = AgencyFactory(name="Program office")
    LetterFactory(recipients=[agency])
    before = _charts(viewer_client)
    LetterFactory(recipients=[agency])
    assert STALE in _charts(viewer_client)
    after = _charts(viewer_client)
    assert STALE not in after
    assert before != after
    assert _charts(viewer_client) == after


def test_each_language_has_its_own_drawing(viewer_client: Client, place: Jurisdiction) -> None:
    english = viewer_client.get(reverse("map")).text
    spanish = viewer_client.get(reverse("map"), HTTP_ACCEPT_LANGUAGE="es").text
    assert "Secure Communities: Scheduled" in english
    assert "Secure Communities: Scheduled" not in spanish


def test_a_restored_archive_draws_everything_anew(
    viewer_client: Client, place: Jurisdiction, django_assert_num_queries: Any
) -> None:
    _map(viewer_client)
    with django_assert_num_queries(5):  # session, user, permissions, where the record stands
        _map(viewer_client)
    archive_restored.send(sender=None, manifest={})
    with django_assert_num_queries(6):  # and the map's own query again
        _map(viewer_client)


def test_a_cleared_cache_forgets_the_drawings_each_process_keeps(
    viewer_client: Client, place: Jurisdiction, django_assert_num_queries: Any
) -> None:
    assert 'class="county deployment-scheduled' in _map(viewer_client)
    # A change made behind the history's back (no history row): the kept map stays...
    Jurisdiction.objects.filter(pk=place.pk).update(deployment_status="activated")
    with django_assert_num_queries(5):
        assert 'class="county deployment-scheduled' in _map(viewer_client)
    # ... until the shared cache is cleared, which the process's own copy follows.
    cache.clear()
    assert 'class="county deployment-activated' in _map(viewer_client)


def test_a_drawing_is_kept_through_changes_to_what_it_does_not_show(
    viewer_client: Client, place: Jurisdiction, editor: Any, django_assert_num_queries: Any
) -> None:
    agency = AgencyFactory()
    request = services.request_open(jurisdiction=place, title="Opt out", by=editor)
    _map(viewer_client)
    charts = _charts(viewer_client)
    # A letter is not on the map: the kept map is served (no map query).
    LetterFactory(request=request, recipients=[agency])
    with django_assert_num_queries(5):  # session, user, permissions, where the record stands
        _map(viewer_client)
    assert STALE in _charts(viewer_client)
    assert STALE not in _charts(viewer_client)
    charts = _charts(viewer_client)
    # A jurisdiction edited is not in the charts: the kept charts are served.
    place.deployment_status = "activated"
    records.record_save(place, by=None)
    with django_assert_num_queries(5):
        assert _charts(viewer_client) == charts
    assert 'class="county deployment-activated' in _map_after_change(viewer_client)


def test_where_the_record_stands_moves_with_every_change(place: Jurisdiction, editor: Any) -> None:
    seen = {record_version()}
    request = services.request_open(jurisdiction=place, title="Opt out", by=editor)
    seen.add(record_version())
    services.request_transition(request=request, to=State.WITHDRAWN, by=editor)
    seen.add(record_version())
    records.record_delete(OptOutRequest.objects.get(pk=request.pk), by=editor)
    seen.add(record_version())
    assert len(seen) == 4


def test_the_redraw_runs_where_it_is_enqueued_in_the_test_run(
    viewer_client: Client, place: Jurisdiction, editor: Any, django_assert_num_queries: Any
) -> None:
    """The test run's tasks run at once: the visitor shown the earlier map has had the
    new one drawn by the time the next visitor comes, who only reads where the record
    stands."""
    _map(viewer_client)
    place.deployment_status = "activated"
    place.activated_on = None
    records.record_save(place, by=editor)
    assert 'class="county deployment-scheduled' in _map(viewer_client)
    with django_assert_num_queries(5):  # session, user, permissions, where the record stands
        shown = _map(viewer_client)
    assert STALE not in shown
    assert 'class="county deployment-activated' in shown
