"""Milestones: days between a request's steps, and how each agency answers."""

from __future__ import annotations

import datetime as dt
import random
import statistics
from typing import Any

import pytest
from django.test import Client

from core.dates import PartialDate
from jurisdictions.models import Agency
from tests.conftest import csv_rows
from tests.factories import (
    AgencyFactory,
    LetterFactory,
    MeetingFactory,
    RequestFactory,
    ResponseFactory,
)
from tracker.domain import milestones
from tracker.domain.milestones import Span, agency_reply_times, percentile, request_milestones
from tracker.models import AgencyResponse, Letter, Meeting, OptOutRequest

pytestmark = pytest.mark.django_db

TODAY = dt.date(2011, 6, 1)


def test_a_span_between_days_is_exact() -> None:
    span = Span.between(PartialDate.parse("2010-09-07"), PartialDate.parse("2010-10-07"))
    assert (span.shortest, span.longest, span.display()) == (30, 30, "30 days")


def test_a_span_from_a_month_is_a_range_and_never_negative() -> None:
    span = Span.between(PartialDate.parse("2010-09"), PartialDate.parse("2010-09-20"))
    assert (span.shortest, span.longest) == (0, 19)
    assert span.display() == "between 0 and 19 days"


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [([], 0.9, None), ([4], 0.9, 4), (list(range(1, 11)), 0.9, 9), ([10, 1, 5], 0.5, 5)],
)
def test_the_percentile_is_the_nearest_rank(
    values: list[int], fraction: float, expected: int | None
) -> None:
    assert percentile(values, fraction) == expected


@pytest.fixture
def resolved_request() -> OptOutRequest:
    """Notice 7 Sep 2010; acknowledged 17 Sep; meeting 7 Oct; denied 6 Nov."""
    request = RequestFactory()
    ice = AgencyFactory(kind=Agency.Kind.PROGRAM_OFFICE)
    notice = LetterFactory(request=request, sent_on=dt.date(2010, 9, 7), recipients=[ice])
    LetterFactory(request=request, sent_on=dt.date(2010, 9, 20), recipients=[ice])
    ResponseFactory(request=request, letter=notice, agency=ice, responded_on=dt.date(2010, 9, 17))
    MeetingFactory(request=request, status=Meeting.Status.PLANNED, held_on=dt.date(2010, 9, 30))
    MeetingFactory(request=request, status=Meeting.Status.HELD, held_on=dt.date(2010, 10, 7))
    ResponseFactory(
        request=request,
        agency=ice,
        kind=AgencyResponse.Kind.DENIED,
        responded_on=dt.date(2010, 11, 6),
    )
    return request


def test_it_counts_days_from_the_first_notice_to_each_milestone(
    resolved_request: OptOutRequest,
) -> None:
    (row,) = request_milestones()
    assert row.first_notice == PartialDate.parse("2010-09-07")
    assert row.to_acknowledgement == Span(10, 10)
    assert row.to_meeting == Span(30, 30)  # the held meeting, not the planned one
    assert row.to_resolution == Span(60, 60)


def test_a_milestone_not_reached_is_none() -> None:
    request = RequestFactory()
    LetterFactory(request=request, sent_on=dt.date(2010, 9, 7))
    (row,) = request_milestones()
    assert row.first_notice is not None
    assert (row.to_acknowledgement, row.to_meeting, row.to_resolution) == (None, None, None)


def test_an_incoming_letter_counts_as_an_acknowledgement() -> None:
    request = RequestFactory()
    LetterFactory(request=request, sent_on=dt.date(2010, 9, 7))
    LetterFactory(
        request=request, direction=Letter.Direction.INCOMING, sent_on=dt.date(2010, 9, 27)
    )
    assert request_milestones()[0].to_acknowledgement == Span(20, 20)


