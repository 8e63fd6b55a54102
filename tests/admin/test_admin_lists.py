"""The admin's lists stay bounded on a national dataset: filters over jurisdictions and
agencies are typed in (never one link per record), the date drill-down never asks for
the distinct dates of a table, a list counts its rows once, and search uses the
reference's index."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
import pytest
from django.contrib import admin
from django.test import Client

from jurisdictions.models import Agency, Contact, Jurisdiction
from tests.admin.helpers import changelist_url
from tests.admin.test_admin_pages import CHANGELIST_QUERIES
from tests.factories import (
    AgencyFactory,
    JurisdictionFactory,
    LetterFactory,
    MeetingFactory,
    RequestFactory,
    ResponseFactory,
    StatementFactory,
)
from tracker.admin.cases import _OfThisRequest
from tracker.models import (
    AgencyResponse,
    Letter,
    Meeting,
    OptOutRequest,
    Statement,
    Transition,
)

pytestmark = pytest.mark.django_db


def factory_name(prefix: str) -> Any:
    return factory.Sequence(lambda n: f"{prefix} {n}")


def texts_of(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def letters(client: Client, query: str) -> set[str]:
    response = client.get(changelist_url(Letter) + query)
    assert response.status_code == 200
    return {letter.subject for letter in response.context["cl"].result_list}


@pytest.fixture
def arlington_and_alameda() -> dict[str, Any]:
    arlington = JurisdictionFactory(name="Arlington County", state="VA", fips="51013")
    alameda = JurisdictionFactory(name="Alameda County", state="CA", fips="06001")
    sheriff = AgencyFactory(name="Arlington County Sheriff", abbreviation="ACSO")
    ice = AgencyFactory(name="Secure Communities Program Office", abbreviation="ICE SC")
    LetterFactory(
        request=RequestFactory(jurisdiction=arlington), subject="Arlington notice", sender=sheriff
    )
    LetterFactory(
        request=RequestFactory(jurisdiction=alameda), subject="Alameda notice", sender=ice
    )
    return {"arlington": arlington, "alameda": alameda}


# --- Filters over jurisdictions and agencies: typed, never listed -------------------------


@pytest.mark.parametrize(
    "model", [OptOutRequest, Letter, AgencyResponse, Meeting, Statement, Transition, Contact]
)
def test_no_list_offers_a_link_per_jurisdiction_or_agency(
    editor_client: Client, model: type[Any]
) -> None:
    JurisdictionFactory.create_batch(3, name=factory_name("Unlisted County"))
    AgencyFactory.create_batch(3, name=factory_name("Unlisted Agency"))
    page = texts_of(editor_client, changelist_url(model))
    assert "Unlisted County" not in page
    assert "Unlisted Agency" not in page
    # The filter is a box to type into instead.
    assert 'class="typed-filter"' in page


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("arl", {"Arlington notice"}),  # the start of the name, any case
        ("Arlington County, VA", {"Arlington notice"}),  # as jurisdictions are written
        ("Arlington County, CA", set()),
        ("06001", {"Alameda notice"}),  # the FIPS code
        ("County", set()),  # the start of the name, not any word of it
        ("", {"Arlington notice", "Alameda notice"}),  # an empty box filters nothing
    ],
)
def test_the_jurisdiction_filter_matches_the_start_of_a_name_or_a_fips_code(
    editor_client: Client, arlington_and_alameda: dict[str, Any], typed: str, found: set[str]
) -> None:
    assert letters(editor_client, f"?jurisdiction={typed}") == found


def test_the_requests_list_filters_by_jurisdiction_and_requesting_agency(
    editor_client: Client, arlington_and_alameda: dict[str, Any]
) -> None:
    sheriff = Agency.objects.get(abbreviation="ACSO")
    arlington = OptOutRequest.objects.get(jurisdiction=arlington_and_alameda["arlington"])
    arlington.requesting_agency = sheriff
    arlington.save()
    url = changelist_url(OptOutRequest)
    found = editor_client.get(url + "?jurisdiction=alameda").context["cl"].result_list
    assert [r.jurisdiction for r in found] == [arlington_and_alameda["alameda"]]
    found = editor_client.get(url + "?requesting_agency=acso").context["cl"].result_list
    assert [r.pk for r in found] == [arlington.pk]


def test_the_sender_filter_matches_a_name_or_an_abbreviation(
    editor_client: Client, arlington_and_alameda: dict[str, Any]
) -> None:
    assert letters(editor_client, "?sender=acso") == {"Arlington notice"}
    assert letters(editor_client, "?sender=ice%20sc") == {"Alameda notice"}
    assert letters(editor_client, "?sender=secure") == {"Alameda notice"}
    assert letters(editor_client, "?sender=sheriff") == set()


def test_the_responses_list_filters_by_agency(editor_client: Client) -> None:
    request = RequestFactory()
    letter = LetterFactory(request=request)
    ResponseFactory(request=request, letter=letter, agency=AgencyFactory(abbreviation="ICE"))
    ResponseFactory(request=request, letter=letter, agency=AgencyFactory(name="State Police"))
    response = editor_client.get(changelist_url(AgencyResponse) + "?agency=ice")
    assert [r.agency.abbreviation for r in response.context["cl"].result_list] == ["ICE"]


def test_a_typed_filter_keeps_the_search_and_the_other_filters(editor_client: Client) -> None:
    page = texts_of(editor_client, changelist_url(Letter) + "?direction__exact=outgoing&q=notice")
    form = page[page.index('class="typed-filter"') :]
    form = form[: form.index("</form>")]
    assert '<input type="hidden" name="direction__exact" value="outgoing">' in form
    assert '<input type="hidden" name="q" value="notice">' in form
    assert 'name="jurisdiction"' in form


def test_clearing_a_typed_filter_keeps_the_filters_whose_names_start_alike(
    editor_client: Client,
) -> None:
    query = "?jurisdiction=arl&jurisdiction__state__exact=VA"
    page = texts_of(editor_client, changelist_url(OptOutRequest) + query)
    form = page[page.index('class="typed-filter"') :]
    clear = form[form.index("<a href=") :].split('"')[1]
    assert clear == "?jurisdiction__state__exact=VA"


def test_a_filtered_list_needs_the_same_queries_for_5_and_50_rows(
    editor_client: Client, django_assert_num_queries: Any
) -> None:
    for rows in (5, 50):
        jurisdiction = JurisdictionFactory(name=f"Filtered County {rows}")
        LetterFactory.create_batch(rows, request=RequestFactory(jurisdiction=jurisdiction))
        url = changelist_url(Letter) + f"?jurisdiction=Filtered%20County%20{rows}"
        editor_client.get(url)
        with django_assert_num_queries(CHANGELIST_QUERIES["letter"]):
            response = editor_client.get(url)
        assert len(response.context["cl"].result_list) == rows


# --- Date drill-down: years from the first and last dates, never the distinct ones -------


def drilldown(client: Client, query: str = "") -> list[str]:
    page = texts_of(client, changelist_url(Letter) + query)
    nav = page[page.index('<nav class="toplinks"') :]
    nav = nav[: nav.index("</nav>")]
    return [
        part.split(">", 1)[1].split("<", 1)[0].strip()
        for part in nav.split("<a ")[1:]
        if 'class="date-back"' not in part
    ]


def test_the_date_drilldown_offers_every_year_from_the_first_date_to_the_last(
    editor_client: Client,
) -> None:
    LetterFactory(sent_on=dt.date(2009, 3, 1))
    LetterFactory(sent_on=dt.date(2011, 5, 1))
    # 2010 has no letter: listed all the same (finding out would read the whole table).
    assert drilldown(editor_client) == ["2009", "2010", "2011"]
    months = drilldown(editor_client, "?sent_on__year=2010")
    # First the dates known only to the year (tests/admin/test_admin_reads_right.py).
    assert months[0] == "2010, month unknown"
    assert months[1] == "January 2010"
    assert len(months) == 1 + 12
    days = drilldown(editor_client, "?sent_on__year=2010&sent_on__month=9")
    assert days[0] == "September 2010, day unknown"
    assert days[1] == "September 1"
    assert len(days) == 1 + 30


def test_a_drilled_down_list_filters_by_the_date(editor_client: Client) -> None:
    LetterFactory(sent_on=dt.date(2009, 3, 1), subject="Early")
    LetterFactory(sent_on=dt.date(2011, 5, 1), subject="Late")
    assert letters(editor_client, "?sent_on__year=2011") == {"Late"}
    assert letters(editor_client, "?sent_on__year=2009&sent_on__month=3&sent_on__day=1") == {
        "Early"
    }


@pytest.mark.parametrize("query", ["?sent_on__year=2010", "?sent_on__year=2010&sent_on__month=9"])
def test_a_drilled_down_list_asks_nothing_more_for_its_dates(
    editor_client: Client, query: str, django_assert_num_queries: Any
) -> None:
    for rows in (5, 50):
        LetterFactory.create_batch(rows)
        url = changelist_url(Letter) + query
        editor_client.get(url)
        # The top level's date range is the only query the drill-down makes.
        with django_assert_num_queries(CHANGELIST_QUERIES["letter"] - 1):
            assert editor_client.get(url).status_code == 200


def test_an_empty_list_has_no_date_drilldown(editor_client: Client) -> None:
    page = texts_of(editor_client, changelist_url(Letter))
    assert '<nav class="toplinks"' not in page


# --- Counts and search ----------------------------------------------------------------


def test_no_list_counts_its_whole_table_a_second_time() -> None:
    ours = [
        model_admin
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in {"tracker", "jurisdictions"}
    ]
    assert ours
    for model_admin in ours:
        assert model_admin.show_full_result_count is False, model_admin
        assert model_admin.show_facets is admin.ShowFacets.NEVER, model_admin


def test_a_filtered_list_says_how_many_rows_match_without_the_total(
    editor_client: Client,
) -> None:
    LetterFactory.create_batch(3, subject="Notice")
    LetterFactory(subject="Other")
    response = editor_client.get(changelist_url(Letter) + "?q=notice")
    assert response.context["cl"].result_count == 3
    assert response.context["cl"].full_result_count is None
    assert "3 results" in response.content.decode()


def test_search_finds_a_letter_by_its_words_or_its_whole_reference(
    editor_client: Client,
) -> None:
    letter = LetterFactory(subject="Request to opt out of Secure Communities")
    LetterFactory(subject="Another letter")
    assert letters(editor_client, "?q=opt%20out") == {str(letter.subject)}
    assert letters(editor_client, f"?q={letter.reference}") == {str(letter.subject)}
    # A reference is matched whole (by its index), not by a piece of it.
    assert letters(editor_client, f"?q={letter.reference[:-2]}") == set()


def test_the_other_lists_search_their_records(editor_client: Client) -> None:
    meeting = MeetingFactory(place="Arlington County Board room")
    statement = StatementFactory(speaker="Janet Napolitano")
    jurisdiction = Jurisdiction.objects.create(name="Santa Clara County", kind="county", state="CA")
    for model, query, expected in [
        (Meeting, "board room", meeting.pk),
        (Statement, "napolitano", statement.pk),
        (Jurisdiction, "santa clara", jurisdiction.pk),
    ]:
        response = editor_client.get(changelist_url(model) + f"?q={query}")
        assert [row.pk for row in response.context["cl"].result_list] == [expected]


# --- Columns worked out for the page's rows ----------------------------------------------


def test_the_requests_list_reads_each_requests_overdue_flag(editor_client: Client) -> None:
    late = LetterFactory(subject="Late letter").request
    answered_letter = LetterFactory(subject="Answered letter")
    ResponseFactory(request=answered_letter.request, letter=answered_letter)
    rows = editor_client.get(changelist_url(OptOutRequest)).context["cl"].result_list
    flags = {row.pk: row.flag_has_overdue for row in rows}
    assert flags == {late.pk: True, answered_letter.request.pk: False}


def test_the_jurisdictions_list_counts_each_jurisdictions_requests(editor_client: Client) -> None:
    busy = JurisdictionFactory()
    RequestFactory.create_batch(3, jurisdiction=busy)
    quiet = JurisdictionFactory()
    rows = editor_client.get(changelist_url(Jurisdiction)).context["cl"].result_list
    assert {row.pk: row.admin_request_count for row in rows} == {busy.pk: 3, quiet.pk: 0}


# --- Change forms: large tables are picked by typing, never listed -------------------------

#: Tables with thousands of rows at national scale.
LARGE = {"jurisdiction", "agency", "contact", "optoutrequest", "letter", "agencyresponse"}
#: Choices limited to the request being edited (a handful of its own letters).
LIMITED_TO_THE_REQUEST = {"letter", "in_reply_to"}


def relation_fields(model_admin: Any, request: Any) -> list[tuple[str, str]]:
    """(owner, field) for every editable relation to a large table on an admin's form and
    its inlines that is neither an autocomplete nor read-only."""
    found: list[tuple[str, str]] = []
    if not (model_admin.has_add_permission(request) or model_admin.has_change_permission(request)):
        return found  # read-only lists (the status log): no form at all
    for owner in [model_admin, *model_admin.get_inline_instances(request)]:
        model = owner.model
        readonly = set(owner.get_readonly_fields(request))
        names = set(flatten(owner.get_fields(request))) - readonly
        for field in model._meta.get_fields():
            if field.name not in names or not (field.many_to_one or field.many_to_many):
                continue
            if field.related_model._meta.model_name not in LARGE:
                continue
            if field.name in owner.autocomplete_fields:
                continue
            if field.name in LIMITED_TO_THE_REQUEST and isinstance(owner, _OfThisRequest):
                continue
            found.append((type(owner).__name__, field.name))
    return found


def flatten(fields: Any) -> list[str]:
    names: list[str] = []
    for entry in fields:
        names.extend(flatten(entry) if isinstance(entry, list | tuple) else [entry])
    return names


def test_every_form_picks_jurisdictions_agencies_and_records_by_typing(
    rf: Any, admin_user: Any
) -> None:
    request = rf.get("/admin/")
    request.user = admin_user
    unbounded = [
        found
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in {"tracker", "jurisdictions"}
        for found in relation_fields(model_admin, request)
    ]
    assert unbounded == []
