"""A partial date is declared once on its model and read and written as one value.

``Letter.sent`` is a :class:`core.dates.PartialDateField`: two columns in the
database (``sent_on``, ``sent_on_precision``), one :class:`PartialDate` in code.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from core.dates import DatePrecision, PartialDate, PartialDateField, partial_date_stored_in
from tests.factories import (
    AgencyFactory,
    LetterFactory,
    MeetingFactory,
    RequestFactory,
    ResponseFactory,
    StatementFactory,
)
from tracker.domain import services
from tracker.models import AgencyResponse, Letter, Meeting, OptOutRequest, Statement

SEPTEMBER = PartialDate(dt.date(2010, 9, 1), DatePrecision.MONTH)

#: Every partial date of the tracker: the model, its composite, the column of its day.
PARTIAL_DATES = [
    (OptOutRequest, "opened", "opened_on", RequestFactory),
    (Letter, "sent", "sent_on", LetterFactory),
    (Letter, "received", "received_on", LetterFactory),
    (AgencyResponse, "responded", "responded_on", ResponseFactory),
    (Meeting, "held", "held_on", MeetingFactory),
    (Statement, "stated", "stated_on", StatementFactory),
]


# --- The declaration ------------------------------------------------------------------


@pytest.mark.parametrize(("model", "name", "column", "factory"), PARTIAL_DATES)
def test_each_partial_date_is_one_composite_over_its_three_columns(
    model: Any, name: str, column: str, factory: Any
) -> None:
    composite = getattr(model, name)
    assert isinstance(composite, PartialDateField)
    assert composite.columns == (column, f"{column}_precision", f"{column}_until")
    assert partial_date_stored_in(model, column) is composite
    day = model._meta.get_field(column)
    precision = model._meta.get_field(f"{column}_precision")
    assert (day.null, day.blank, day.get_internal_type()) == (True, True, "DateField")
    assert (precision.default, precision.max_length) == (DatePrecision.DAY, 5)
    assert precision.choices == DatePrecision.choices


def test_the_columns_keep_their_names_and_labels() -> None:
    assert str(Letter._meta.get_field("sent_on").verbose_name) == "sent"
    assert str(Letter._meta.get_field("sent_on_precision").verbose_name) == "sent precision"
    assert str(OptOutRequest._meta.get_field("opened_on_precision").verbose_name) == (
        "opened precision"
    )
    assert str(Meeting._meta.get_field("held_on_precision").verbose_name) == "date precision"


def test_a_column_that_is_not_a_partial_date_has_no_composite() -> None:
    assert partial_date_stored_in(Letter, "due_on") is None
    assert partial_date_stored_in(Letter, "subject") is None


@pytest.mark.django_db
def test_the_models_need_no_migration() -> None:
    # The day column is a DateField to migrations: declaring it through the
    # composite changed nothing in the database.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


# --- Reading and writing --------------------------------------------------------------


def test_the_constructor_takes_the_partial_date() -> None:
    letter = Letter(subject="Notice", sent=PartialDate(dt.date(2010, 9, 17), DatePrecision.MONTH))
    assert letter.sent == SEPTEMBER
    assert (letter.sent_on, letter.sent_on_precision) == (dt.date(2010, 9, 1), "month")


def test_assigning_sets_the_day_and_the_precision_together() -> None:
    letter = Letter(subject="Notice")
    letter.sent = PartialDate.parse("2010")
    assert (letter.sent_on, letter.sent_on_precision) == (dt.date(2010, 1, 1), "year")
    letter.sent = PartialDate.parse("2010-09-07")
    assert (letter.sent_on, letter.sent_on_precision) == (dt.date(2010, 9, 7), "day")
    assert letter.sent == PartialDate(dt.date(2010, 9, 7))


def test_no_date_reads_as_none() -> None:
    letter = Letter(subject="Notice")
    assert letter.sent is None
    assert Letter.sent.display(letter) == "date unknown"
    assert Letter.sent.display(letter, unknown="—") == "—"


def test_clearing_the_date_leaves_the_precision_which_alone_means_nothing() -> None:
    letter = Letter(subject="Notice", sent=SEPTEMBER)
    letter.sent = None
    assert letter.sent is None
    assert (letter.sent_on, letter.sent_on_precision) == (None, "month")


def test_only_a_partial_date_or_none_can_be_assigned() -> None:
    letter = Letter(subject="Notice")
    with pytest.raises(TypeError, match="sent takes a PartialDate"):
        letter.sent = dt.date(2010, 9, 7)


def test_display_shows_the_known_part() -> None:
    assert Letter.sent.display(Letter(sent=SEPTEMBER)) == "September 2010"


# --- Saving ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "name", "column", "factory"), PARTIAL_DATES)
def test_saving_stores_the_first_day_of_the_period(
    model: Any, name: str, column: str, factory: Any
) -> None:
    # Set column by column, as the admin's two inputs do: any day of the month
    # may arrive with "month".
    record = factory(**{column: dt.date(2010, 9, 17), f"{column}_precision": "month"})
    assert getattr(record, column) == dt.date(2010, 9, 1)  # the saved instance too
    stored = model.objects.filter(pk=record.pk).values_list(column, f"{column}_precision").get()
    assert stored == (dt.date(2010, 9, 1), "month")
    assert getattr(model.objects.get(pk=record.pk), name) == SEPTEMBER


@pytest.mark.django_db
def test_saving_only_the_day_still_normalises_it() -> None:
    letter = LetterFactory(sent=PartialDate.parse("2010"))
    letter.sent_on = dt.date(2010, 6, 17)
    letter.save(update_fields=["sent_on"])
    assert Letter.objects.values_list("sent_on", flat=True).get(pk=letter.pk) == dt.date(2010, 1, 1)


@pytest.mark.django_db
def test_a_bulk_insert_normalises_too() -> None:
    # Each letter needs a request and a sender: borrow a saved letter's.
    model = LetterFactory()
    Letter.objects.bulk_create(
        [
            Letter(
                request=model.request,
                sender=model.sender,
                subject="Bulk",
                sent_on=dt.date(2010, 6, 17),
                sent_on_precision="year",
            )
        ]
    )
    assert Letter.objects.get(subject="Bulk").sent == PartialDate.parse("2010")


@pytest.mark.django_db
def test_reading_back_gives_the_same_partial_date() -> None:
    for text in ("2010-09-07", "2010-09", "2010"):
        letter = LetterFactory(sent=PartialDate.parse(text))
        assert Letter.objects.get(pk=letter.pk).sent == PartialDate.parse(text)


@pytest.mark.django_db
def test_no_date_is_stored_as_null() -> None:
    letter = LetterFactory(sent=None, sent_on=None)
    assert Letter.objects.values_list("sent_on", flat=True).get(pk=letter.pk) is None
    assert Letter.objects.get(pk=letter.pk).sent is None


@pytest.mark.django_db
def test_the_services_store_the_partial_date_they_are_given(editor: Any) -> None:
    optout = services.request_open(
        jurisdiction=RequestFactory().jurisdiction,
        title="Opt out",
        by=editor,
        opened_on=PartialDate.parse("2010"),
    )
    letter = services.letter_log(
        request=optout, by=editor, sender=AgencyFactory(), subject="Notice", sent_on=SEPTEMBER
    )
    stored = Letter.objects.values_list("sent_on", "sent_on_precision").get(pk=letter.pk)
    assert stored == (dt.date(2010, 9, 1), "month")
    assert OptOutRequest.objects.get(pk=optout.pk).opened == PartialDate.parse("2010")


# --- History, queries ----------------------------------------------------------------


@pytest.mark.django_db
def test_the_history_keeps_each_versions_date_with_its_precision() -> None:
    letter = LetterFactory(sent=SEPTEMBER)
    letter.sent = PartialDate.parse("2010-09-20")
    letter.save()
    newest, oldest = letter.history.order_by("-history_id")
    assert (oldest.sent_on, oldest.sent_on_precision) == (dt.date(2010, 9, 1), "month")
    assert (newest.sent_on, newest.sent_on_precision) == (dt.date(2010, 9, 20), "day")
    assert oldest.instance.sent == SEPTEMBER
    assert newest.instance.sent == PartialDate.parse("2010-09-20")
    changed = {change.field for change in newest.diff_against(oldest).changes}
    assert {"sent_on", "sent_on_precision"} <= changed


@pytest.mark.django_db
def test_filtering_and_ordering_use_the_day_column() -> None:
    year = LetterFactory(sent=PartialDate.parse("2010")).pk
    day = LetterFactory(sent=PartialDate.parse("2010-09-07")).pk
    month = LetterFactory(sent=PartialDate.parse("2010-03")).pk
    undated = LetterFactory(sent_on=None).pk
    letters = Letter.objects.values_list("pk", flat=True)
    assert list(letters.filter(sent_on__isnull=False).order_by("sent_on")) == [year, month, day]
    since_march = letters.filter(sent_on__gte=dt.date(2010, 3, 1)).order_by("-sent_on")
    assert list(since_march) == [day, month]
    assert list(letters.filter(sent_on_precision="month")) == [month]
    assert list(letters.filter(sent_on__isnull=True)) == [undated]


@pytest.mark.django_db
def test_only_the_two_columns_are_enough_to_read_the_date(
    django_assert_num_queries: Any,
) -> None:
    LetterFactory(sent=SEPTEMBER)
    (letter,) = Letter.objects.only("pk", *Letter.sent.columns)
    with django_assert_num_queries(0):
        assert letter.sent == SEPTEMBER


# --- The same date on every surface --------------------------------------------------


@pytest.fixture
def september_letter(db: None) -> Letter:
    optout = RequestFactory(is_public=True)
    letter: Letter = LetterFactory(request=optout, subject="Known to the month", sent=SEPTEMBER)
    return letter


def test_a_month_reads_the_same_in_the_api_and_its_csv(
    september_letter: Letter, viewer: Any
) -> None:
    api = APIClient()
    api.force_login(viewer)
    body = api.get(f"/api/v1/letters/{september_letter.pk}/").json()
    assert body["sent_on"] == "2010-09"
    response = api.get("/api/v1/letters/", {"format": "csv"})
    text = b"".join(response.streaming_content).decode()
    (row,) = [r for r in csv.DictReader(io.StringIO(text)) if r["subject"] == "Known to the month"]
    assert row["sent"] == "2010-09"


def test_a_month_reads_the_same_in_the_admin_and_on_the_staff_pages(
    september_letter: Letter, client: Client, editor: Any
) -> None:
    client.force_login(editor)
    changelist = client.get("/admin/tracker/letter/")
    assert '<td class="field-sent">September 2010</td>' in changelist.content.decode()
    letters = client.get("/letters/")
    assert "September 2010" in letters.content.decode()
    change = client.get(f"/admin/tracker/letter/{september_letter.pk}/change/")
    form = change.context["adminform"].form
    assert (form["sent_on"].value(), form["sent_on_precision"].value()) == (
        dt.date(2010, 9, 1),
        "month",
    )