def test_a_request_without_a_notice_has_no_milestones(record_2010: None) -> None:
    rows = {row.request.reference: row for row in request_milestones()}
    assert rows["arlington-2010"].first_notice is None
    assert rows["arlington-2010"].to_acknowledgement is None
    sf = rows["san-francisco-2010"]
    assert sf.first_notice is not None and sf.first_notice.display() == "2010"
    assert sf.to_acknowledgement is None


@pytest.fixture
def answering_agency() -> Agency:
    """Ten letters answered in 1..10 days, two unanswered past due, one still in its window."""
    agency = AgencyFactory(name="ICE Secure Communities", reply_window_days=30)
    for days in range(1, 11):
        letter = LetterFactory(sent_on=dt.date(2010, 9, 1), recipients=[agency])
        ResponseFactory(
            request=letter.request,
            letter=letter,
            agency=agency,
            responded_on=dt.date(2010, 9, 1) + dt.timedelta(days=days),
        )
    for _ in range(2):
        LetterFactory(sent_on=dt.date(2010, 9, 1), recipients=[agency])
    LetterFactory(sent_on=dt.date(2011, 5, 20), recipients=[agency])
    return agency


def test_it_gives_each_agencys_median_90th_percentile_and_share_never_answered(
    answering_agency: Agency,
) -> None:
    (row,) = agency_reply_times(TODAY)
    assert row.agency == answering_agency
    assert (row.letters, row.answered, row.never_answered, row.waiting) == (13, 10, 2, 1)
    assert row.median_days == 5.5
    assert row.p90_days == 9
    assert row.share_never_answered == pytest.approx(2 / 12)


def test_replies_with_imprecise_dates_are_counted_but_left_out_of_the_figures() -> None:
    agency = AgencyFactory()
    letter = LetterFactory(sent_on=dt.date(2010, 9, 7), recipients=[agency])
    ResponseFactory(
        request=letter.request,
        letter=letter,
        agency=agency,
        responded_on=dt.date(2010, 10, 1),
        responded_on_precision="month",
    )
    (row,) = agency_reply_times(TODAY)
    assert (row.answered, row.imprecise_replies, row.median_days) == (1, 1, None)


def test_a_reply_from_another_agency_does_not_answer_for_this_one() -> None:
    ice, sib = AgencyFactory(name="ICE"), AgencyFactory(name="SIB")
    letter = LetterFactory(sent_on=dt.date(2010, 9, 7), recipients=[ice, sib])
    ResponseFactory(
        request=letter.request, letter=letter, agency=ice, responded_on=dt.date(2010, 9, 9)
    )
    rows = {row.agency.name: row for row in agency_reply_times(TODAY)}
    assert (rows["ICE"].replies_counted, rows["ICE"].median_days) == (1, 2.0)
    assert (rows["SIB"].answered, rows["SIB"].never_answered) == (0, 1)


def test_san_franciscos_second_letter_is_never_answered_by_ice(record_2010: None) -> None:
    rows = {row.agency.reference: row for row in agency_reply_times(TODAY)}
    ice = rows["ice-secure-communities"]
    assert (ice.letters, ice.answered, ice.never_answered) == (1, 0, 1)
    assert ice.share_never_answered == 1.0


def make_cases(count: int) -> None:
    agency = AgencyFactory()
    for day in range(count):
        request = RequestFactory()
        letter = LetterFactory(
            request=request, sent_on=dt.date(2010, 9, 1), recipients=[agency, AgencyFactory()]
        )
        ResponseFactory(
            request=request,
            letter=letter,
            agency=agency,
            responded_on=dt.date(2010, 9, 2) + dt.timedelta(days=day % 20),
        )
        LetterFactory(request=request, direction=Letter.Direction.INCOMING, in_reply_to=letter)
        MeetingFactory(request=request, status=Meeting.Status.HELD, held_on=dt.date(2010, 10, 1))


