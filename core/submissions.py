"""Page forms that create a record save it once, however often they are sent.

A double click on "Save the letter", a browser that re-sends a form after a slow
answer, or a second tab of the same page would otherwise log the letter twice. Each
creating form carries a one-time ``submission`` token, made when the form is shown.
The first POST with it claims the token in the transaction that creates the record
(the same claim as the API's ``Idempotency-Key``, :mod:`core.idempotency`); a repeat
finds the claim and is sent to the record the first one created, with a note that it
was saved once. The same token with other values (the person went back, changed the
form and sent it again) creates nothing and asks them to check the saved record.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from django.utils.html import format_html
from django.utils.translation import gettext

from core import idempotency

#: Kept apart from API keys of the same user: a form token never replays an API answer.
KEY_PREFIX = "form:"
_TOKEN = re.compile(r"[0-9a-f]{32}")


def new_token() -> str:
    return secrets.token_hex(16)


class SubmittedOnceForm(forms.Form):
    """A form whose POST creates a record: it carries its one-time token.

    The token is optional (a script posting the form without it gets no protection),
    but when sent it must be one the page made.
    """

    submission = forms.CharField(
        widget=forms.HiddenInput, required=False, initial=new_token, max_length=32
    )
    #: Where the record is that this form's token already saved with other values:
    #: set by a view that found so, the form then refuses to save (see ``clean``).
    used_for: str | None = None

    def clean_submission(self) -> str:
        token: str = self.cleaned_data.get(FIELD, "")
        if token and not _TOKEN.fullmatch(token):
            raise ValidationError(
                gettext("This form is damaged: reload the page and fill it in again.")
            )
        return token

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.used_for is not None:
            self.renew_submission()  # sent again as shown, it saves another record
            raise ValidationError(already_used(self.used_for))
        return cleaned

    def renew_submission(self) -> None:
        """Show the form again with a fresh token (what was typed is kept)."""
        data = self.data.copy()  # type: ignore[attr-defined]
        data[self.add_prefix(FIELD)] = new_token()
        self.data = data


def already_used(location: str) -> str:
    return format_html(
        gettext(
            "This form was already used to save a record, with other values, and was not "
            'saved again. Check <a href="{}">the record it saved</a>; to save these values '
            "as another record, send the form again."
        ),
        location,
    )


@dataclass(frozen=True)
class Saved:
    """Where to go after the save, and what to tell the person."""

    location: str
    message: str
    #: True when this POST repeated one already saved: nothing new was created.
    repeated: bool = False


class SentWithOtherValues(Exception):
    """The token was used already, for a form with other values."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


FIELD = "submission"


def fingerprint(request: HttpRequest) -> bytes:
    sent: MultiValueDict[str, Any] = MultiValueDict()
    for name in request.POST:
        if name != "csrfmiddlewaretoken":
            sent.setlist(name, request.POST.getlist(name))
    for name in request.FILES:
        sent.setlist(name, request.FILES.getlist(name))
    return idempotency.fingerprint(sent)


def save_once(request: HttpRequest, token: str, create: Callable[[], Saved]) -> Saved:
    """Run ``create`` unless this token was used already; then answer as it did.

    ``create`` may raise ``ValidationError``: nothing is kept, and the same token
    can be sent again once the form is corrected.
    """
    if not token:
        return create()

    def run() -> idempotency.Answer:
        saved = create()
        return idempotency.Answer(303, {"location": saved.location, "message": saved.message}, {})

    try:
        answer = claim(request, token, run)
    except idempotency.KeyRefused as refused:
        if refused.code != "idempotency_key_reused":
            raise
        raise SentWithOtherValues(first_location(request, token)) from None
    return Saved(answer.body["location"], answer.body["message"], repeated=answer.replayed)


def first_location(request: HttpRequest, token: str) -> str:
    """Where the person was sent when this token first saved a record."""
    first = idempotency.first_answer(user=request.user, key=KEY_PREFIX + token)
    return str(first.body["location"]) if first and first.body else request.path


def claim(
    request: HttpRequest, token: str, run: Callable[[], idempotency.Answer]
) -> idempotency.Answer:
    """:func:`core.idempotency.answer_once` for a page form's token."""
    return idempotency.answer_once(
        user=request.user,
        key=KEY_PREFIX + token,
        method="POST",
        path=request.path,
        body=fingerprint(request),
        run=run,
    )
