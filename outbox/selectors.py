"""Reads of the outbox: which templates are offered, a request's drafts, what is due."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from outbox.models import Draft, LetterTemplate
from tracker.models import Letter, OptOutRequest

#: How many drafts one run of the scheduled sender asks the worker for.
SWEEP_BATCH = 100


def templates_offered() -> QuerySet[LetterTemplate]:
    return LetterTemplate.objects.filter(is_active=True).order_by("kind", "name", "pk")


def template_for_kind(kind: str) -> LetterTemplate | None:
    """The template a kind of letter is written from: the first offered of that kind."""
    return templates_offered().filter(kind=kind).first()


def drafts() -> QuerySet[Draft]:
    """Drafts with what their lists show (request, jurisdiction, agency, letter): one query."""
    return Draft.objects.select_related(
        "request__jurisdiction", "recipient_agency", "template", "letter"
    ).order_by("-created_at", "-pk")


def drafts_of(request: OptOutRequest) -> QuerySet[Draft]:
    """A request's drafts, newest first, with their agency and letter (one query)."""
    return (
        Draft.objects.filter(request=request)
        .select_related("recipient_agency", "letter")
        .order_by("-created_at", "-pk")
    )


def first_notice_to(request: OptOutRequest, agency_id: int) -> Letter | None:
    """The first letter sent on the request to this agency (what a follow-up cites)."""
    return (
        Letter.objects.filter(
            request=request, direction=Letter.Direction.OUTGOING, recipients=agency_id
        )
        .order_by("sent_on", "pk")
        .first()
    )


def due_drafts(*, now: dt.datetime | None = None) -> list[int]:
    """Queued drafts whose next attempt was due a while ago and that no task took (the
    task backend cannot run tasks later, or the worker holding one was lost)."""
    now = now or timezone.now()
    late = now - dt.timedelta(minutes=1)
    return list(
        Draft.objects.filter(status=Draft.Status.QUEUED, next_attempt_at__lte=late)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )


def abandoned_drafts(*, now: dt.datetime | None = None) -> list[int]:
    """Drafts left 'sending' past their claim: the worker stopped in the middle."""
    now = now or timezone.now()
    return list(
        Draft.objects.filter(status=Draft.Status.SENDING, next_attempt_at__lt=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
