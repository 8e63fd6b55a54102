"""The national benchmark's dataset is the data the services would have written, and
every page and endpoint the benchmark measures answers.

The generator writes with bulk inserts, around the services: what the services store
(each letter's due dates and whether it awaits a reply) must equal the rules computed
from the rows, or the benchmark would measure a database the application could never
have produced. Built here at a tiny scale (about 40 requests; the county list is
imported whole).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.db.models import BooleanField, Case, Value, When
from django.test import Client

from tracker.domain import selectors
from tracker.models import Event, Letter, OptOutRequest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
TODAY = dt.date(2026, 11, 30)


@pytest.fixture(scope="module")
def benchmarks() -> Iterator[tuple[Any, Any]]:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import national
        import national_dataset

        yield national_dataset, national
    finally:
        sys.path.remove(str(BENCHMARKS))


@pytest.fixture(scope="module")
def built(
    benchmarks: tuple[Any, Any], django_db_setup: None, django_db_blocker: Any
) -> Iterator[dict[str, int]]:
    """Built once for the module, in a transaction rolled back at its end."""
    national_dataset, _national = benchmarks
    with django_db_blocker.unblock(), transaction.atomic():
        counts: dict[str, int] = national_dataset.build(scale=0.002, seed=7, today=TODAY)
        yield counts
        transaction.set_rollback(True)


@pytest.fixture
def dataset(built: dict[str, int], db: None) -> dict[str, int]:
    return built


def test_the_dataset_holds_what_it_says(
    dataset: dict[str, int], benchmarks: tuple[Any, Any]
) -> None:
    national_dataset, _national = benchmarks
    added = OptOutRequest.objects.exclude(reference__in=national_dataset._record_references())
    assert dataset["requests"] == added.count()
    assert dataset["letters"] > dataset["requests"]
    assert 0 < dataset["overdue letters"] < dataset["letters"]
    events = Event.objects.filter(reference__startswith="national-event-")
    assert dataset["events"] == events.count() > 0
    # Each concerns the jurisdiction of the request it bears on.
    for event in events.prefetch_related("jurisdictions", "requests"):
        assert {r.jurisdiction_id for r in event.requests.all()} == {
            j.pk for j in event.jurisdictions.all()
        }


def test_every_letter_awaits_a_reply_exactly_when_the_rule_says(dataset: dict[str, int]) -> None:
    rule = Case(
        When(selectors.awaiting_reply_from_rows(), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    rows = Letter.objects.annotate(rule=rule).values_list("pk", "awaiting_reply", "rule")
    wrong = [pk for pk, stored, computed in rows if stored != computed]
    assert not wrong, f"{len(wrong)} letters store the wrong awaiting state"


def test_every_outgoing_letter_has_the_due_dates_the_services_would_give(
    dataset: dict[str, int],
) -> None:
    letters = Letter.objects.filter(direction=Letter.Direction.OUTGOING).prefetch_related(
        "recipients"
    )
    checked = 0
    for letter in selectors.with_deadlines(letters):
        deadline = selectors.deadline_of(letter)
        expected = (deadline.due_on, deadline.very_overdue_on) if deadline else (None, None)
        assert (letter.due_on, letter.very_overdue_on) == expected, letter.reference
        checked += 1
    assert checked > 0


def test_every_benchmark_target_answers(
    dataset: dict[str, int], benchmarks: tuple[Any, Any], admin_user: Any
) -> None:
    _national_dataset, national = benchmarks
    from tracker.domain import services

    token = services.calendar_token_create(user=admin_user).token
    staff, public = Client(), Client()
    staff.force_login(admin_user)
    targets = national._targets()
    assert len(targets) >= 15
    for target in targets:
        path = f"/calendar/{token}.ics" if target.path == "CALENDAR" else target.path
        response = (staff if target.signed_in else public).get(path)
        assert response.status_code == 200, (target.name, response.status_code)
        if target.baseline is not None:
            assert target.baseline()


def test_every_request_stores_the_facts_the_services_would_store(
    dataset: dict[str, int],
) -> None:
    from tracker.domain import services

    assert OptOutRequest.objects.filter(has_sent_letter=True).exists()
    # Working them out again from the rows changes nothing.
    assert services.requests_recompute_facts() == 0
