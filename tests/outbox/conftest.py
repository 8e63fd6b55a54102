"""A real SMTP server on a free port (aiosmtpd), and a case ready to write to ICE and
its State Identification Bureau."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from jurisdictions.models import Agency, Contact, Jurisdiction
from tests.factories import AgencyFactory, ContactFactory, JurisdictionFactory
from tracker.domain import services
from tracker.models import OptOutRequest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Mailbox:
    """What the server received, and the answers it gives to the next messages."""

    received: list[EmailMessage] = field(default_factory=list)
    envelopes: list[Any] = field(default_factory=list)
    #: Answers to DATA, used one per message before accepting ("451 ..." refuses for now).
    answers: list[str] = field(default_factory=list)
    #: An answer to every RCPT TO (e.g. "550 5.1.1 No such mailbox"); None accepts.
    refuse_recipients: str | None = None

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.refuse_recipients:
            return self.refuse_recipients
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.answers:
            return self.answers.pop(0)
        self.envelopes.append(envelope)
        self.received.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[Mailbox]:
    """An SMTP server on 127.0.0.1 that the tracker's email goes to for this test."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    settings.DEFAULT_FROM_EMAIL = "tracker@rights.example.org"
    settings.EMAIL_REPLY_ADDRESS = "replies@rights.example.org"
    try:
        yield mailbox
    finally:
        controller.stop()


@dataclass
class Case:
    request: OptOutRequest
    program_office: Agency
    sib: Agency
    venturella: Contact
    sib_desk: Contact


@pytest.fixture
def case(editor: Any) -> Case:
    """San Francisco's sheriff writing to ICE's program office and California's SIB."""
    jurisdiction: Jurisdiction = JurisdictionFactory(
        name="San Francisco", state="CA", kind=Jurisdiction.Kind.CITY_AND_COUNTY
    )
    sheriff = AgencyFactory(
        name="San Francisco Sheriff's Department",
        kind=Agency.Kind.SHERIFF,
        level=Agency.Level.LOCAL,
        jurisdiction=jurisdiction,
    )
    program_office = AgencyFactory(
        name="Secure Communities Program Office",
        abbreviation="SC PMO",
        kind=Agency.Kind.PROGRAM_OFFICE,
    )
    sib = AgencyFactory(
        name="California Department of Justice, Bureau of Criminal Identification",
        abbreviation="CA SIB",
        kind=Agency.Kind.SIB,
        level=Agency.Level.STATE,
        state="CA",
    )
    venturella = ContactFactory(
        name="David Venturella",
        title="Assistant Director, Secure Communities",
        agency=program_office,
        email="secure.communities@ice.example.gov",
    )
    sib_desk = ContactFactory(name="SIB records desk", agency=sib, email="sib@doj.example.gov")
    hennessey = ContactFactory(name="Michael Hennessey", title="Sheriff", agency=sheriff)
    request = services.request_open(
        jurisdiction=jurisdiction,
        title="San Francisco: second request not to be activated",
        by=editor,
        requesting_agency=sheriff,
        requested_by=hennessey,
    )
    return Case(request, program_office, sib, venturella, sib_desk)
