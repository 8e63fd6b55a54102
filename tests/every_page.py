"""Every staff and public page, read from the URLconf, with a record that stretches them.

The real-browser checks (phone width, accessibility) visit every address that
:func:`every_page` finds, so a page added to ``tracker/pages/urls.py`` or
``tracker/public/urls.py`` (or under the sign-in address) is checked without touching
the tests. An address is a *page* when a signed-in editor's GET of it answers 200 with
HTML; addresses that only take POST (405), downloads (CSV, calendar, attachments) and
redirects are left out. An address whose parameters cannot be filled in, or which
answers anything else (404, 500), fails the tests, with the address named.

Parameters are filled in from the record by their names: ``pk`` by the model the
address is named after (``request-detail`` takes a request, ``letter-attachment`` a
letter), ``<model>_pk`` / ``<model>_id`` by that model, and the few others (a state, a
public jurisdiction's reference, a contradiction's two statements...) from
:data:`NAMED_VALUES`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from core import webhooks
from core.dates import PartialDate
from core.models import WebhookSubscription
from inbox.models import Attachment, Message
from inbox.services import message_receive
from jurisdictions.models import Agency, Jurisdiction
from outbox import services as outbox_services
from outbox.models import Draft
from tests.conftest import PDF
from tests.factories import AgencyFactory, JurisdictionFactory, StatementFactory
from tracker.domain import selectors, services
from tracker.models import (
    AgencyResponse,
    Basis,
    CalendarToken,
    CorrespondenceThread,
    Event,
    Letter,
    Meeting,
    OptOutRequest,
    Source,
    Statement,
    Transition,
)

#: A subject with no space to break at: a pasted reference number, a URL, a file name.
LONG_WORD = "Re:" + "SecureCommunitiesOptOutRequestReferenceNumber" * 4
#: An agency and a jurisdiction whose names are long and unbroken too.
LONG_NAME = "Department-of-Public-Safety-and-Correctional-Services-Records-Division"

#: Address prefixes the checks cover: the staff pages (the empty prefix), the sign-in
#: page and the public record. The admin has Django's own look and its own tests, the
#: API answers JSON, the rest are endpoints.
SKIPPED_PREFIXES = ("admin/", "api/", "i18n/", "healthz", "readyz", "accounts/logout/")

#: Model of each word an address's name or parameter may start with.
MODELS: dict[str, type[Model]] = {
    "request": OptOutRequest,
    "jurisdiction": Jurisdiction,
    "letter": Letter,
    "response": AgencyResponse,
    "reply": AgencyResponse,
    "replies": AgencyResponse,
    "meeting": Meeting,
    "statement": Statement,
    "event": Event,
    "agency": Agency,
    "transition": Transition,
    "move": Transition,
    "webhook": WebhookSubscription,
    # Before "inbox": a file of a message, then the message itself.
    "inbox-attachment": Attachment,
    "inbox": Message,
    "thread": CorrespondenceThread,
    "draft": Draft,
}


@dataclass(frozen=True)
class Address:
    """One address of the URLconf: its name, route and parameters."""

    name: str
    route: str
    parameters: tuple[str, ...]


def addresses() -> Iterator[Address]:
    """Every named address of the URLconf outside :data:`SKIPPED_PREFIXES`."""

    def walk(patterns: list[Any], prefix: str) -> Iterator[Address]:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if route.startswith(SKIPPED_PREFIXES):
                continue
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and pattern.name:
                parameters = tuple(re.findall(r"<(?:\w+:)?(\w+)>", route))
                yield Address(pattern.name, route, parameters)

    yield from walk(get_resolver().url_patterns, "")


def _model_for(word: str) -> type[Model] | None:
    for start, model in MODELS.items():
        if word.startswith(start):
            return model
    return None


def fill_parameters(address: Address, values: dict[str, Any]) -> dict[str, Any]:
    """The parameters of ``address`` filled in from ``values`` and the record; raises
    ``LookupError`` naming the parameter when nothing fits."""
    kwargs: dict[str, Any] = {}
    for parameter in address.parameters:
        if parameter in values:
            value = values[parameter]
            kwargs[parameter] = value(address) if callable(value) else value
            continue
        word = parameter
        if parameter in ("pk", "id"):
            # A page about one kind of record (``publish/<kind>/<pk>/``) or named after it.
            word = str(kwargs.get("kind", address.name))
        model = _model_for(word.removesuffix("_pk").removesuffix("_id"))
        found = model._default_manager.order_by("pk").last() if model else None
        if found is None:
            raise LookupError(
                f"{address.route}: no value for <{parameter}>; add one to NAMED_VALUES "
                "or a word to MODELS in tests/every_page.py"
            )
        kwargs[parameter] = found.pk
    return kwargs


@dataclass(frozen=True)
class Page:
    """A page to visit: its address's name (with a note for extra views) and path."""

    name: str
    path: str


