"""Reminders: one digest per owner, each overdue letter at most once a day."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError

from tests.factories import AgencyFactory, LetterFactory, RequestFactory, ResponseFactory
from tracker.domain.reminders import send_reminders
from tracker.domain.tasks import send_reminders_task
from tracker.models import Letter, OptOutRequest, ReminderLog

pytestmark = pytest.mark.django_db

DUE = dt.date(2010, 10, 7)
DAY_AFTER = dt.date(2010, 10, 8)


def overdue_letter(owner: Any, subject: str = "Notice to ICE", **extra: Any) -> Letter:
    """Sent 7 Sep 2010 to an agency with a 30-day window: due 7 Oct, very overdue after 6 Nov."""
    return LetterFactory(
        request=RequestFactory(owner=owner),
        subject=subject,
        sent_on=dt.date(2010, 9, 7),
        recipients=[AgencyFactory(reply_window_days=30)],
        **extra,
    )


@pytest.fixture
def owner(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user(
        username="angela", email="angela@example.org", first_name="Angela", is_staff=True
    )


def test_an_owner_gets_one_digest_of_their_overdue_letters(owner: Any) -> None:
    first = overdue_letter(owner, "First notice")
    second = overdue_letter(owner, "Second notice")
    run = send_reminders(DAY_AFTER)
    (message,) = mail.outbox
    assert message.to == ["angela@example.org"]
    assert message.subject == "Opt-Out Tracker: 2 overdue letters waiting for a reply"
    assert '"First notice"' in message.body and '"Second notice"' in message.body
    assert "due 2010-10-07: 30 calendar days after it was sent on 2010-09-07" in message.body
    assert "1 day overdue" in message.body
    assert run.sent == [("angela@example.org", [first.reference, second.reference])]
    assert ReminderLog.objects.filter(date=DAY_AFTER).count() == 2


def test_running_again_the_same_day_sends_nothing_more(owner: Any) -> None:
    letter = overdue_letter(owner)
    send_reminders(DAY_AFTER)
    run = send_reminders(DAY_AFTER)
    assert len(mail.outbox) == 1
    assert run.sent == [] and run.already_reminded == [letter.reference]


def test_a_letter_still_overdue_the_next_day_is_reminded_again(owner: Any) -> None:
    overdue_letter(owner)
    send_reminders(DAY_AFTER)
    send_reminders(DAY_AFTER + dt.timedelta(days=1))
    assert len(mail.outbox) == 2


def test_a_new_overdue_letter_the_same_day_gets_its_own_reminder(owner: Any) -> None:
    overdue_letter(owner, "First")
    send_reminders(DAY_AFTER)
    overdue_letter(owner, "Second")
    send_reminders(DAY_AFTER)
    assert len(mail.outbox) == 2
    assert '"First"' not in mail.outbox[1].body and '"Second"' in mail.outbox[1].body


@pytest.mark.parametrize("owners", [5, 50])
def test_a_run_takes_three_queries_plus_six_per_owner(
    django_user_model: Any, owners: int, django_assert_num_queries: Any
) -> None:
    for n in range(owners):
        person = django_user_model.objects.create_user(
            username=f"o{n}", email=f"o{n}@example.org", is_staff=True
        )
        for _ in range(1 + n % 3):
            overdue_letter(person)
    # Expect 3 reads whatever the number of letters: overdue letters (with request,
    # jurisdiction, owner), their recipients, holidays. Then 6 per owner, whatever the
    # number of their letters: savepoint of the owner's transaction, letters already
    # reminded today, savepoint, one INSERT of all claims, release, release.
    with django_assert_num_queries(3 + 6 * owners):
        run = send_reminders(DAY_AFTER)
    assert len(run.sent) == owners


def test_letters_not_yet_late_or_answered_are_left_out(owner: Any) -> None:
    overdue_letter(owner)
    assert send_reminders(DUE).sent == []  # due today is not late
    answered = overdue_letter(owner, "Answered")
    ResponseFactory(
        request=answered.request,
        letter=answered,
        agency=answered.recipients.get(),
        responded_on=dt.date(2010, 10, 20),
    )
    send_reminders(DAY_AFTER)
    assert '"Answered"' not in mail.outbox[0].body


def test_a_very_overdue_letter_says_so(owner: Any) -> None:
    overdue_letter(owner)
    send_reminders(dt.date(2010, 11, 7))
    assert "VERY OVERDUE" in mail.outbox[0].body


def test_an_owner_without_an_email_is_reported_not_crashed_on(
    django_user_model: Any, caplog: Any
) -> None:
    nobody = django_user_model.objects.create_user(username="no-email", is_staff=True)
    letter = overdue_letter(nobody)
    unowned = overdue_letter(None, "Nobody's")
    run = send_reminders(DAY_AFTER)
    assert mail.outbox == []
    assert run.owners_without_email == ["no-email"]
    assert run.letters_without_owner == [unowned.reference]
    assert not ReminderLog.objects.filter(letter=letter).exists()
    assert "No reminder for no-email: no email address" in caplog.text


def test_a_failed_send_rolls_back_its_claims_so_the_next_run_retries(owner: Any) -> None:
    overdue_letter(owner)
    with (
        mock.patch(
            "django.core.mail.EmailMultiAlternatives.send", side_effect=OSError("SMTP down")
        ),
        pytest.raises(OSError, match="SMTP down"),
    ):
        send_reminders(DAY_AFTER)
    assert not ReminderLog.objects.exists()
    send_reminders(DAY_AFTER)
    assert len(mail.outbox) == 1


def test_the_database_refuses_a_second_reminder_for_the_same_letter_and_day(owner: Any) -> None:
    letter = overdue_letter(owner)
    ReminderLog.objects.create(letter=letter, date=DAY_AFTER, email="a@example.org")
    with pytest.raises(IntegrityError):
        ReminderLog.objects.create(letter=letter, date=DAY_AFTER, email="b@example.org")


def test_a_claim_made_by_a_concurrent_run_is_respected(owner: Any) -> None:
    letter = overdue_letter(owner)
    # Another run claimed the letter between this run's read and its insert.
    ReminderLog.objects.create(letter=letter, date=DAY_AFTER, email=owner.email)
    run = send_reminders(DAY_AFTER)
    assert mail.outbox == [] and run.already_reminded == [letter.reference]


def test_a_claim_made_after_this_run_looked_is_respected(owner: Any) -> None:
    first = overdue_letter(owner, "First")
    second = overdue_letter(owner, "Second")
    # Another run claims the first letter after this run checked what was reminded.
    ReminderLog.objects.create(letter=first, date=DAY_AFTER, email=owner.email)
    with mock.patch("tracker.domain.reminders.reminded_on", return_value=set()):
        run = send_reminders(DAY_AFTER)
    assert run.sent == [(owner.email, [second.reference])]
    assert run.already_reminded == [first.reference]
    assert '"First"' not in mail.outbox[0].body
    assert ReminderLog.objects.filter(date=DAY_AFTER).count() == 2


def test_the_command_reports_what_it_sent(owner: Any, capsys: Any) -> None:
    letter = overdue_letter(owner)
    call_command("send_reminders", "--date", "2010-10-08")
    out = capsys.readouterr().out
    assert "2010-10-08: sent 1 reminder(s) about 1 overdue letter(s)." in out
    assert f"to angela@example.org: {letter.reference}" in out
    call_command("send_reminders", "--date", "2010-10-08")
    assert f"Already reminded today (not sent again): {letter.reference}" in (
        capsys.readouterr().out
    )


def test_the_command_uses_today_by_default(owner: Any) -> None:
    overdue_letter(owner)
    with time_machine.travel(dt.datetime(2010, 10, 7, 15, 0, tzinfo=dt.UTC), tick=False):
        call_command("send_reminders")
    assert mail.outbox == []
    with time_machine.travel(dt.datetime(2010, 10, 8, 15, 0, tzinfo=dt.UTC), tick=False):
        call_command("send_reminders")
    assert len(mail.outbox) == 1


def test_the_command_refuses_a_bad_date() -> None:
    with pytest.raises(CommandError, match="not a date"):
        call_command("send_reminders", "--date", "2010-02-30")


def test_the_same_job_runs_as_a_task(owner: Any) -> None:
    letter = overdue_letter(owner)
    result = send_reminders_task.enqueue("2010-10-08")
    assert result.return_value["sent"] == [
        {"to": "angela@example.org", "letters": [letter.reference]}
    ]
    assert len(mail.outbox) == 1
    again = send_reminders_task.enqueue("2010-10-08")
    assert again.return_value["already_reminded"] == [letter.reference]
    assert len(mail.outbox) == 1


def test_san_franciscos_second_letter_reaches_its_owner(record_2010: None, owner: Any) -> None:
    OptOutRequest.objects.filter(reference="san-francisco-2010").update(owner=owner)
    send_reminders(dt.date(2011, 3, 2))
    (message,) = mail.outbox
    assert "Second request to opt out, following ICE's instructions" in message.body
    assert "VERY OVERDUE" in message.body
    assert "known only as 2010" in message.body


def _run_twice_at_once() -> list[str]:
    """Two runs that both read the overdue letters before either claims one."""
    from django.db import connection

    from tracker.domain import reminders

    barrier = threading.Barrier(2, timeout=30)
    read = reminders.overdue_by_owner
    outcomes: list[str] = []

    def read_then_wait(today: dt.date) -> Any:
        found = read(today)
        barrier.wait()
        return found

    def run() -> None:
        try:
            result = send_reminders(DAY_AFTER)
            outcomes.append("sent" if result.sent else "skipped")
        finally:
            connection.close()

    with mock.patch.object(reminders, "overdue_by_owner", read_then_wait):
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_moment_send_one_reminder(owner: Any) -> None:
    overdue_letter(owner)
    assert sorted(_run_twice_at_once()) == ["sent", "skipped"]
    assert len(mail.outbox) == 1
    assert ReminderLog.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_moment_send_one_reminder_on_postgresql(owner: Any) -> None:
    overdue_letter(owner)
    assert sorted(_run_twice_at_once()) == ["sent", "skipped"]
    assert len(mail.outbox) == 1
    assert ReminderLog.objects.count() == 1


def test_the_digest_can_be_written_in_spanish(owner: Any) -> None:
    overdue_letter(owner, "First notice")
    call_command("send_reminders", "--date", "2010-10-08", "--language", "es")
    (message,) = mail.outbox
    assert message.subject == "Opt-Out Tracker: 1 carta atrasada espera respuesta"
    assert message.body.startswith("Hola, Angela:")
    assert "Al 8 de octubre de 2010, 1 carta" in message.body
    assert (
        "vence el 2010-10-07: 30 días naturales después de su envío el 2010-09-07" in message.body
    )
    # The letter's subject is the record's own words.
    assert '"First notice"' in message.body


def test_the_digest_refuses_a_language_the_site_does_not_have(owner: Any) -> None:
    with pytest.raises(CommandError):
        call_command("send_reminders", "--date", "2010-10-08", "--language", "fr")