@pytest.mark.parametrize("count", [5, 50])
def test_milestones_take_the_same_number_of_queries_for_5_or_50_requests(
    count: int, django_assert_num_queries: Any
) -> None:
    make_cases(count)
    # Expect 4 queries: requests with jurisdictions, letters, responses, meetings.
    with django_assert_num_queries(4):
        assert len(request_milestones()) == count
    # Expect 2 queries: the figures per agency (counted in the database), the agencies.
    with django_assert_num_queries(2):
        assert len(agency_reply_times(TODAY)) == count + 1


def test_the_milestones_page_needs_sign_in(client: Client) -> None:
    response = client.get("/milestones/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_milestones_page_shows_the_figures(
    client: Client, viewer: Any, resolved_request: OptOutRequest
) -> None:
    client.force_login(viewer)
    response = client.get("/milestones/")
    assert response.status_code == 200
    text = response.text
    assert resolved_request.title in text
    for figure in ("10 days", "30 days", "60 days"):
        assert figure in text
    assert "17 September 2010" in text


@pytest.mark.parametrize("count", [5, 60])
def test_the_milestones_page_takes_the_same_number_of_queries_for_5_or_50_requests(
    client: Client, viewer: Any, count: int, django_assert_num_queries: Any
) -> None:
    make_cases(count)
    client.force_login(viewer)
    # Expect 12 queries: session, user, the user's and the group's permissions (the
    # staff pages' permission); the number of requests, the page's requests, then
    # with their jurisdictions, letters, responses, meetings (milestones); the figures
    # per agency and the agencies.
    with django_assert_num_queries(12):
        response = client.get("/milestones/")
    assert response.status_code == 200
    # At most a page of each: the requests, and the agencies (one more than requests).
    page = 50
    assert response.text.count("<tr>") == 1 + min(count, page) + 1 + min(count + 1, page)


def test_milestones_of_a_single_request_read_its_own_records(
    resolved_request: OptOutRequest,
) -> None:
    row = milestones.milestones_for(OptOutRequest.objects.get(pk=resolved_request.pk))
    assert row.to_resolution == Span(60, 60)


# --- The figures counted in the database equal the rule worked out in Python ----------


#: letters, answered, waiting, never answered, replies counted, imprecise, median, p90
Figures = tuple[int, int, int, int, int, int, float | None, int | None]


def reference_reply_times(today: dt.date) -> dict[int, Figures]:
    """The per-agency rule, worked out in Python from every row (how the figures were
    counted before the database counted them): for each agency sent a dated letter,
    whether it answered each letter, its first reply (earliest by first then last
    possible day), the days to it when both dates are known to the day."""
    figures: dict[int, dict[str, Any]] = {}
    outgoing = Letter.objects.filter(direction=Letter.Direction.OUTGOING, sent_on__isnull=False)
    for letter in outgoing.prefetch_related("recipients"):
        sent = letter.sent
        assert sent is not None
        for agency in letter.recipients.all():
            tally = figures.setdefault(
                agency.pk,
                {"letters": 0, "answered": 0, "waiting": 0, "never": 0, "imprecise": 0, "days": []},
            )
            tally["letters"] += 1
            dates: list[PartialDate | None] = [
                r.responded for r in letter.responses.all() if r.agency_id == agency.pk
            ]
            dates += [
                x.sent or x.received
                for x in Letter.objects.filter(
                    in_reply_to=letter, direction=Letter.Direction.INCOMING, sender=agency
                )
            ]
            if not dates:
                late = letter.due_on is not None and letter.due_on < today
                tally["never" if late else "waiting"] += 1
                continue
            tally["answered"] += 1
            known = [d for d in dates if d is not None]
            if not known:
                continue
            first = min(known, key=lambda d: (d.earliest, d.latest))
            if sent.precision == first.precision == "day":
                tally["days"].append(Span.between(sent, first).shortest)
            else:
                tally["imprecise"] += 1
    return {
        pk: (
            t["letters"],
            t["answered"],
            t["waiting"],
            t["never"],
            len(t["days"]),
            t["imprecise"],
            float(statistics.median(t["days"])) if t["days"] else None,
            percentile(t["days"], 0.9),
        )
        for pk, t in figures.items()
    }


