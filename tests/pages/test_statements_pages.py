"""Public statements in the staff pages: the list, and logging one."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from jurisdictions.models import Agency
from tests.factories import AgencyFactory, StatementFactory
from tracker.models import Statement

pytestmark = pytest.mark.django_db


def good_input(agency_pk: int) -> dict[str, str]:
    return {
        "statement-speaker": "David Venturella",
        "statement-agency": str(agency_pk),
        "statement-stated_on": "2010-09",
        "statement-medium": "letter",
        "statement-position": "possible",
        "statement-quote": "A jurisdiction may request not to be activated.",
        "statement-source_title": "Letter to Santa Clara County",
        "statement-source_url": "https://example.org/venturella.pdf",
    }


def test_the_statements_list_shows_dates_with_their_precision_and_the_source(
    client: Client, viewer: Any
) -> None:
    ice = AgencyFactory(name="U.S. Immigration and Customs Enforcement")
    StatementFactory(
        speaker="Janet Napolitano",
        agency=ice,
        stated_on=dt.date(2010, 10, 1),
        stated_on_precision="month",
        position=Statement.Position.POSSIBLE,
        source_title="Letter to Rep. Lofgren",
        source_url="https://example.org/lofgren.pdf",
        is_public=True,
    )
    StatementFactory(speaker="Anonymous official", stated_on=None, is_public=False)
    client.force_login(viewer)
    page = client.get("/statements/").text
    assert '<time datetime="2010-10">October 2010</time>' in page
    assert "Janet Napolitano" in page
    assert "U.S. Immigration and Customs Enforcement" in page
    assert "Opting out is possible" in page
    assert (
        '<a href="https://example.org/lofgren.pdf" rel="noopener noreferrer">'
        "Letter to Rep. Lofgren</a>" in page
    )
    assert "date unknown" in page
    assert page.count('<span class="tag public">Public</span>') == 1
    assert page.count('<span class="tag">Not public</span>') == 1
    assert 'href="/public/statements/contradictions/"' in page
    # A viewer reads; no form, no publishing button.
    assert "Log a statement" not in page
    assert "Make public" not in page


def test_an_editor_logs_a_statement_known_to_the_month(client: Client, editor: Any) -> None:
    ice: Agency = AgencyFactory()
    client.force_login(editor)
    response = client.post("/statements/", good_input(ice.pk))
    statement = Statement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/statements/#statement-{statement.pk}"
    assert (statement.stated_on, statement.stated_on_precision) == (dt.date(2010, 9, 1), "month")
    assert statement.agency == ice
    assert statement.is_public is False
    assert statement.history.get().history_user == editor
    assert "September 2010" in client.get("/statements/").text


def test_bad_input_is_shown_next_to_the_fields_and_nothing_is_written(
    client: Client, editor: Any
) -> None:
    data = good_input(AgencyFactory().pk)
    data.update(
        {
            "statement-stated_on": "2010-13",
            "statement-quote": "",
            "statement-source_url": "not a link",
            "statement-position": "maybe",
        }
    )
    client.force_login(editor)
    response = client.post("/statements/", data)
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"stated_on", "quote", "source_url", "position"}
    assert 'aria-invalid="true"' in response.text
    assert 'value="David Venturella"' in response.text  # what was typed stays
    assert "The statement was not saved" in response.text
    assert not Statement.objects.exists()


def test_a_viewer_cannot_log_a_statement(client: Client, viewer: Any) -> None:
    client.force_login(viewer)
    response = client.post("/statements/", good_input(AgencyFactory().pk))
    assert response.status_code == 403
    assert not Statement.objects.exists()


@pytest.mark.parametrize("rows", [5, 50])
def test_the_statements_list_needs_the_same_queries_for_5_and_50_rows(
    client: Client, editor: Any, rows: int, django_assert_num_queries: Any
) -> None:
    StatementFactory.create_batch(rows)
    client.force_login(editor)
    client.get("/statements/")
    # Expect 9 queries: session, user, the user's and the group's permissions, every
    # statement with its agency for the contradictions (agencies without a parent: no
    # level of the agency tree to read), the count, the page of statements (agency
    # joined), the agencies of the form and the sources it cites (one list).
    with django_assert_num_queries(9):
        response = client.get("/statements/")
    assert len(response.context["page"].object_list) == rows
