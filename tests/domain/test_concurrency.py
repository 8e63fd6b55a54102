"""Two people moving the same request at once: exactly one wins."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import AgencyFactory, JurisdictionFactory
from tests.threads import at_once
from tracker.domain import services
from tracker.models import OptOutRequest, Transition


def _race(request_pk: int, target: str, by: Any) -> list[str]:
    def attempt() -> str:
        request = OptOutRequest.objects.get(pk=request_pk)
        try:
            services.request_transition(request=request, to=target, by=by)
        except services.DomainError as error:
            return type(error).__name__
        return "moved"

    return at_once(attempt, attempt)


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
