"""The admin says what it means: flags as words, empty values as "(empty)", a move's
note as its reason, dates by the precision they are known to, and the tracker's name."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from core.dates import DatePrecision
from tests.admin.helpers import changelist_url
from tests.admin.test_admin_lists import drilldown
from tests.factories import ContactFactory, LetterFactory, RequestFactory, StatementFactory
from tracker.domain import services
from tracker.domain.workflow import State
from tracker.models import Letter, Statement

pytestmark = pytest.mark.django_db

SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es"}


def history_url(obj: Any) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk])


# --- Flags read as words, never as a green tick -----------------------------------------


def test_an_overdue_letter_reads_overdue_and_a_letter_in_time_a_dash(
    editor_client: Client,
) -> None:
    late = LetterFactory(subject="Late", sent_on=dt.date(2010, 9, 10))
    LetterFactory(subject="In time", sent_on=dt.date(2010, 10, 20), request=late.request)
    with time_machine.travel(dt.datetime(2010, 10, 25, 17, 0, tzinfo=dt.UTC), tick=False):
        page = editor_client.get(changelist_url(Letter)).content.decode()
    assert '<td class="field-is_overdue">Overdue</td>' in page
    assert '<td class="field-is_overdue">—</td>' in page
    assert '<td class="field-is_very_overdue">—</td>' in page
    assert "icon-yes.svg" not in page
    assert "icon-no.svg" not in page


def test_a_request_with_an_overdue_letter_reads_overdue(editor_client: Client) -> None:
    LetterFactory(sent_on=dt.date(2010, 9, 10))
    with time_machine.travel(dt.datetime(2010, 10, 25, 17, 0, tzinfo=dt.UTC), tick=False):
        page = editor_client.get("/admin/tracker/optoutrequest/").content.decode()
    assert '<td class="field-has_overdue_letter">Overdue</td>' in page
    assert '<td class="field-has_very_overdue_letter">—</td>' in page


# --- History -------------------------------------------------------------------------


def test_a_filled_in_empty_field_reads_empty_then_the_value(editor_client: Client) -> None:
    statement: Statement = StatementFactory()
    statement.speaker_contact = ContactFactory(name="Tom Dart")
    statement.save()
    page = editor_client.get(history_url(statement)).content.decode()
    assert "pk=None" not in page
    assert "(empty)" in page
    assert "Tom Dart" in page


def test_a_moves_note_is_the_reason_in_the_history(editor_client: Client, editor: Any) -> None:
    request = RequestFactory(by=editor)
    services.request_transition(
        request=request, to=State.WITHDRAWN, by=editor, note="The county board voted it down."
    )
    response = editor_client.get(history_url(request))
    reasons = [record.history_change_reason for record in response.context["page_obj"]]
    assert reasons[0] == "The county board voted it down."
    assert None not in reasons
    assert "The county board voted it down." in response.content.decode()


# --- Dates known only to the year -----------------------------------------------------


def test_a_year_only_date_is_offered_under_its_year_not_in_january(
    editor_client: Client,
) -> None:
    vague = LetterFactory(subject="Some time in 2010", sent_on=dt.date(2010, 1, 1))
    Letter.objects.filter(pk=vague.pk).update(sent_on_precision=DatePrecision.YEAR)
    LetterFactory(subject="New Year's Day", sent_on=dt.date(2010, 1, 1))
    months = drilldown(editor_client, "?sent_on__year=2010")
    assert months[0] == "2010, month unknown"
    assert months[1] == "January 2010"

    def listed(query: str) -> set[str]:
        response = editor_client.get(changelist_url(Letter) + query)
        return {row.subject for row in response.context["cl"].result_list}

    assert listed("?sent_on__year=2010&sent_on_precision__exact=year") == {"Some time in 2010"}
    assert listed("?sent_on__year=2010&sent_on__month=1") == {"New Year's Day"}
    assert listed("?sent_on__year=2010&sent_on__month=1&sent_on__day=1") == {"New Year's Day"}
    assert listed("?sent_on__year=2010") == {"Some time in 2010", "New Year's Day"}


def test_a_month_only_date_is_offered_under_its_month_not_on_the_first(
    editor_client: Client,
) -> None:
    vague = LetterFactory(subject="Some day in September", sent_on=dt.date(2010, 9, 1))
    Letter.objects.filter(pk=vague.pk).update(sent_on_precision=DatePrecision.MONTH)
    days = drilldown(editor_client, "?sent_on__year=2010&sent_on__month=9")
    assert days[0] == "September 2010, day unknown"
    assert days[1] == "September 1"
    response = editor_client.get(
        changelist_url(Letter) + "?sent_on__year=2010&sent_on__month=9&sent_on__day=1"
    )
    assert list(response.context["cl"].result_list) == []


# --- Branding ---------------------------------------------------------------------------


def test_the_admin_is_branded_as_the_tracker(editor_client: Client) -> None:
    page = editor_client.get("/admin/").content.decode()
    assert "Opt-Out Tracker" in page
    assert "Records of the tracker" in page
    assert "Django administration" not in page


def test_the_admin_is_branded_in_spanish(editor_client: Client) -> None:
    page = editor_client.get("/admin/", **SPANISH).content.decode()
    assert "Registros del tracker" in page
    assert "Administración de Opt-Out Tracker" in page
    assert "Administración de Django" not in page