def varied_replies() -> None:
    """Agencies answering by responses and by letters, late, early, not at all, with
    dates known to the day, the month or the year, several replies to one letter, and
    letters that are not counted (undated, incoming)."""
    rng = random.Random(2010)
    agencies = [AgencyFactory(reply_window_days=rng.choice([10, 30, 60])) for _ in range(5)]
    for number in range(60):
        request = RequestFactory()
        sent = dt.date(2010, 1, 4) + dt.timedelta(days=rng.randrange(0, 500))
        precision = rng.choice(["day", "day", "day", "month", "year"])
        recipients = rng.sample(agencies, rng.randint(1, 3))
        letter = LetterFactory(
            request=request, sent_on=sent, sent_on_precision=precision, recipients=recipients
        )
        latest = PartialDate(sent, precision).latest
        for agency in recipients:
            for _ in range(rng.choice([0, 0, 1, 1, 2])):
                replied = latest + dt.timedelta(days=rng.randrange(0, 90))
                reply_precision = rng.choice(["day", "day", "month", "year"])
                if (
                    PartialDate(replied, reply_precision).earliest
                    < PartialDate(sent, precision).earliest
                ):
                    reply_precision = "day"
                if rng.random() < 0.5:
                    ResponseFactory(
                        request=request,
                        letter=letter,
                        agency=agency,
                        responded_on=replied,
                        responded_on_precision=reply_precision,
                    )
                else:
                    # An incoming letter is dated by its sending date, else by when
                    # it was received.
                    dated = (
                        {"received_on": replied, "received_on_precision": reply_precision}
                        if rng.random() < 0.3
                        else {"sent_on": replied, "sent_on_precision": reply_precision}
                    )
                    LetterFactory(
                        request=request,
                        direction=Letter.Direction.INCOMING,
                        in_reply_to=letter,
                        sender=agency,
                        **({"sent_on": None} | dated),
                    )
        if number % 10 == 0:
            LetterFactory(request=request, sent_on=None, recipients=recipients[:1])


def test_the_figures_counted_in_the_database_equal_the_rule_in_python() -> None:
    varied_replies()
    today = dt.date(2011, 3, 1)
    counted = {
        row.agency.pk: (
            row.letters,
            row.answered,
            row.waiting,
            row.never_answered,
            row.replies_counted,
            row.imprecise_replies,
            row.median_days,
            row.p90_days,
        )
        for row in agency_reply_times(today)
    }
    expected = reference_reply_times(today)
    assert counted == expected
    # The dataset is varied enough to test something: every kind of figure occurs.
    figures = list(expected.values())
    assert any(f[4] >= 4 for f in figures)  # medians of several replies
    assert any(f[2] for f in figures) and any(f[3] for f in figures)  # waiting, never
    assert any(f[5] for f in figures)  # replies with imprecise dates left out


@pytest.mark.parametrize("count", [5, 60])
def test_the_agencies_figures_download_as_csv_in_the_same_number_of_queries(
    client: Client, viewer: Any, count: int, django_assert_num_queries: Any
) -> None:
    make_cases(count)
    client.force_login(viewer)
    # Expect 6 queries: session, user, the user's and the group's permissions; the
    # figures per agency and the agencies.
    with django_assert_num_queries(6):
        response = client.get("/milestones/", {"format": "csv"})
        rows = csv_rows(response)
    assert response["Content-Type"] == "text/csv"
    # Every agency, not a page of them.
    assert len(rows) == count + 1
    answering = max(rows, key=lambda row: int(row["letters"]))
    assert (answering["letters"], answering["answered"]) == (str(count), str(count))
    assert answering["median_days"] == str(
        float(statistics.median(1 + day % 20 for day in range(count)))
    )