def every_page(client: Client) -> tuple[list[Page], list[str]]:
    """Every staff and public page as the signed-in ``client`` sees it, and the
    addresses left out as not pages (each with why). An address that cannot be
    filled in or that answers an error raises ``AssertionError`` naming it."""
    values = named_values()
    pages: list[Page] = []
    left_out: list[str] = []
    problems: list[str] = []
    for address in addresses():
        try:
            path = reverse(address.name, kwargs=fill_parameters(address, values))
        except LookupError as error:
            problems.append(str(error))
            continue
        response = client.get(path)
        kind = response.get("Content-Type", "").split(";")[0]
        if response.status_code == 405:
            left_out.append(f"{path} (POST only)")
        elif response.status_code in (301, 302, 303):
            left_out.append(f"{path} (redirects)")
        elif response.status_code == 200 and kind != "text/html":
            left_out.append(f"{path} ({kind})")
        elif response.status_code == 200:
            pages.append(Page(address.name, path))
        else:
            problems.append(f"{path} answered {response.status_code}")
    assert not problems, "\n".join(problems)
    return pages + extra_views(), left_out


def extra_views() -> list[Page]:
    """Views of pages that an empty address does not show: results, errors, filters."""
    subject_word = LONG_WORD[:20]
    # The pages by id show the newest record (the long-named request); San Francisco's
    # has the fullest timeline: letters waiting and overdue, replies, meetings, moves.
    sf = OptOutRequest.objects.get(reference="san-francisco-2010")
    return [
        Page("request with a full timeline", sf.get_absolute_url()),
        Page(
            "request with a letter just added",
            f"{sf.get_absolute_url()}?new=letter-{sf.letters.latest('pk').pk}",
        ),
        Page("jurisdiction with a full timeline", sf.jurisdiction.get_absolute_url()),
        Page("search with results", f"/search/?q={subject_word}"),
        Page("letters, overdue", "/letters/?overdue=yes"),
        Page("requests, a state", "/requests/?state=CA"),
        Page("events, votes", "/events/?kind=vote"),
        Page("public search with results", "/public/search/?q=sheriff"),
        Page("page not found", "/no-such-page/"),
        Page("public page not found", "/public/no-such-page/"),
    ]


def named_values() -> dict[str, Any | Callable[[Address], Any]]:
    """Values of the parameters not named after a model, read from the record."""
    published = selectors.published_jurisdictions().first()
    pair = selectors.published_contradictions()[0]
    token = CalendarToken.objects.order_by("pk").last()
    return {
        "state": "CA",
        "reference": published.reference if published else "",
        "earlier": pair.earlier.reference,
        "later": pair.later.reference,
        "name": "reply-times",
        "token": token.token if token else "",
        "kind": "letter",
        # The public page of a thread takes its reference (the 2010 correspondence).
        "thread": selectors.published(CorrespondenceThread.objects.order_by("pk"))
        .first()
        .reference,
    }


