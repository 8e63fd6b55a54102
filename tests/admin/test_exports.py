"""CSV exports of requests, letters and jurisdictions, from the admin's filtered lists."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jurisdictions.domain.importer import COLUMNS
from jurisdictions.models import Jurisdiction
from tests.conftest import csv_rows
from tests.factories import (
    AgencyFactory,
    JurisdictionFactory,
    LetterFactory,
    RequestFactory,
    ResponseFactory,
    SourceFactory,
)
from tracker.domain import exports, selectors
from tracker.models import Letter, OptOutRequest, Source

pytestmark = pytest.mark.django_db


def export_url(model: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_export")


def test_the_requests_export_is_the_changelist_as_filtered(viewer_client: Client) -> None:
    RequestFactory(title="Arlington County", jurisdiction__state="VA", jurisdiction__fips="51013")
    RequestFactory(title="Santa Clara County", jurisdiction__state="CA")
    rows = csv_rows(viewer_client.get(export_url(OptOutRequest) + "?jurisdiction__state=VA"))
    assert [row["title"] for row in rows] == ["Arlington County"]
    assert rows[0]["status"] == "draft"
    assert rows[0]["opened"] == "2010-09-01"
    assert rows[0]["next_steps"] == "withdrawn"


def test_the_changelist_links_to_the_export_of_what_it_shows(viewer_client: Client) -> None:
    RequestFactory()
    url = reverse("admin:tracker_optoutrequest_changelist") + "?status__exact=draft"
    page = viewer_client.get(url).content.decode()
    assert f'href="{export_url(OptOutRequest)}?status__exact=draft"' in page


def test_the_letters_export_flags_overdue_letters_as_the_letter_queries_do(
    viewer_client: Client,
) -> None:
    LetterFactory(subject="Late", sent_on=dt.date(2010, 9, 1))  # due 1 October 2010
    answered = LetterFactory(subject="Answered")
    ResponseFactory(request=answered.request, letter=answered)
    LetterFactory(subject="Not yet due", sent_on=timezone.localdate())
    rows = {row["subject"]: row for row in csv_rows(viewer_client.get(export_url(Letter)))}
    assert {subject: row["overdue"] for subject, row in rows.items()} == {
        "Late": "yes",
        "Answered": "no",
        "Not yet due": "no",
    }
    assert set(
        selectors.letters_with_flag(Letter.objects.all(), "overdue").values_list(
            "subject", flat=True
        )
    ) == {"Late"}
    assert rows["Late"]["due_on"] == "2010-10-01"
    assert rows["Late"]["sent"] == "2010-09-01"


def test_the_jurisdictions_export_has_exactly_the_import_columns(viewer_client: Client) -> None:
    JurisdictionFactory(
        name="Arlington County",
        state="VA",
        fips="51013",
        deployment_status="activated",
        activation_date=dt.date(2009, 9, 1),
        notes="=Activated before the vote",
    )
    response = viewer_client.get(export_url(Jurisdiction))
    text = b"".join(response.streaming_content).decode()
    header, line = text.splitlines()[:2]
    assert header == "name,kind,state,fips,ocd_id,deployment_status,activation_date,notes"
    assert tuple(header.split(",")) == COLUMNS
    # The formula is made inert; the import removes the apostrophe again.
    assert (
        line == "Arlington County,county,VA,51013,,activated,2009-09-01,'=Activated before the vote"
    )


def test_a_formula_in_a_letter_is_not_exported_as_a_live_formula(viewer_client: Client) -> None:
    LetterFactory(subject='=HYPERLINK("http://example.com")')
    (row,) = csv_rows(viewer_client.get(export_url(Letter)))
    assert row["subject"] == '\'=HYPERLINK("http://example.com")'


@pytest.mark.parametrize("rows", [5, 50])
def test_an_export_reads_the_same_number_of_queries_for_5_and_50_letters(
    rows: int, django_assert_num_queries: Any
) -> None:
    request = RequestFactory()
    ice = AgencyFactory()
    LetterFactory.create_batch(rows, request=request, recipients=[ice])
    seed: Source = SourceFactory(seed="000")
    for letter in Letter.objects.filter(request=request):
        minutes: Source = SourceFactory(seed="", reference=f"minutes-{letter.pk}")
        letter.sources.set([seed, minutes])
    # Expect 2 queries: the holiday list (for the due-date explanations) and the letters
    # (request, jurisdiction, sender and in-reply-to joined, overdue and very overdue
    # as conditions, the recipients and the sources as subquery columns).
    with django_assert_num_queries(2):
        lines = list(exports.csv_lines(exports.LETTERS, Letter.objects.filter(request=request)))
    assert len(lines) == rows + 1
    # The sources as the requests' export writes them, then the basis and the inference.
    assert lines[0].rstrip().endswith(",sources,basis,inference")
    assert re.search(r'"minutes-\d+, 000",stated,\r?\n?$', lines[1])


def test_the_letters_export_says_which_letters_are_inferred_and_how(
    viewer_client: Client,
) -> None:
    LetterFactory(subject="Stated")
    LetterFactory(
        subject="Inferred",
        basis="inferred",
        inference="The sheriff's 2010 log lists a fax to ICE that day.",
    )
    rows = {row["subject"]: row for row in csv_rows(viewer_client.get(export_url(Letter)))}
    assert (rows["Stated"]["basis"], rows["Stated"]["inference"], rows["Stated"]["sources"]) == (
        "stated",
        "",
        "",
    )
    assert rows["Inferred"]["basis"] == "inferred"
    assert rows["Inferred"]["inference"] == "The sheriff's 2010 log lists a fax to ICE that day."


@pytest.mark.parametrize("rows", [5, 50])
def test_the_requests_export_reads_one_query_whatever_the_number_of_requests(
    rows: int, django_assert_num_queries: Any
) -> None:
    RequestFactory.create_batch(rows)
    # Expect 2 queries: the requests with jurisdiction, agency, contact and owner joined,
    # and the workflow facts and the overdue flag as subqueries; their sources (one
    # query per chunk of rows).
    seed: Source = SourceFactory(seed="000")
    for request in OptOutRequest.objects.all():
        minutes: Source = SourceFactory(seed="", reference=f"minutes-{request.pk}")
        request.sources.set([seed, minutes])
    with django_assert_num_queries(2):
        lines = list(exports.csv_lines(exports.REQUESTS, OptOutRequest.objects.all()))
    assert len(lines) == rows + 1
    # The sources as seed numbers (or the reference of a source that is not a seed).
    # (in the sources' order: seed number, then title).
    assert re.search(r'"minutes-\d+, 000",stated,', lines[1])


def test_the_selected_requests_can_be_exported_from_the_action_menu(
    client: Client, editor: Any
) -> None:
    chosen, _other = RequestFactory(title="Chosen"), RequestFactory(title="Other")
    client.force_login(editor)
    response = client.post(
        reverse("admin:tracker_optoutrequest_changelist"),
        {"action": "export_selected", "_selected_action": [str(chosen.pk)]},
    )
    assert [row["title"] for row in csv_rows(response)] == ["Chosen"]


def test_an_export_needs_a_signed_in_reader(client: Client) -> None:
    assert client.get(export_url(OptOutRequest)).status_code == 302
