"""The staff pages' lists of letters and requests: filters, pages, CSV, overdue flags."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from core.dates import PartialDate
from jurisdictions.models import Agency
from tests.conftest import csv_rows
from tests.factories import AgencyFactory, JurisdictionFactory, LetterFactory, RequestFactory
from tracker.domain import services
from tracker.models import Letter, OptOutRequest

pytestmark = pytest.mark.django_db

LAST_NOT_VERY = dt.datetime(2010, 11, 6, 12, 0, tzinfo=dt.UTC)
FIRST_VERY = dt.datetime(2010, 11, 7, 12, 0, tzinfo=dt.UTC)
BEFORE_DUE = dt.datetime(2010, 10, 7, 12, 0, tzinfo=dt.UTC)


def log_letter(by: Any, request: OptOutRequest | None = None, **extra: Any) -> Letter:
    """Sent 7 Sep 2010, 30 calendar days: due 7 Oct, very overdue after 6 Nov."""
    window: Agency = AgencyFactory(reply_window_days=30, reply_window_kind="calendar")
    return services.letter_log(
        request=request or RequestFactory(),
        by=by,
        sender=AgencyFactory(level=Agency.Level.LOCAL, kind=Agency.Kind.SHERIFF),
        recipients=[window],
        subject=extra.pop("subject", "Notice to ICE"),
        sent_on=PartialDate.parse(extra.pop("sent_on", "2010-09-07")),
        **extra,
    )


def listed(response: Any) -> list[int]:
    assert response.status_code == 200
    return [row.pk for row in response.context["page"].object_list]


def test_the_lists_need_a_signed_in_reader(client: Client) -> None:
    for url in ("/letters/", "/requests/", "/letters/?format=csv"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_the_navigation_links_every_staff_page_and_the_admin_for_staff(
    viewer_client: Client,
) -> None:
    page = viewer_client.get("/").text
    for url in (
        "/requests/",
        "/letters/",
        "/statements/",
        "/milestones/",
        "/calendar/",
        "/search/",
        "/public/",
        "/admin/",
    ):
        assert f'href="{url}"' in page, url


def test_the_letters_list_flags_very_overdue_only_after_twice_the_window(
    viewer_client: Client, editor: Any
) -> None:
    letter = log_letter(editor)
    with time_machine.travel(BEFORE_DUE, tick=False):
        assert listed(viewer_client.get("/letters/", {"overdue": "true"})) == []
    with time_machine.travel(LAST_NOT_VERY, tick=False):
        assert listed(viewer_client.get("/letters/", {"overdue": "true"})) == [letter.pk]
        assert listed(viewer_client.get("/letters/", {"very_overdue": "true"})) == []
        page = viewer_client.get("/letters/")
        assert "very overdue</span>" not in page.text
    with time_machine.travel(FIRST_VERY, tick=False):
        assert listed(viewer_client.get("/letters/", {"very_overdue": "true"})) == [letter.pk]
        assert listed(viewer_client.get("/letters/", {"very_overdue": "false"})) == []
        page = viewer_client.get("/letters/")
        assert '<span class="flag very">very overdue</span>' in page.text


def test_the_dashboard_flags_very_overdue_letters_beside_overdue_ones(
    viewer_client: Client, editor: Any
) -> None:
    letter = log_letter(editor, request=RequestFactory(owner=editor))
    with time_machine.travel(LAST_NOT_VERY, tick=False):
        page = viewer_client.get("/")
        (row,) = page.context["overdue"]
        assert (row["letter"].pk, row["days_overdue"], row["very_overdue"]) == (
            letter.pk,
            30,
            False,
        )
        assert "very overdue</span>" not in page.text
    with time_machine.travel(FIRST_VERY, tick=False):
        page = viewer_client.get("/")
        (row,) = page.context["overdue"]
        assert row["very_overdue"] is True
        (awaiting,) = page.context["awaiting"]
        assert awaiting["very_overdue"] is True
        overdue_table = page.text.split('id="overdue-list"')[1].split("</ol>")[0]
        assert 'owner: <span class="owner">editor</span>' in overdue_table
        assert '<span class="flag very">very overdue</span>' in overdue_table


def test_the_dashboards_overdue_list_is_oldest_first(viewer_client: Client, editor: Any) -> None:
    later = log_letter(editor, subject="Later", sent_on="2010-09-20")
    earlier = log_letter(editor, subject="Earlier", sent_on="2010-09-01")
    with time_machine.travel(FIRST_VERY, tick=False):
        rows = viewer_client.get("/").context["overdue"]
    assert [row["letter"].pk for row in rows] == [earlier.pk, later.pk]


def test_a_reply_takes_a_letter_off_the_overdue_lists(viewer_client: Client, editor: Any) -> None:
    letter = log_letter(editor)
    services.response_record(
        request=letter.request,
        by=editor,
        agency=letter.recipients.get(),
        letter=letter,
        kind="acknowledged",
    )
    with time_machine.travel(FIRST_VERY, tick=False):
        assert listed(viewer_client.get("/letters/", {"overdue": "true"})) == []
        assert listed(viewer_client.get("/letters/", {"awaiting_reply": "true"})) == []
        assert viewer_client.get("/").context["overdue"] == []


def test_the_letters_list_filters_by_each_field(
    viewer_client: Client, editor: Any, django_user_model: Any
) -> None:
    california = JurisdictionFactory(state="CA")
    sf = RequestFactory(jurisdiction=california, owner=editor)
    mine = log_letter(editor, request=sf, method="fax")
    services.request_transition(request=sf, to="notice_sent", by=editor)
    arizona = RequestFactory(jurisdiction=JurisdictionFactory(state="AZ"))
    other = log_letter(editor, request=arizona, sent_on="2010-12-01")
    incoming = LetterFactory(request=sf, direction="incoming", sent_on=dt.date(2010, 10, 1))
    ice = mine.recipients.get()
    cases: list[tuple[dict[str, str], list[int]]] = [
        ({"jurisdiction": str(california.pk)}, [mine.pk, incoming.pk]),
        ({"state": "CA"}, [mine.pk, incoming.pk]),
        ({"agency": str(ice.pk)}, [mine.pk]),
        ({"direction": "incoming"}, [incoming.pk]),
        ({"method": "fax"}, [mine.pk]),
        ({"owner": "editor"}, [mine.pk, incoming.pk]),
        ({"status": "notice_sent"}, [mine.pk, incoming.pk]),
        ({"sent_on_after": "2010-11-01"}, [other.pk]),
        ({"sent_on_before": "2010-09-30"}, [mine.pk]),
        ({"awaiting_reply": "true"}, [mine.pk, other.pk]),
    ]
    for params, expected in cases:
        assert listed(viewer_client.get("/letters/", params)) == expected, params


def test_the_requests_list_filters_and_flags_overdue_requests(
    viewer_client: Client, editor: Any
) -> None:
    late = log_letter(editor, request=RequestFactory(owner=editor)).request
    quiet = RequestFactory(jurisdiction=JurisdictionFactory(state="AZ"))
    with time_machine.travel(FIRST_VERY, tick=False):
        assert listed(viewer_client.get("/requests/", {"very_overdue": "true"})) == [late.pk]
        assert listed(viewer_client.get("/requests/", {"overdue": "false"})) == [quiet.pk]
        assert listed(viewer_client.get("/requests/", {"owner": "editor"})) == [late.pk]
        assert listed(viewer_client.get("/requests/", {"state": "AZ"})) == [quiet.pk]
        rows = csv_rows(viewer_client.get("/requests/", {"overdue": "true", "format": "csv"}))
    assert [(r["reference"], r["has_overdue_letter"]) for r in rows] == [(late.reference, "yes")]


def test_a_filter_it_does_not_understand_is_shown_next_to_the_field(
    viewer_client: Client,
) -> None:
    response = viewer_client.get("/letters/", {"status": "lost", "sent_on_after": "2010-02-30"})
    assert response.status_code == 400
    errors = response.context["filter"].errors
    assert set(errors) == {"status", "sent_on"}
    assert "Select a valid choice" in response.text
    csv_response = viewer_client.get("/letters/", {"status": "lost", "format": "csv"})
    assert csv_response.status_code == 400
    assert "status" in csv_response.content.decode()


def test_the_letters_csv_streams_the_filtered_list_with_due_dates_and_flags(
    viewer_client: Client, editor: Any
) -> None:
    late = log_letter(editor, subject="Late one")
    log_letter(editor, subject="Recent one", sent_on="2010-11-01")
    with time_machine.travel(FIRST_VERY, tick=False):
        page = viewer_client.get("/letters/", {"overdue": "true"})
        assert 'href="?overdue=true&amp;format=csv"' in page.text
        rows = csv_rows(viewer_client.get("/letters/", {"overdue": "true", "format": "csv"}))
    (row,) = rows
    assert row["subject"] == "Late one"
    assert row["reference"] == late.reference
    assert (row["due_on"], row["overdue"]) == ("2010-10-07", "yes")
    assert (row["very_overdue_on"], row["very_overdue"]) == ("2010-11-06", "yes")
    assert (
        row["due_explanation"] == "due 2010-10-07: 30 calendar days after it was sent on 2010-09-07"
    )


def test_the_letters_list_is_paginated(viewer_client: Client, editor: Any) -> None:
    request = RequestFactory()
    LetterFactory.create_batch(55, request=request)
    first = viewer_client.get("/letters/")
    assert len(listed(first)) == 50
    assert "Page 1 of 2" in first.text
    assert len(listed(viewer_client.get("/letters/", {"page": "2"}))) == 5


@pytest.mark.parametrize("rows", [5, 50])
def test_the_letters_list_needs_the_same_queries_for_5_and_50_rows(
    viewer_client: Client, editor: Any, rows: int, django_assert_num_queries: Any
) -> None:
    ice = AgencyFactory(reply_window_days=30)
    for _ in range(rows):
        # Sent today, so not yet due: the "not overdue" filter keeps them all.
        LetterFactory(
            request=RequestFactory(owner=editor), recipients=[ice], sent_on=timezone.localdate()
        )
    viewer_client.get("/letters/", {"overdue": "false"})
    # Expect 9 queries: session, user, the user's and the group's permissions (two
    # checks read them once), the count (capped), the ids of the page's letters, those
    # letters (request, jurisdiction, owner and sender joined; awaiting, overdue and
    # very overdue as EXISTS), their recipients, and the filter form's owners. No
    # jurisdiction or agency is listed unless chosen.
    with django_assert_num_queries(9):
        response = viewer_client.get("/letters/", {"overdue": "false"})
    assert len(listed(response)) == rows


@pytest.mark.parametrize("rows", [5, 50])
def test_the_requests_list_needs_the_same_queries_for_5_and_50_rows(
    viewer_client: Client, editor: Any, rows: int, django_assert_num_queries: Any
) -> None:
    for request in RequestFactory.create_batch(rows, owner=editor):
        LetterFactory(request=request)
    viewer_client.get("/requests/")
    # Expect 8 queries: session, user, the user's and the group's permissions, the
    # count (capped), the ids of the page's requests, those requests (jurisdiction and
    # owner joined; overdue and very overdue as EXISTS), and the filter form's owners.
    with django_assert_num_queries(8):
        response = viewer_client.get("/requests/")
    assert len(listed(response)) == rows


@pytest.mark.parametrize("rows", [5, 50])
def test_a_list_filtered_by_state_and_jurisdiction_needs_the_same_queries(
    viewer_client: Client, editor: Any, rows: int, django_assert_num_queries: Any
) -> None:
    county = JurisdictionFactory(state="CA")
    JurisdictionFactory.create_batch(rows, state="CA")
    for _ in range(rows):
        LetterFactory(request=RequestFactory(jurisdiction=county, owner=editor))
    params = {"state": "CA", "jurisdiction": str(county.pk)}
    viewer_client.get("/letters/", params)
    # Expect 11 queries: the 9 of the unfiltered list, the chosen jurisdiction checked
    # by the form, and the state's jurisdictions offered (the chosen one among them).
    with django_assert_num_queries(11):
        response = viewer_client.get("/letters/", params)
    assert len(listed(response)) == rows


def filter_options(page: str, name: str) -> list[str]:
    select = page.split(f'name="{name}"')[1].split("</select>")[0]
    return re.findall(r'<option value="([^"]*)"', select)


def test_the_filters_never_list_every_jurisdiction_or_agency(
    viewer_client: Client, editor: Any
) -> None:
    california = JurisdictionFactory.create_batch(3, state="CA")
    JurisdictionFactory.create_batch(40, state="AZ")
    AgencyFactory.create_batch(40)
    for url in ("/letters/", "/requests/"):
        page = viewer_client.get(url).text
        assert filter_options(page, "jurisdiction") == [""]
        assert filter_options(page, "agency") == [""]
        chosen = viewer_client.get(url, {"state": "CA"}).text
        assert filter_options(chosen, "jurisdiction") == [""] + [
            str(j.pk) for j in sorted(california, key=lambda j: j.name)
        ]


def test_a_jurisdiction_or_agency_chosen_by_a_link_is_shown_chosen(
    viewer_client: Client, editor: Any
) -> None:
    letter = log_letter(editor)
    jurisdiction = letter.request.jurisdiction
    page = viewer_client.get(
        "/letters/", {"jurisdiction": jurisdiction.pk, "agency": letter.sender_id}
    ).text
    assert f'<option value="{jurisdiction.pk}" selected>{jurisdiction}</option>' in page
    assert f'<option value="{letter.sender_id}" selected>{letter.sender}</option>' in page
    unknown = viewer_client.get("/letters/", {"jurisdiction": "999999"})
    assert unknown.status_code == 400
    assert "jurisdiction" in unknown.context["filter"].errors


@pytest.mark.parametrize("few_agencies", [100, 0])
def test_the_lists_filter_by_part_of_a_jurisdictions_or_agencys_name(
    viewer_client: Client, editor: Any, few_agencies: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Both ways of finding an agency's letters: by the ids of the few agencies a name
    # matches, or through a subquery when it matches many.
    monkeypatch.setattr("tracker.pages.filters.FEW_AGENCIES", few_agencies)
    arlington = RequestFactory(jurisdiction=JurisdictionFactory(name="Arlington County"))
    written = log_letter(editor, request=arlington)
    other = log_letter(editor)
    recipient = written.recipients.get()
    Agency.objects.filter(pk=recipient.pk).update(name="Program office of ICE")
    assert listed(viewer_client.get("/letters/", {"jurisdiction_name": "arlington"})) == [
        written.pk
    ]
    assert listed(viewer_client.get("/requests/", {"jurisdiction_name": "ARLINGTON"})) == [
        arlington.pk
    ]
    assert listed(viewer_client.get("/letters/", {"agency_name": "program office"})) == [written.pk]
    sender = Agency.objects.get(pk=other.sender_id)
    assert listed(viewer_client.get("/letters/", {"agency_name": sender.name})) == [other.pk]
    Agency.objects.filter(pk=arlington.requesting_agency_id).update(name="Arlington board")
    if arlington.requesting_agency_id:
        assert listed(viewer_client.get("/requests/", {"agency_name": "board"})) == [arlington.pk]


def test_a_long_list_says_more_than_the_cap_and_still_pages(
    viewer_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tracker.pages.pagination.COUNT_CAP", 60)
    request = RequestFactory()
    LetterFactory.create_batch(120, request=request)
    first = viewer_client.get("/letters/")
    assert "More than 60 letters" in first.text
    assert "Page 1</span>" in first.text
    assert 'rel="next"' in first.text
    third = viewer_client.get("/letters/", {"page": "3"})
    assert len(listed(third)) == 20
    assert 'rel="next"' not in third.text
    assert 'rel="prev"' in third.text
    past = viewer_client.get("/letters/", {"page": "9"})
    assert listed(past) == []
    assert "First page" in past.text
    LetterFactory.create_batch(10, request=request)
    Letter.objects.filter(pk__in=Letter.objects.order_by("pk").values("pk")[:80]).delete()
    counted = viewer_client.get("/letters/", {"page": "9"})
    assert "50 letters" in counted.text
    assert "Page 1 of 1" not in counted.text
    assert len(listed(counted)) == 50
