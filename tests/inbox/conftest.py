"""The inbox's cast: San Francisco's request, the notice its sheriff sent to ICE's
program office, ICE's Assistant Director as a known contact; and the corpus of
real-shaped messages in tests/data/mail/."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from jurisdictions.models import Agency, Contact
from tests.factories import AgencyFactory, ContactFactory, LetterFactory, RequestFactory
from tracker.domain.mail_identity import reply_address
from tracker.models import Letter, OptOutRequest

MAIL = Path(__file__).resolve().parent.parent / "data" / "mail"


def mail(name: str, request: OptOutRequest | None = None) -> bytes:
    """A message of the corpus, its placeholders filled for ``request``."""
    raw = (MAIL / name).read_bytes()
    if request is not None:
        raw = raw.replace(b"%REQUEST_ID%", str(request.pk).encode())
        raw = raw.replace(b"%REPLY_ADDRESS%", reply_address(request.pk).encode())
    return raw


@dataclass
class Case:
    request: OptOutRequest
    ice: Agency
    sheriff: Agency
    venturella: Contact
    notice: Letter


@pytest.fixture
def case(db: None) -> Case:
    """San Francisco's request, its notice to ICE awaiting a reply, and David Venturella."""
    ice = AgencyFactory(
        name="Secure Communities Program Office",
        abbreviation="ICE SC",
        kind=Agency.Kind.PROGRAM_OFFICE,
    )
    sheriff = AgencyFactory(
        name="San Francisco Sheriff's Department",
        level=Agency.Level.LOCAL,
        kind=Agency.Kind.SHERIFF,
    )
    venturella = ContactFactory(
        name="David Venturella", agency=ice, email="David.Venturella@ice.dhs.gov"
    )
    request = RequestFactory(jurisdiction__name="San Francisco")
    notice = LetterFactory(
        request=request,
        sender=sheriff,
        recipients=[ice],
        subject="Secure Communities: request not to be activated",
        sent_on=dt.date(2010, 9, 10),
    )
    return Case(request, ice, sheriff, venturella, notice)


@pytest.fixture
def message_bytes() -> Any:
    return mail