def stretch_the_record(editor: Any) -> None:
    """Add to the 2010 record what stretches a page: a long unbroken subject, summary
    and agency name, a letter long overdue, a jurisdiction with a long name."""
    sf = OptOutRequest.objects.get(reference="san-francisco-2010")
    long_agency: Agency = AgencyFactory(name=LONG_NAME, abbreviation=LONG_NAME[:30])
    services.response_record(
        request=sf,
        by=editor,
        agency=long_agency,
        kind=AgencyResponse.Kind.ACKNOWLEDGED,
        summary=LONG_WORD,
        attachment=SimpleUploadedFile("reply.pdf", PDF, content_type="application/pdf"),
    )
    # Last of the letters, so the pages that take one show it.
    services.letter_log(
        request=sf,
        by=editor,
        sender=long_agency,
        recipients=[long_agency],
        subject=LONG_WORD,
        sent_on=PartialDate.parse("2010-10-12"),
        summary=LONG_WORD + " " + LONG_WORD,
        attachment=SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf"),
    )
    jurisdiction: Jurisdiction = JurisdictionFactory(name=LONG_NAME, state="CA")
    long_request = services.request_open(jurisdiction=jurisdiction, title=LONG_WORD, by=editor)
    # A letter drafted for email on it (the newest draft, for the pages that take one).
    outbox_services.draft_create(
        request=long_request,
        by=editor,
        recipient_agency=long_agency,
        subject=LONG_WORD,
        body=LONG_WORD + "\n\n" + LONG_WORD,
    )
    # A statement with a long speaker's name and a document (the newest, for the pages
    # that take one); documents come through the admin and the API.
    statement: Statement = StatementFactory(speaker=LONG_NAME, quote=LONG_WORD)
    statement.document = SimpleUploadedFile("statement.pdf", PDF, content_type="application/pdf")
    statement.save()
    # A thread of correspondence with a long title, linked to San Francisco's request,
    # and a letter with a long subject (the newest thread, for the staff thread page).
    thread = services.thread_open(by=editor, title=LONG_WORD, requests=[sf], is_public=True)
    services.thread_letter_log(
        by=editor,
        thread=thread,
        sender=LONG_NAME,
        recipients=LONG_NAME,
        subject=LONG_WORD,
        sent_on=PartialDate.parse("2010-10"),
        summary=LONG_WORD,
        is_public=True,
    )
    # An event around San Francisco's case with a long title, inferred, citing a source
    # with a long title (the newest, for the pages that take one).
    source = Source.objects.create(seed="003", title=LONG_WORD, url="https://example.org/")
    services.event_create(
        by=editor,
        kind=Event.Kind.VOTE,
        title=LONG_WORD,
        summary=LONG_WORD,
        happened_on=PartialDate.parse("2010-10"),
        jurisdictions=[sf.jurisdiction, jurisdiction],
        agencies=[long_agency],
        requests=[sf],
        sources=[source],
        publication=LONG_NAME,
        url="https://example.org/" + LONG_WORD[:100],
        basis=Basis.INFERRED,
        inference=LONG_WORD,
        is_public=True,
    )
    services.calendar_token_create(user=editor)
    # An email waiting in the inbox: a long unbroken subject and sender, an HTML body and
    # a file.
    message_receive(
        raw=(
            f"From: {LONG_NAME} <{LONG_NAME.lower()}@example.org>\r\nTo: replies@localhost\r\n"
            f"Subject: {LONG_WORD}\r\nDate: Tue, 12 Oct 2010 09:00:00 -0400\r\n"
            "Message-ID: <every-page@example.org>\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
            f"Content-Type: text/html; charset=utf-8\r\n\r\n<p>{LONG_WORD}</p>\r\n--b\r\n"
            'Content-Type: text/plain\r\nContent-Disposition: attachment; filename="notes.txt"'
            f"\r\n\r\n{LONG_WORD}\r\n--b--\r\n"
        ).encode(),
        via=Message.Via.UPLOAD,
        by=editor,
    )
    # Last, so that the records above are not announced to it; its test event fails
    # (nothing listens there), which fills its delivery log with an error.
    with override_settings(WEBHOOK_ALLOW_PRIVATE_TARGETS=True):
        subscription, _secret = webhooks.webhook_create(
            owner=editor,
            name=LONG_NAME,
            url=f"http://127.0.0.1:9/{LONG_WORD}",
            event_types=["created"],
        )
        webhooks.webhook_send_test(subscription=subscription)
