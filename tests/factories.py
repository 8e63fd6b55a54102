"""Factories for every record; each builds valid defaults through the real models."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory

from jurisdictions.models import Agency, Contact, Jurisdiction
from tracker.domain.services import letters_recompute_awaiting
from tracker.models import (
    AgencyResponse,
    Holiday,
    Letter,
    Meeting,
    OptOutRequest,
    Statement,
)


def _recompute_awaiting(letter: Letter, *others: int | None) -> None:
    letters_recompute_awaiting(letters=(letter.pk, *others))
    letter.refresh_from_db(fields=["awaiting_reply"])


class JurisdictionFactory(factory.django.DjangoModelFactory[Jurisdiction]):
    class Meta:
        model = Jurisdiction

    name = factory.Sequence(lambda n: f"Test County {n}")
    kind = Jurisdiction.Kind.COUNTY
    state = "CA"
    fips = factory.Sequence(lambda n: f"06{n % 1000:03d}")


class AgencyFactory(factory.django.DjangoModelFactory[Agency]):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Agency {n}")
    level = Agency.Level.FEDERAL
    kind = Agency.Kind.OTHER


class ContactFactory(factory.django.DjangoModelFactory[Contact]):
    class Meta:
        model = Contact

    name = factory.Sequence(lambda n: f"Person {n}")
    agency = factory.SubFactory(AgencyFactory)


class RequestFactory(factory.django.DjangoModelFactory[OptOutRequest]):
    class Meta:
        model = OptOutRequest

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    title = factory.Sequence(lambda n: f"Request {n}")
    opened_on = dt.date(2010, 9, 1)


class LetterFactory(factory.django.DjangoModelFactory[Letter]):
    class Meta:
        model = Letter
        skip_postgeneration_save = True

    request = factory.SubFactory(RequestFactory)
    sender = factory.SubFactory(AgencyFactory, level=Agency.Level.LOCAL, kind=Agency.Kind.SHERIFF)
    subject = factory.Sequence(lambda n: f"Letter {n}")
    sent_on = dt.date(2010, 9, 10)

    @factory.post_generation
    def recipients(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.recipients.set(extracted)

    @factory.post_generation
    def stored_waiting_state(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        # Built without the services: store whether it (and the letter it answers)
        # awaits a reply, as logging it would.
        if create:
            _recompute_awaiting(self, self.in_reply_to_id)


class ResponseFactory(factory.django.DjangoModelFactory[AgencyResponse]):
    class Meta:
        model = AgencyResponse
        skip_postgeneration_save = True

    request = factory.SubFactory(RequestFactory)
    agency = factory.SubFactory(AgencyFactory)
    kind = AgencyResponse.Kind.ACKNOWLEDGED
    responded_on = dt.date(2010, 10, 1)

    @factory.post_generation
    def stored_waiting_state(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        # A reply to a letter ends its wait, as recording it would.
        if create and self.letter is not None:
            _recompute_awaiting(self.letter)


class MeetingFactory(factory.django.DjangoModelFactory[Meeting]):
    class Meta:
        model = Meeting

    request = factory.SubFactory(RequestFactory)


class StatementFactory(factory.django.DjangoModelFactory[Statement]):
    class Meta:
        model = Statement

    speaker = "An official"
    agency = factory.SubFactory(AgencyFactory)
    stated_on = dt.date(2010, 9, 7)
    medium = Statement.Medium.LETTER
    quote = "Opting out is possible."
    position = Statement.Position.POSSIBLE


class HolidayFactory(factory.django.DjangoModelFactory[Holiday]):
    class Meta:
        model = Holiday

    date = factory.Sequence(lambda n: dt.date(2010, 1, 1) + dt.timedelta(days=n))
    name = factory.Sequence(lambda n: f"Holiday {n}")
