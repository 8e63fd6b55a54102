"""A status move is dated by when it happened, not by when it was entered.

San Francisco's notice went out on 3 December 2010 and ICE denied the request in
February 2011; both moves are entered today. Every surface (the case page, the
public page, the API, the CSV export, the charts and the milestones) shows them in
2010 and 2011, the days to resolution are counted between those dates, and a move
dated before the request's last move is refused on the staff page, in the admin and
in the API alike.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core.dates import DatePrecision, PartialDate
from jurisdictions.models import Agency
from tests.admin.helpers import change_url, changelist_url, post_data
from tests.api.helpers import if_match
from tests.conftest import csv_rows
from tests.factories import AgencyFactory, JurisdictionFactory
from tracker.domain import charts, milestones, services
from tracker.domain.selectors import Audience, case_summary, request_timeline, with_case_summary
from tracker.domain.workflow import State
from tracker.models import AgencyResponse, Meeting, OptOutRequest, Transition

pytestmark = pytest.mark.django_db

NOTICE_DAY = PartialDate.parse("2010-12-03")
DENIED_MONTH = PartialDate.parse("2011-02")


@pytest.fixture
def san_francisco(editor: Any) -> OptOutRequest:
    """San Francisco's request, opened in May 2010, its notice logged (sent 3 December
    2010 to ICE's program office) and ICE's reply of January 2011, still a draft."""
    request = services.request_open(
        jurisdiction=JurisdictionFactory(name="San Francisco", state="CA"),
        title="San Francisco opts out",
        by=editor,
        opened_on=PartialDate.parse("2010-05"),
        is_public=True,
    )
    ice = AgencyFactory(name="Secure Communities", kind=Agency.Kind.PROGRAM_OFFICE)
    services.letter_log(
        request=request,
        by=editor,
        sender=AgencyFactory(kind=Agency.Kind.SHERIFF, level=Agency.Level.LOCAL),
        recipients=[ice],  # type: ignore[list-item]
        subject="Notice of opting out",
        sent_on=NOTICE_DAY,
    )
    services.response_record(
        request=request,
        by=editor,
        agency=ice,
        kind=AgencyResponse.Kind.ACKNOWLEDGED,
        responded_on=PartialDate.parse("2011-01-15"),
    )
    return request


def _moved(request: OptOutRequest, editor: Any) -> OptOutRequest:
    services.request_transition(
        request=request, to=State.NOTICE_SENT, by=editor, happened=NOTICE_DAY
    )
    services.request_transition(request=request, to=State.DENIED, by=editor, happened=DENIED_MONTH)
    request.refresh_from_db()
    return request


# --- The service --------------------------------------------------------------------


def test_a_move_entered_today_keeps_the_date_it_happened(
    san_francisco: OptOutRequest, editor: Any
) -> None:
    move = services.request_transition(
        request=san_francisco, to=State.NOTICE_SENT, by=editor, happened=NOTICE_DAY
    )
    move.refresh_from_db()
    assert move.happened == NOTICE_DAY
    assert timezone.localdate(move.at) == timezone.localdate()  # entered today, for the audit


def test_a_move_without_a_date_happened_today(san_francisco: OptOutRequest, editor: Any) -> None:
    move = services.request_transition(request=san_francisco, to=State.NOTICE_SENT, by=editor)
    assert move.happened == PartialDate(timezone.localdate())


def test_the_opening_entry_is_dated_by_the_opening(san_francisco: OptOutRequest) -> None:
    opening = san_francisco.transitions.get(from_state="")
    assert opening.happened == PartialDate.parse("2010-05")


def test_a_move_dated_before_the_last_move_is_refused_with_both_dates(
    san_francisco: OptOutRequest, editor: Any
) -> None:
    services.request_transition(
        request=san_francisco,
        to=State.NOTICE_SENT,
        by=editor,
        happened=PartialDate.parse("2010-06-05"),
    )
    with pytest.raises(ValidationError) as refused:
        services.request_transition(
            request=san_francisco,
            to=State.DENIED,
            by=editor,
            happened=PartialDate.parse("2010-03-03"),
        )
    assert refused.value.message_dict["happened"] == [
        "This move is dated 3 March 2010, before the request's last move on 5 June 2010."
    ]
    san_francisco.refresh_from_db()
    assert san_francisco.status == State.NOTICE_SENT
    assert san_francisco.transitions.count() == 2


def test_dates_known_to_the_month_or_year_are_refused_only_when_certainly_before(
    san_francisco: OptOutRequest, editor: Any
) -> None:
    services.request_transition(
        request=san_francisco,
        to=State.NOTICE_SENT,
        by=editor,
        happened=PartialDate.parse("2010-06-05"),
    )
    # "2010" may be after 5 June 2010: accepted.
    services.request_transition(
        request=san_francisco, to=State.DENIED, by=editor, happened=PartialDate.parse("2010")
    )
    san_francisco.refresh_from_db()
    # Closed on the first day the move may have happened, never before the opening.
    assert san_francisco.closed_on == dt.date(2010, 5, 1)


def test_a_first_move_dated_before_the_opening_is_refused(
    san_francisco: OptOutRequest, editor: Any
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.request_transition(
            request=san_francisco,
            to=State.NOTICE_SENT,
            by=editor,
            happened=PartialDate.parse("2009-12"),
        )
    assert "before the request was opened on May 2010" in refused.value.messages[0]


def test_a_move_in_the_future_is_refused(san_francisco: OptOutRequest, editor: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        services.request_transition(
            request=san_francisco,
            to=State.NOTICE_SENT,
            by=editor,
            happened=PartialDate(timezone.localdate() + dt.timedelta(days=30)),
        )
    assert "in the future" in refused.value.message_dict["happened"][0]
    assert san_francisco.transitions.count() == 1


def test_the_close_date_is_the_closing_moves_date(
    san_francisco: OptOutRequest, editor: Any
) -> None:
    request = _moved(san_francisco, editor)
    assert request.closed_on == dt.date(2011, 2, 1)
    services.record_save(request, by=editor)  # the constraints still hold
    reopened = services.request_reopen(
        request=request, by=editor, note="Reconsidered.", happened=PartialDate.parse("2011-03")
    )
    request.refresh_from_db()
    assert request.closed_on is None and reopened.happened == PartialDate.parse("2011-03")


# --- Every surface ------------------------------------------------------------------


def test_the_timeline_and_the_summary_date_the_moves_when_they_happened(
    san_francisco: OptOutRequest, editor: Any
) -> None:
    request = _moved(san_francisco, editor)
    moves = [
        (entry.item.to_state, entry.date)
        for entry in request_timeline(request, audience=Audience.STAFF)
        if entry.kind == "transition"
    ]
    assert moves == [
        (State.DRAFT, PartialDate.parse("2010-05")),
        (State.NOTICE_SENT, NOTICE_DAY),
        (State.DENIED, DENIED_MONTH),
    ]
    loaded = with_case_summary(OptOutRequest.objects.all()).get(pk=request.pk)
    assert case_summary(loaded).since == DENIED_MONTH
    assert case_summary(OptOutRequest.objects.get(pk=request.pk)).since == DENIED_MONTH


def test_the_case_page_shows_the_date_and_when_it_was_entered(
    san_francisco: OptOutRequest, editor: Any, editor_client: Client
) -> None:
    move = services.request_transition(
        request=san_francisco, to=State.NOTICE_SENT, by=editor, happened=NOTICE_DAY
    )
    page = editor_client.get(san_francisco.get_absolute_url()).content.decode()
    entry = page[page.index(f'id="transition-{move.pk}"') :]
    entry = entry[: entry.index("</li>")]
    assert '<time datetime="2010-12-03">3 December 2010</time>' in entry
    assert "entered " in entry and str(timezone.localdate().year) in entry


def test_the_public_page_and_api_date_the_moves_when_they_happened(
    san_francisco: OptOutRequest, editor: Any, client: Client, api: APIClient
) -> None:
    request = _moved(san_francisco, editor)
    public = client.get(
        reverse("public-jurisdiction", args=[request.jurisdiction.reference])
    ).content.decode()
    assert "3 December 2010" in public and "February 2011" in public

    rows = api.get(f"/api/v1/transitions/?request={request.pk}").json()["results"]
    assert [row["happened"] for row in rows] == ["2010-05", "2010-12-03", "2011-02"]
    assert all(row["at"].startswith(str(timezone.localdate().year)) for row in rows)
    dated = api.get("/api/v1/transitions/?happened_after=2010-12-01&happened_before=2010-12-31")
    assert [row["to_state"] for row in dated.json()["results"]] == [State.NOTICE_SENT]

    anonymous = APIClient().get(f"/api/v1/requests/{request.pk}/timeline/").json()
    rows = anonymous["results"] if isinstance(anonymous, dict) else anonymous
    dates = [row["date"] for row in rows if row["kind"] in ("transition", "status")]
    assert "2010-12-03" in dates and "2011-02" in dates


def test_the_csv_export_closes_the_request_when_the_closing_move_happened(
    san_francisco: OptOutRequest, editor: Any, api: APIClient
) -> None:
    _moved(san_francisco, editor)
    rows = csv_rows(api.get("/api/v1/requests/", HTTP_ACCEPT="text/csv"))
    assert [row["closed"] for row in rows] == ["2011-02"]


def test_milestones_count_days_to_resolution_between_effective_dates(
    san_francisco: OptOutRequest, editor: Any
) -> None:
    request = _moved(san_francisco, editor)
    (found,) = milestones.request_milestones(OptOutRequest.objects.filter(pk=request.pk))
    assert found.resolution == DENIED_MONTH
    span = found.to_resolution
    assert span is not None
    # From 3 December 2010 to some day of February 2011: never 5,873 days.
    assert (span.shortest, span.longest) == (60, 87)
    assert milestones.milestones_for(OptOutRequest.objects.get(pk=request.pk)).resolution == (
        DENIED_MONTH
    )


def test_the_status_chart_counts_a_move_in_the_month_it_happened(
    san_francisco: OptOutRequest, editor: Any
) -> None:
    _moved(san_francisco, editor)
    months = {
        m.month: m.counts
        for m in charts.cases_by_status(audience=Audience.STAFF, today=dt.date(2011, 3, 1))
    }
    assert months[dt.date(2010, 12, 1)][State.NOTICE_SENT] == 1
    assert months[dt.date(2011, 2, 1)][State.DENIED] == 1


# --- Refused alike on the staff page, the admin and the API ------------------------------


def test_the_staff_page_takes_the_date_and_refuses_one_before_the_last_move(
    san_francisco: OptOutRequest, editor: Any, editor_client: Client
) -> None:
    url = reverse("request-move", args=[san_francisco.pk])
    form = editor_client.get(san_francisco.get_absolute_url()).content.decode()
    assert 'name="move-happened"' in form and f'value="{timezone.localdate()}"' in form
    response = editor_client.post(
        url, {"move-to": "notice_sent", "move-happened": "2010-12-03", "move-version": 1}
    )
    assert response.status_code == 302
    san_francisco.refresh_from_db()
    assert san_francisco.transitions.last().happened == NOTICE_DAY

    refused = editor_client.post(
        url,
        {
            "move-to": "denied",
            "move-happened": "2010-11",
            "move-version": san_francisco.version,
        },
    )
    assert refused.status_code == 400
    assert refused.context["move_form"].errors["happened"] == [
        "This move is dated November 2010, before the request's last move on 3 December 2010."
    ]
    san_francisco.refresh_from_db()
    assert san_francisco.status == State.NOTICE_SENT


def test_the_withdrawal_page_takes_the_date(
    san_francisco: OptOutRequest, editor: Any, editor_client: Client
) -> None:
    response = editor_client.post(
        reverse("request-withdraw", args=[san_francisco.pk]),
        {"move-note": "The board changed its mind.", "move-happened": "2010-08", "move-version": 1},
    )
    assert response.status_code == 302
    san_francisco.refresh_from_db()
    assert san_francisco.closed_on == dt.date(2010, 8, 1)


def test_the_api_takes_the_date_and_refuses_one_before_the_last_move_with_a_field_error(
    san_francisco: OptOutRequest, api: APIClient
) -> None:
    url = f"/api/v1/requests/{san_francisco.pk}/transitions/"
    moved = api.post(
        url,
        {"to": "notice_sent", "happened": "2010-12-03"},
        format="json",
        **if_match(san_francisco),
    )
    assert moved.status_code == 201, moved.content
    assert moved.json()["transition"]["happened"] == "2010-12-03"
    refused = api.post(
        url, {"to": "denied", "happened": "2010-11"}, format="json", **if_match(san_francisco)
    )
    assert refused.status_code == 400
    assert refused.json()["errors"] == {
        "happened": [
            "This move is dated November 2010, before the request's last move on 3 December 2010."
        ]
    }
    future = api.post(
        url, {"to": "denied", "happened": "2099"}, format="json", **if_match(san_francisco)
    )
    assert future.status_code == 400 and "happened" in future.json()["errors"]


def test_the_admin_takes_the_date_and_refuses_one_before_the_last_move(
    san_francisco: OptOutRequest, client: Client, admin_user: Any
) -> None:
    client.force_login(admin_user)
    url = reverse("admin:tracker_optoutrequest_transition", args=[san_francisco.pk])
    page = client.get(change_url(san_francisco)).content.decode()
    assert 'name="move-happened"' in page and f'value="{timezone.localdate()}"' in page
    client.post(url, {"move-to": "notice_sent", "move-happened": "2010-12-03", "move-version": 1})
    san_francisco.refresh_from_db()
    assert san_francisco.status == State.NOTICE_SENT
    response = client.post(
        url,
        {"move-to": "denied", "move-happened": "2010-11", "move-version": san_francisco.version},
        follow=True,
    )
    assert "before the request&#x27;s last move on 3 December 2010" in response.content.decode()
    san_francisco.refresh_from_db()
    assert san_francisco.status == State.NOTICE_SENT


def test_the_admins_bulk_move_takes_the_date(
    san_francisco: OptOutRequest, client: Client, admin_user: Any
) -> None:
    client.force_login(admin_user)
    client.post(
        changelist_url(OptOutRequest),
        {
            "action": "apply_transition",
            "_selected_action": [san_francisco.pk],
            "transition_to": "notice_sent",
            "transition_happened": "2010-12",
        },
    )
    move = Transition.objects.filter(request=san_francisco).last()
    assert move is not None and move.happened == PartialDate.parse("2010-12")
    assert move.happened_on_precision == DatePrecision.MONTH


# --- Restoring an old version never bypasses the workflow ---------------------------------


def _revert_url(request: OptOutRequest, record: Any) -> str:
    return reverse(
        "admin:tracker_optoutrequest_simple_history", args=[request.pk, record.history_id]
    )


def test_restoring_a_version_whose_status_the_workflow_cannot_reach_is_refused(
    san_francisco: OptOutRequest, editor: Any, client: Client, admin_user: Any
) -> None:
    draft = san_francisco.history.earliest()
    services.request_transition(request=san_francisco, to=State.NOTICE_SENT, by=editor)
    san_francisco.refresh_from_db()
    version = san_francisco.version

    client.force_login(admin_user)
    data = post_data(client.get(_revert_url(san_francisco, draft)))
    response = client.post(_revert_url(san_francisco, draft), data, follow=True)
    text = response.content.decode()
    assert "the workflow does not move a request from “Notice sent” to “Draft”" in text
    assert "Nothing was restored" in text
    san_francisco.refresh_from_db()
    assert (san_francisco.status, san_francisco.version) == (State.NOTICE_SENT, version)
    assert san_francisco.transitions.count() == 2


def test_restoring_a_version_moves_the_request_through_the_workflow_when_it_allows(
    san_francisco: OptOutRequest, editor: Any, client: Client, admin_user: Any
) -> None:
    services.request_transition(request=san_francisco, to=State.NOTICE_SENT, by=editor)
    san_francisco.refresh_from_db()
    noticed = san_francisco.history.latest()
    noticed_version = san_francisco.version
    services.request_transition(request=san_francisco, to=State.DENIED, by=editor)
    # A new letter: the workflow may renew the notice now.
    services.letter_log(
        request=san_francisco,
        by=editor,
        sender=AgencyFactory(kind=Agency.Kind.SHERIFF, level=Agency.Level.LOCAL),
        subject="Renewed notice",
    )
    client.force_login(admin_user)
    data = post_data(client.get(_revert_url(san_francisco, noticed)))
    response = client.post(_revert_url(san_francisco, noticed), data)
    assert response.status_code == 302
    san_francisco.refresh_from_db()
    assert san_francisco.status == State.NOTICE_SENT and san_francisco.closed_on is None
    move = san_francisco.transitions.last()
    assert move is not None and move.from_state == State.DENIED
    assert move.note == f"Restored from version {noticed_version}."
    assert san_francisco.has_sent_letter  # stored facts worked out again


# --- A planned meeting held or cancelled, on every surface --------------------------------


@pytest.fixture
def planned(san_francisco: OptOutRequest, editor: Any) -> Meeting:
    return services.meeting_record(request=san_francisco, by=editor, place="ICE, Washington")


def test_the_api_marks_a_planned_meeting_held_with_its_date_through_the_service(
    planned: Meeting, api: APIClient
) -> None:
    url = f"/api/v1/meetings/{planned.pk}/status/"
    undated = api.post(url, {"status": "held"}, format="json", **if_match(planned))
    assert undated.status_code == 400 and "held_on" in undated.json()["errors"]
    stale = api.post(
        url, {"status": "held", "held_on": "2011-01-20"}, format="json", HTTP_IF_MATCH='"99"'
    )
    assert stale.status_code == 412
    held = api.post(
        url, {"status": "held", "held_on": "2011-01-20"}, format="json", **if_match(planned)
    )
    assert held.status_code == 200, held.content
    assert held.json()["meeting"]["status"] == "held"
    assert held.json()["meeting"]["held_on"] == "2011-01-20"
    assert held["ETag"] == f'"{held.json()["meeting"]["version"]}"'


def test_a_meeting_cancelled_reads_the_same_on_the_page_the_api_and_the_admin(
    planned: Meeting, editor: Any, api: APIClient, editor_client: Client, admin_user: Any
) -> None:
    cancelled = api.post(
        f"/api/v1/meetings/{planned.pk}/status/",
        {"status": "cancelled"},
        format="json",
        **if_match(planned),
    )
    assert cancelled.status_code == 200
    assert api.get(f"/api/v1/meetings/{planned.pk}/").json()["status"] == "cancelled"
    page = editor_client.get(planned.request.get_absolute_url()).content.decode()
    entry = page[page.index(f'id="meeting-{planned.pk}"') :]
    assert "Cancelled" in entry[: entry.index("</li>")]
    admin = Client()
    admin.force_login(admin_user)
    listing = admin.get(changelist_url(Meeting)).content.decode()
    assert "Cancelled" in listing


def test_the_admin_marks_meetings_held_through_the_service(
    planned: Meeting, client: Client, admin_user: Any
) -> None:
    client.force_login(admin_user)
    url = changelist_url(Meeting)
    refused = client.post(
        url, {"action": "mark_held", "_selected_action": [planned.pk]}, follow=True
    )
    planned.refresh_from_db()
    assert planned.status == Meeting.Status.PLANNED
    assert "date" in refused.content.decode().lower()
    client.post(
        url, {"action": "mark_held", "_selected_action": [planned.pk], "held_on": "2011-01-20"}
    )
    planned.refresh_from_db()
    assert planned.status == Meeting.Status.HELD
    assert planned.held == PartialDate.parse("2011-01-20")
    assert planned.history.latest().history_user == admin_user
