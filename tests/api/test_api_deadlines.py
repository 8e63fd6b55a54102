"""Deadlines through the API: due dates and their explanations, the overdue filters,
CSV downloads of the filtered lists, and the milestones endpoints."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from rest_framework.test import APIClient

from core.dates import PartialDate
from jurisdictions.models import Agency, Contact
from tests.api.conftest import open_requests
from tests.conftest import csv_rows
from tests.factories import AgencyFactory, ContactFactory, JurisdictionFactory
from tracker.domain import services
from tracker.models import Holiday, Letter, OptOutRequest

pytestmark = pytest.mark.django_db

#: 2 March 2011: San Francisco's second letter (due 30 January) is overdue and very
#: overdue (after 1 March).
MARCH_2011 = dt.datetime(2011, 3, 2, 17, 0, tzinfo=dt.UTC)


def every_page(client: APIClient, url: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    page = 1
    while True:
        body = client.get(url, {**params, "page": page, "page_size": 7}).json()
        results += body["results"]
        if body["next"] is None:
            return results
        page += 1


@pytest.fixture
def office(editor: Any) -> Agency:
    return AgencyFactory(
        kind=Agency.Kind.PROGRAM_OFFICE, reply_window_days=30, reply_window_kind="calendar"
    )


@pytest.fixture
def notice(editor: Any, office: Agency) -> Letter:
    optout = services.request_open(jurisdiction=JurisdictionFactory(), title="Opt out", by=editor)
    return services.letter_log(
        request=optout,
        by=editor,
        sender=AgencyFactory(),
        recipients=[office],
        subject="Notice",
        sent_on=PartialDate.parse("2010-09-07"),
    )


def test_a_letter_shows_its_due_dates_with_their_explanations(
    reader: APIClient, notice: Letter
) -> None:
    with time_machine.travel(dt.datetime(2010, 10, 8, 12, tzinfo=dt.UTC), tick=False):
        shown = reader.get(f"/api/v1/letters/{notice.pk}/").json()
    assert shown["due_on"] == "2010-10-07"
    assert shown["due_explanation"] == (
        "due 2010-10-07: 30 calendar days after it was sent on 2010-09-07"
    )
    assert shown["very_overdue_on"] == "2010-11-06"
    assert shown["very_overdue_explanation"].startswith("very overdue after 2010-11-06: 60")
    assert (shown["awaiting_reply"], shown["is_overdue"], shown["is_very_overdue"]) == (
        True,
        True,
        False,
    )


def test_the_due_day_itself_is_not_overdue(reader: APIClient, notice: Letter) -> None:
    with time_machine.travel(dt.datetime(2010, 10, 7, 12, tzinfo=dt.UTC), tick=False):
        shown = reader.get(f"/api/v1/letters/{notice.pk}/").json()
        listed = reader.get("/api/v1/letters/", {"overdue": "true"}).json()
    assert shown["is_overdue"] is False
    assert listed["count"] == 0


def test_a_reply_ends_the_wait_everywhere(reader: APIClient, editor: Any, notice: Letter) -> None:
    services.response_record(
        request=notice.request,
        by=editor,
        agency=notice.recipients.get(),
        kind="acknowledged",
        letter=notice,
    )
    with time_machine.travel(dt.datetime(2011, 1, 1, tzinfo=dt.UTC), tick=False):
        shown = reader.get(f"/api/v1/letters/{notice.pk}/").json()
        very = reader.get("/api/v1/letters/", {"very_overdue": "true"}).json()
    assert (shown["awaiting_reply"], shown["is_overdue"], shown["is_very_overdue"]) == (
        False,
        False,
        False,
    )
    assert very["count"] == 0


def test_the_explanation_of_a_business_day_window_names_the_holidays_it_skipped(
    reader: APIClient, editor: Any
) -> None:
    Holiday.objects.create(date=dt.date(2010, 10, 11), name="Columbus Day")
    office = AgencyFactory(reply_window_days=10, reply_window_kind="business")
    optout = services.request_open(jurisdiction=JurisdictionFactory(), title="R", by=editor)
    letter = services.letter_log(
        request=optout,
        by=editor,
        sender=AgencyFactory(),
        recipients=[office],  # type: ignore[list-item]
        subject="Notice",
        sent_on=PartialDate.parse("2010-10-01"),
    )
    shown = reader.get("/api/v1/letters/", {"request": optout.pk}).json()["results"][0]
    assert shown["id"] == letter.pk
    assert shown["due_on"] == "2010-10-18"
    assert shown["due_explanation"].endswith("weekends skipped, and holidays 2010-10-11")


@pytest.fixture
def mixed(record_2010: None, editor: Any) -> None:
    """The 2010 record (two unanswered letters, very overdue by March 2011) and, on a
    Virginia request, a letter answered, a letter not yet due and a letter received."""
    office = AgencyFactory(kind=Agency.Kind.PROGRAM_OFFICE, reply_window_days=30)
    county = AgencyFactory(name="Fairfax County Sheriff")
    optout = services.request_open(
        jurisdiction=JurisdictionFactory(name="Fairfax County", state="VA", fips=None),
        title="Fairfax opts out",
        by=editor,
    )

    def send(subject: str, sent: str) -> Letter:
        return services.letter_log(
            request=optout,
            by=editor,
            sender=county,
            recipients=[office],  # type: ignore[list-item]
            subject=subject,
            sent_on=PartialDate.parse(sent),
        )

    answered = send("Opt out notice, answered", "2011-01-10")
    services.response_record(
        request=optout, by=editor, agency=office, kind="acknowledged", letter=answered
    )
    send("Opt out reminder, not yet due", "2011-02-20")
    services.letter_log(
        request=optout,
        by=editor,
        sender=office,
        direction=Letter.Direction.INCOMING,
        subject="ICE writes back about opting out",
        sent_on=PartialDate.parse("2011-02-01"),
    )


@pytest.mark.parametrize(
    ("params", "subjects"),
    [
        ({"overdue": "true"}, {"Second request to opt out, following ICE's instructions"}),
        ({"due_on_after": "2011-01-30", "due_on_before": "2011-01-30"}, None),
    ],
)
def test_the_fixtures_second_san_francisco_letter_is_found_by_due_date_filters(
    reader: APIClient, record_2010: None, params: dict[str, str], subjects: set[str] | None
) -> None:
    with time_machine.travel(MARCH_2011, tick=False):
        listed = every_page(reader, "/api/v1/letters/", params)
    found = {row["subject"] for row in listed}
    assert "Second request to opt out, following ICE's instructions" in found
    assert all(row["due_on"] == "2011-01-30" for row in listed if "due_on_after" in params)
    if subjects is None:
        return
    # Overdue and not very overdue are different lists on this day.
    assert all(row["is_overdue"] for row in listed)


def test_the_overdue_filters_agree_with_the_flags_on_each_letter(
    reader: APIClient, mixed: None
) -> None:
    with time_machine.travel(MARCH_2011, tick=False):
        everything = every_page(reader, "/api/v1/letters/", {})
        for flag, field in [
            ("overdue", "is_overdue"),
            ("very_overdue", "is_very_overdue"),
            ("awaiting_reply", "awaiting_reply"),
        ]:
            yes = {row["id"] for row in every_page(reader, "/api/v1/letters/", {flag: "true"})}
            no = {row["id"] for row in every_page(reader, "/api/v1/letters/", {flag: "false"})}
            assert yes == {row["id"] for row in everything if row[field]}, flag
            assert no == {row["id"] for row in everything if not row[field]}, flag
            assert yes, f"some letters are {flag} on 2 March 2011"
            assert no, f"some letters are not {flag} on 2 March 2011"


def test_requests_are_filtered_by_their_overdue_and_very_overdue_letters(
    reader: APIClient, mixed: None
) -> None:
    with time_machine.travel(MARCH_2011, tick=False):
        letters = every_page(reader, "/api/v1/letters/", {})
        for flag, field in [("overdue", "is_overdue"), ("very_overdue", "is_very_overdue")]:
            expected = {row["request"] for row in letters if row[field]}
            found = {row["id"] for row in every_page(reader, "/api/v1/requests/", {flag: "true"})}
            assert found == expected, flag
            assert found


@pytest.mark.parametrize("value", ["yes", "1", "TRUE"])
def test_an_overdue_flag_other_than_true_or_false_is_a_400(reader: APIClient, value: str) -> None:
    response = reader.get("/api/v1/letters/", {"very_overdue": value})
    assert response.status_code == 400
    assert "very_overdue" in response.json()["errors"]


# --- CSV --------------------------------------------------------------------------------

CSV_FILTERS: list[tuple[str, dict[str, str]]] = [
    ("/api/v1/letters/", {}),
    ("/api/v1/letters/", {"overdue": "true"}),
    ("/api/v1/letters/", {"very_overdue": "false", "ordering": "-due_on,id"}),
    ("/api/v1/letters/", {"direction": "outgoing", "ordering": "subject"}),
    ("/api/v1/letters/", {"search": "opt out", "ordering": "-sent_on,id"}),
    ("/api/v1/requests/", {}),
    ("/api/v1/requests/", {"overdue": "true"}),
    ("/api/v1/requests/", {"very_overdue": "true", "ordering": "-title"}),
    ("/api/v1/requests/", {"state": "CA", "ordering": "status,id"}),
    ("/api/v1/requests/", {"overdue": "false", "ordering": "-id"}),
]


@pytest.mark.parametrize(("url", "params"), CSV_FILTERS)
def test_the_csv_rows_are_the_filtered_json_list_in_the_same_order(
    reader: APIClient, mixed: None, url: str, params: dict[str, str]
) -> None:
    with time_machine.travel(MARCH_2011, tick=False):
        listed = every_page(reader, url, params)
        rows = csv_rows(reader.get(url, {**params, "format": "csv"}))
    assert listed, "each filter finds something in the fixtures"
    assert [row["reference"] for row in rows] == [item["reference"] for item in listed]
    if url == "/api/v1/letters/":
        by_reference = {item["reference"]: item for item in listed}
        for row in rows:
            item = by_reference[row["reference"]]
            assert row["due_on"] == (item["due_on"] or "")
            assert row["overdue"] == ("yes" if item["is_overdue"] else "no")
            assert row["very_overdue"] == ("yes" if item["is_very_overdue"] else "no")
            assert row["due_explanation"] == (item["due_explanation"] or "")


def test_the_csv_is_a_download_with_a_dated_file_name(reader: APIClient, notice: Letter) -> None:
    with time_machine.travel(dt.datetime(2010, 10, 8, 12, tzinfo=dt.UTC), tick=False):
        response = reader.get("/api/v1/letters/", {"format": "csv"})
    assert response["Content-Disposition"] == 'attachment; filename="letters-2010-10-08.csv"'
    assert csv_rows(response)[0]["subject"] == "Notice"


def test_asking_for_csv_with_accept_gives_csv(reader: APIClient, notice: Letter) -> None:
    response = reader.get("/api/v1/requests/", HTTP_ACCEPT="text/csv")
    assert [row["title"] for row in csv_rows(response)] == ["Opt out"]


def test_a_bad_filter_on_a_csv_download_is_a_json_400(reader: APIClient) -> None:
    response = reader.get("/api/v1/letters/", {"format": "csv", "sent_on_after": "2010-13-01"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    # Named as sent: the range box, not the range.
    assert "sent_on_after" in response.json()["errors"]


def test_csv_is_offered_only_on_the_request_and_letter_lists(
    reader: APIClient, notice: Letter
) -> None:
    assert reader.get(f"/api/v1/letters/{notice.pk}/", {"format": "csv"}).status_code == 404
    assert reader.get("/api/v1/meetings/", {"format": "csv"}).status_code == 404


def _letters(n: int, editor: Any) -> None:
    office = AgencyFactory(kind=Agency.Kind.PROGRAM_OFFICE, reply_window_kind="business")
    contact: Contact = ContactFactory(agency=office)
    optout = services.request_open(jurisdiction=JurisdictionFactory(), title="R", by=editor)
    for i in range(n):
        letter = services.letter_log(
            request=optout,
            by=editor,
            sender=AgencyFactory(),
            recipients=[office],  # type: ignore[list-item]
            subject=f"Letter {i}",
            sent_on=PartialDate.parse("2010-09-07"),
        )
        letter.recipient_contacts.set([contact])


@pytest.mark.parametrize("rows", [5, 50])
@pytest.mark.parametrize(
    ("url", "build", "queries"),
    [
        # session, user, user permissions, group permissions; the letters (flags
        # annotated, request, jurisdiction, sender and the letter answered joined,
        # their recipients as one subquery column), the holiday list (once)
        ("/api/v1/letters/", _letters, 6),
        # session, user, user permissions, group permissions; the requests (workflow
        # facts and "has an overdue letter" annotated, jurisdiction, agency, contact
        # and owner joined), their sources
        ("/api/v1/requests/", open_requests, 6),
    ],
    ids=["letters", "requests"],
)
def test_a_csv_download_costs_a_fixed_number_of_queries(
    reader: APIClient,
    editor: Any,
    django_assert_num_queries: Any,
    url: str,
    build: Any,
    queries: int,
    rows: int,
) -> None:
    build(rows, editor)
    with django_assert_num_queries(queries):
        response = reader.get(url, {"format": "csv"})
        lines = csv_rows(response)
    assert len(lines) == rows


def test_the_letters_list_reads_the_holiday_list_once_for_business_day_windows(
    reader: APIClient, editor: Any, django_assert_num_queries: Any
) -> None:
    _letters(20, editor)
    # session, user, user permissions, group permissions, count, page, recipients,
    # recipient contacts, sources, the holiday list
    with django_assert_num_queries(10):
        response = reader.get("/api/v1/letters/")
    assert all(row["due_explanation"] for row in response.json()["results"])


# --- Milestones -------------------------------------------------------------------------


def test_request_milestones_show_the_spans_between_steps(
    reader: APIClient, editor: Any, notice: Letter, office: Agency
) -> None:
    services.response_record(
        request=notice.request,
        by=editor,
        agency=office,
        kind="acknowledged",
        letter=notice,
        responded_on=PartialDate.parse("2010-10"),
    )
    body = reader.get("/api/v1/milestones/requests/").json()
    (row,) = body["results"]
    assert row["request"] == notice.request_id
    assert row["first_notice"] == "2010-09-07"
    assert row["first_acknowledgement"] == "2010-10"
    assert row["to_acknowledgement"] == {
        "shortest": 24,
        "longest": 54,
        "exact": False,
        "display": "between 24 and 54 days",
    }
    assert row["to_meeting"] is None
    assert row["to_resolution"] is None


def test_request_milestones_take_the_request_filters(
    reader: APIClient, editor: Any, notice: Letter
) -> None:
    services.request_open(jurisdiction=JurisdictionFactory(state="VA"), title="VA", by=editor)
    body = reader.get("/api/v1/milestones/requests/", {"state": "VA"}).json()
    assert [row["title"] for row in body["results"]] == ["VA"]
    assert reader.get("/api/v1/milestones/requests/", {"status": "nope"}).status_code == 400


def test_agency_milestones_give_reply_times_and_the_share_never_answered(
    reader: APIClient, editor: Any, notice: Letter, office: Agency
) -> None:
    second = services.letter_log(
        request=notice.request,
        by=editor,
        sender=AgencyFactory(),
        recipients=[office],
        subject="Again",
        sent_on=PartialDate.parse("2010-09-10"),
    )
    services.response_record(
        request=notice.request,
        by=editor,
        agency=office,
        kind="acknowledged",
        letter=second,
        responded_on=PartialDate.parse("2010-09-20"),
    )
    with time_machine.travel(dt.datetime(2011, 1, 1, tzinfo=dt.UTC), tick=False):
        body = reader.get("/api/v1/milestones/agencies/").json()
    (row,) = [r for r in body["results"] if r["agency"] == office.pk]
    assert (row["letters"], row["answered"], row["never_answered"]) == (2, 1, 1)
    assert (row["median_days"], row["p90_days"], row["replies_counted"]) == (10, 10, 1)
    assert row["share_never_answered"] == 0.5


def test_milestones_need_permission_to_view_requests(client: Any, django_user_model: Any) -> None:
    api = APIClient()
    assert api.get("/api/v1/milestones/requests/").status_code == 401
    api.force_login(django_user_model.objects.create_user(username="nobody", password="x"))
    assert api.get("/api/v1/milestones/agencies/").status_code == 403


def _milestone_requests(n: int, editor: Any) -> None:
    office = AgencyFactory()
    for i in range(n):
        optout = services.request_open(jurisdiction=JurisdictionFactory(), title=f"R{i}", by=editor)
        letter = services.letter_log(
            request=optout,
            by=editor,
            sender=AgencyFactory(),
            recipients=[office],  # type: ignore[list-item]
            subject="Notice",
            sent_on=PartialDate.parse("2010-09-07"),
        )
        services.response_record(
            request=optout, by=editor, agency=office, kind="acknowledged", letter=letter
        )
        services.meeting_record(request=optout, by=editor)


@pytest.mark.parametrize("rows", [5, 50])
def test_milestones_cost_a_fixed_number_of_queries(
    reader: APIClient, editor: Any, django_assert_num_queries: Any, rows: int
) -> None:
    _milestone_requests(rows, editor)
    # session, user, user permissions, group permissions; count, the page of ids, the
    # requests with their jurisdictions, their letters, responses, meetings
    with django_assert_num_queries(10):
        requests = reader.get("/api/v1/milestones/requests/", {"page_size": 200})
    assert len(requests.json()["results"]) == rows
    # session, user, user permissions, group permissions; the figures per agency
    # (counted in the database), the agencies
    with django_assert_num_queries(6):
        agencies = reader.get("/api/v1/milestones/agencies/")
    assert agencies.json()["count"] == 1
    assert OptOutRequest.objects.count() == rows
