"""The request page writes due dates as every other page does, in either language."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.test import Client

from core.templatetags.local_dates import long_dates_in
from tests.factories import LetterFactory

pytestmark = pytest.mark.django_db

#: Sent 10 September 2010 with a 30-day window: due 10 October, very overdue after 9 November.
VERY_OVERDUE_DAY = dt.datetime(2010, 11, 20, 17, 0, tzinfo=dt.UTC)


def test_an_iso_day_in_a_sentence_is_written_out() -> None:
    assert long_dates_in("due 2010-10-07: sent on 2010-09-07") == (
        "due 7 October 2010: sent on 7 September 2010"
    )
    assert long_dates_in("not a day: 2010-13-45") == "not a day: 2010-13-45"


@pytest.mark.parametrize(
    ("headers", "flags", "since", "explained"),
    [
        ({}, ["overdue", "very overdue"], "since 10 October 2010", "10 September 2010"),
        (
            {"HTTP_ACCEPT_LANGUAGE": "es"},
            ["atrasada", "muy atrasada"],
            "10 de octubre de 2010",
            "10 de septiembre de 2010",
        ),
    ],
)
def test_a_very_overdue_letter_shows_both_flags_and_long_dates(
    editor_client: Client, headers: dict[str, str], flags: list[str], since: str, explained: str
) -> None:
    letter: Any = LetterFactory()
    with time_machine.travel(VERY_OVERDUE_DAY, tick=False):
        page = editor_client.get(letter.request.get_absolute_url(), **headers).content.decode()
    entry = page[page.index(f'id="letter-{letter.pk}"') :]
    waiting = entry[entry.index('<div class="waiting">') :]
    waiting = waiting[: waiting.index("</div>")]
    assert re.findall(r'<span class="flag[^"]*">([^<]+)</span>', waiting) == flags
    assert since in waiting
    said = entry[entry.index('<div class="muted due-explained">') :]
    said = said[: said.index("</div>")]
    assert explained in said
    assert not re.search(r"\d{4}-\d{2}-\d{2}", said)
