"""Deadlines and the public record in the editors' admin: very-overdue column and
filter, the due-date explanation, due dates kept true after agency and holiday
edits, reminders and calendar addresses for admins only, publishing warnings."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from core.dates import PartialDate
from jurisdictions.models import Agency
from tests.admin.helpers import post_data
from tests.factories import AgencyFactory, RequestFactory, SourceFactory, StatementFactory
from tracker.domain import services
from tracker.models import CalendarToken, Letter, ReminderLog, Source

pytestmark = pytest.mark.django_db

#: Sent 7 Sep 2010 to an agency with a 30-calendar-day window: due 7 Oct, very
#: overdue after 6 Nov (twice the window).
SENT = dt.date(2010, 9, 7)
LAST_NOT_VERY = dt.datetime(2010, 11, 6, 12, 0, tzinfo=dt.UTC)
FIRST_VERY = dt.datetime(2010, 11, 7, 12, 0, tzinfo=dt.UTC)


def log_letter(by: Any, **extra: Any) -> Letter:
    agency: Agency = extra.pop("agency", None) or AgencyFactory(
        reply_window_days=30, reply_window_kind="calendar"
    )
    return services.letter_log(
        request=extra.pop("request", None) or RequestFactory(),
        by=by,
        sender=AgencyFactory(level=Agency.Level.LOCAL, kind=Agency.Kind.SHERIFF),
        recipients=[agency],
        subject=extra.pop("subject", "Notice to ICE"),
        sent_on=PartialDate.parse(SENT.isoformat()),
        **extra,
    )


def admin_url(name: str, *args: Any) -> str:
    return reverse(f"admin:{name}", args=args)


def shown_flags(response: Any) -> dict[int, bool]:
    """Each row's very-overdue column, as the changelist computed it ("—" when the flag
    is down, its word when it is raised)."""
    model_admin = response.context["cl"].model_admin
    column = getattr(model_admin, "is_very_overdue", None) or model_admin.has_very_overdue_letter
    return {row.pk: column(row) != "—" for row in response.context["cl"].result_list}


def test_a_letter_is_very_overdue_only_after_twice_its_window(
    editor_client: Client, editor: Any
) -> None:
    letter = log_letter(editor)
    assert (letter.due_on, letter.very_overdue_on) == (dt.date(2010, 10, 7), dt.date(2010, 11, 6))
    url = admin_url("tracker_letter_changelist")
    with time_machine.travel(LAST_NOT_VERY, tick=False):
        assert shown_flags(editor_client.get(url)) == {letter.pk: False}
        assert list(editor_client.get(url, {"very_overdue": "yes"}).context["cl"].result_list) == []
    with time_machine.travel(FIRST_VERY, tick=False):
        assert shown_flags(editor_client.get(url)) == {letter.pk: True}
        filtered = editor_client.get(url, {"very_overdue": "yes"}).context["cl"].result_list
        assert [row.pk for row in filtered] == [letter.pk]
        unfiltered = editor_client.get(url, {"very_overdue": "no"}).context["cl"].result_list
        assert list(unfiltered) == []


def test_a_reply_ends_the_very_overdue_flag(editor_client: Client, editor: Any) -> None:
    letter = log_letter(editor)
    services.response_record(
        request=letter.request,
        by=editor,
        agency=letter.recipients.get(),
        letter=letter,
        kind="acknowledged",
    )
    with time_machine.travel(FIRST_VERY, tick=False):
        response = editor_client.get(admin_url("tracker_letter_changelist"))
    assert shown_flags(response) == {letter.pk: False}


def test_the_requests_changelist_flags_a_request_with_a_very_overdue_letter(
    editor_client: Client, editor: Any
) -> None:
    letter = log_letter(editor)
    quiet = RequestFactory()
    url = admin_url("tracker_optoutrequest_changelist")
    with time_machine.travel(LAST_NOT_VERY, tick=False):
        assert shown_flags(editor_client.get(url)) == {letter.request_id: False, quiet.pk: False}
    with time_machine.travel(FIRST_VERY, tick=False):
        response = editor_client.get(url)
        assert shown_flags(response) == {letter.request_id: True, quiet.pk: False}
        assert "very overdue" in response.text
        filtered = editor_client.get(url, {"very_overdue": "yes"}).context["cl"].result_list
    assert [r.pk for r in filtered] == [letter.request_id]


def test_the_letter_page_explains_both_dates(editor_client: Client, editor: Any) -> None:
    letter = log_letter(editor)
    page = editor_client.get(admin_url("tracker_letter_change", letter.pk)).text
    assert "due 2010-10-07: 30 calendar days after it was sent on 2010-09-07" in page
    assert "2010-11-06" in page
    assert "very overdue after" in page.lower()


def test_changing_an_agencys_reply_window_in_the_admin_moves_its_letters_due_dates(
    editor_client: Client, editor: Any
) -> None:
    ice = AgencyFactory(reply_window_days=30, reply_window_kind="calendar")
    letter = log_letter(editor, agency=ice)
    url = admin_url("jurisdictions_agency_change", ice.pk)
    data = post_data(editor_client.get(url))
    data["reply_window_days"] = "10"
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    letter.refresh_from_db()
    assert (letter.due_on, letter.very_overdue_on) == (dt.date(2010, 9, 17), dt.date(2010, 9, 27))


def test_adding_a_holiday_in_the_admin_moves_business_day_due_dates(
    editor_client: Client, editor: Any
) -> None:
    sib = AgencyFactory(reply_window_days=1, reply_window_kind="business")
    letter = log_letter(editor, agency=sib)  # Tuesday 7 Sep: due Wednesday 8 Sep
    assert letter.due_on == dt.date(2010, 9, 8)
    url = admin_url("tracker_holiday_add")
    data = post_data(editor_client.get(url))
    data.update({"date": "2010-09-08", "name": "Office closed"})
    assert editor_client.post(url, data).status_code == 302
    letter.refresh_from_db()
    assert letter.due_on == dt.date(2010, 9, 9)


def test_the_admins_letters_csv_has_the_due_and_very_overdue_columns(
    editor_client: Client, editor: Any
) -> None:
    letter = log_letter(editor)
    with time_machine.travel(FIRST_VERY, tick=False):
        response = editor_client.get(admin_url("tracker_letter_export"), {"very_overdue": "yes"})
    text = b"".join(response.streaming_content).decode()
    (row,) = csv.DictReader(io.StringIO(text))
    assert row["reference"] == letter.reference
    assert (row["due_on"], row["overdue"]) == ("2010-10-07", "yes")
    assert (row["very_overdue_on"], row["very_overdue"]) == ("2010-11-06", "yes")
    assert row["due_explanation"].startswith("due 2010-10-07: 30 calendar days")
    assert row["very_overdue_explanation"]


# --- Reminders sent and calendar addresses: admins only --------------------------------


def test_an_admin_reads_reminders_and_calendar_addresses_without_seeing_the_secret(
    client: Client, admin_user: Any, editor: Any
) -> None:
    token = services.calendar_token_create(user=editor)
    letter = log_letter(editor)
    ReminderLog.objects.create(letter=letter, date=dt.date(2010, 10, 8), email="a@example.org")
    client.force_login(admin_user)
    index = client.get(admin_url("index")).text
    assert admin_url("tracker_calendartoken_changelist") in index
    tokens = client.get(admin_url("tracker_calendartoken_changelist"))
    assert tokens.status_code == 200
    assert token.token not in tokens.text
    page = client.get(admin_url("tracker_calendartoken_change", token.pk))
    assert page.status_code == 200
    assert token.token not in page.text
    assert 'name="_save"' not in page.text  # read-only
    reminders = client.get(admin_url("tracker_reminderlog_changelist"))
    assert reminders.status_code == 200
    assert "a@example.org" in reminders.text


@pytest.mark.parametrize("who", ["editor", "viewer"])
def test_editors_and_viewers_never_see_calendar_addresses_or_reminders(
    client: Client, request: Any, who: str
) -> None:
    user = request.getfixturevalue(who)
    token = services.calendar_token_create(user=user)
    client.force_login(user)
    for name in ("calendartoken", "reminderlog"):
        assert client.get(admin_url(f"tracker_{name}_changelist")).status_code == 403
    assert client.get(admin_url("tracker_calendartoken_change", token.pk)).status_code == 403
    index = client.get(admin_url("index")).text
    assert admin_url("tracker_calendartoken_changelist") not in index
    assert admin_url("tracker_reminderlog_changelist") not in index


@pytest.mark.parametrize("rows", [5, 50])
def test_the_admin_only_lists_need_the_same_queries_for_5_and_50_rows(
    client: Client,
    admin_user: Any,
    django_user_model: Any,
    rows: int,
    django_assert_num_queries: Any,
) -> None:
    letter = log_letter(admin_user)
    for i in range(rows):
        user = django_user_model.objects.create_user(username=f"person{i}")
        CalendarToken.objects.create(user=user)
        ReminderLog.objects.create(
            letter=letter, date=dt.date(2010, 10, 8) + dt.timedelta(days=i), email="a@example.org"
        )
    client.force_login(admin_user)
    for name in ("calendartoken", "reminderlog"):
        client.get(admin_url(f"tracker_{name}_changelist"))
    # Expect 4 queries each: session, user, one count, rows with the user (tokens)
    # or the letter and recipient (reminders) joined; a superuser needs no
    # permission queries. The reminders' date drill-down adds 1 (the date range).
    with django_assert_num_queries(4):
        assert client.get(admin_url("tracker_calendartoken_changelist")).status_code == 200
    with django_assert_num_queries(5):
        assert client.get(admin_url("tracker_reminderlog_changelist")).status_code == 200


# --- Publishing warnings -------------------------------------------------------------------


def warnings_on(client: Client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_public_letter_of_a_private_request_carries_a_warning(
    editor_client: Client, editor: Any
) -> None:
    letter = log_letter(editor, request=RequestFactory(is_public=False), is_public=True)
    hidden, uncited = warnings_on(editor_client, admin_url("tracker_letter_change", letter.pk))
    assert "marked public but is not shown on the public pages" in hidden
    # It cites no source either: published or not, the editor is told.
    assert "cites no source" in uncited
    request_warnings = warnings_on(
        editor_client, admin_url("tracker_optoutrequest_change", letter.request_id)
    )
    assert request_warnings == [
        "1 letter(s), response(s) or meeting(s) of this request are marked public but are "
        "not shown on the public pages, because the request is not public."
    ]


def test_no_warning_once_the_request_is_public_too(editor_client: Client, editor: Any) -> None:
    seed: Source = SourceFactory(seed="003")
    letter = log_letter(
        editor, request=RequestFactory(is_public=True, sources=[seed]), is_public=True
    )
    letter.sources.set([seed])
    assert warnings_on(editor_client, admin_url("tracker_letter_change", letter.pk)) == []
    assert (
        warnings_on(editor_client, admin_url("tracker_optoutrequest_change", letter.request_id))
        == []
    )


def test_a_statement_marked_public_is_published_without_a_warning(
    editor_client: Client,
) -> None:
    statement = StatementFactory(is_public=True, sources=[SourceFactory(seed="000")])
    assert warnings_on(editor_client, admin_url("tracker_statement_change", statement.pk)) == []


def test_a_public_statement_citing_no_source_carries_a_warning(editor_client: Client) -> None:
    statement = StatementFactory(is_public=True)
    (warning,) = warnings_on(editor_client, admin_url("tracker_statement_change", statement.pk))
    assert "cites no source" in warning


@pytest.mark.parametrize(
    ("changelist", "parameter", "on_requests"),
    [
        ("tracker_letter_changelist", "overdue", False),
        ("tracker_letter_changelist", "very_overdue", False),
        ("tracker_optoutrequest_changelist", "overdue", True),
        ("tracker_optoutrequest_changelist", "very_overdue", True),
    ],
)
def test_each_overdue_filter_splits_the_list_into_yes_and_no(
    editor_client: Client, editor: Any, changelist: str, parameter: str, on_requests: bool
) -> None:
    late = log_letter(editor, subject="Late")
    answered = log_letter(editor, subject="Answered")
    services.response_record(
        request=answered.request,
        by=editor,
        agency=AgencyFactory(),
        letter=answered,
        kind="acknowledged",
    )

    def shown(value: str) -> set[int]:
        with time_machine.travel(FIRST_VERY, tick=False):
            response = editor_client.get(admin_url(changelist), {parameter: value})
        return {row.pk for row in response.context["cl"].result_list}

    if on_requests:
        assert shown("yes") == {late.request_id}
        assert late.request_id not in shown("no")
        assert answered.request_id in shown("no")
    else:
        assert shown("yes") == {late.pk}
        assert shown("no") == {answered.pk}
