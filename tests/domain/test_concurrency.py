"""Two people moving the same request at once: exactly one wins."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from tests.factories import AgencyFactory, JurisdictionFactory
from tracker.domain import services
from tracker.models import OptOutRequest, Transition


def _race(request_pk: int, target: str, by: Any) -> list[str]:
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt() -> None:
        try:
            request = OptOutRequest.objects.get(pk=request_pk)
            barrier.wait()
            services.request_transition(request=request, to=target, by=by)
            outcomes.append("moved")
        except services.DomainError as error:
            outcomes.append(type(error).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_transitions_end_with_one_success_and_one_log_row(editor: Any) -> None:
    request = services.request_open(jurisdiction=JurisdictionFactory(), title="Race", by=editor)
    services.letter_log(request=request, by=editor, sender=AgencyFactory(), subject="Notice")
    outcomes = _race(request.pk, "notice_sent", editor)
    assert sorted(outcomes) == ["TransitionRefused", "moved"]
    assert Transition.objects.filter(request=request, to_state="notice_sent").count() == 1
    request.refresh_from_db()
    assert request.status == "notice_sent"


@pytest.mark.django_db(transaction=True)
def test_concurrent_transitions_on_this_database_also_end_with_one_success(editor: Any) -> None:
    request = services.request_open(jurisdiction=JurisdictionFactory(), title="Race", by=editor)
    outcomes = _race(request.pk, "withdrawn", editor)
    assert outcomes.count("moved") == 1
    assert len(outcomes) == 2
    assert Transition.objects.filter(request=request, to_state="withdrawn").count() == 1


@pytest.mark.django_db
def test_a_writer_holding_an_old_copy_is_refused_by_the_version_check(editor: Any) -> None:
    request = services.request_open(jurisdiction=JurisdictionFactory(), title="Old", by=editor)
    old_copy = OptOutRequest.objects.get(pk=request.pk)
    services.request_transition(request=request, to="withdrawn", by=editor)
    # The old copy still believes the request is a draft at the old version.
    with pytest.raises(services.StaleRecord):
        services._move(old_copy, old_copy.state, by=editor, note="")
    assert Transition.objects.filter(request=request).count() == 2
