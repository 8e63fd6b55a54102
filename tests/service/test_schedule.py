"""The schedule: each job's slot is enqueued once, however many schedulers look."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connections
from django_tasks_db.models import DBTaskResult

from core import schedule
from core.models import ScheduledRun
from tests.service.conftest import run_queued_tasks
from tests.service.tasks import runs_of

pytestmark = [pytest.mark.usefixtures("queued_tasks")]

NEW_YORK = dt.timezone(dt.timedelta(hours=-5))  # America/New_York in November


@pytest.fixture
def group_every_five_minutes(settings: Any) -> None:
    settings.TASK_SCHEDULE = {
        "groups": {"task": "tests.service.tasks.make_group", "every_minutes": 5}
    }


def test_a_daily_job_s_slot_is_its_time_today_once_passed_else_yesterday(settings: Any) -> None:
    settings.TIME_ZONE = "America/New_York"
    job = schedule.Job(name="reminders", task_path="x", daily_at=dt.time(7, 0))
    before = dt.datetime(2026, 11, 30, 6, 59, tzinfo=NEW_YORK)
    after = dt.datetime(2026, 11, 30, 7, 0, tzinfo=NEW_YORK)
    assert job.latest_slot(before) == dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)
    assert job.latest_slot(after) == dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


def test_a_job_every_few_minutes_has_a_slot_per_interval() -> None:
    job = schedule.Job(name="mailbox", task_path="x", every_minutes=5)
    at = dt.datetime(2026, 11, 30, 9, 14, 59, tzinfo=dt.UTC)
    assert job.latest_slot(at) == dt.datetime(2026, 11, 30, 9, 10, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_reminders_pruning_and_warming_are_enqueued_once_a_slot() -> None:
    with time_machine.travel(dt.datetime(2026, 11, 30, 13, 0, tzinfo=dt.UTC), tick=False):
        first = schedule.run_due_jobs(claimed_by="one")
        again = schedule.run_due_jobs(claimed_by="two")
    assert sorted(run.job for run in first) == [
        "announce-overdue-replies",
        "prune-task-results",
        "send-letters",
        "send-reminders",
        "send-webhooks",
        "warm-drawings",
    ]
    assert again == []
    paths = sorted(DBTaskResult.objects.values_list("task_path", flat=True))
    assert paths == [
        "core.background.prune_task_results",
        "core.webhooks.send_due_webhooks_task",
        "outbox.sending.send_due_drafts_task",
        "tracker.domain.tasks.announce_overdue_replies_task",
        "tracker.domain.tasks.send_reminders_task",
        "tracker.visuals.warm_drawings_task",
    ]
    with time_machine.travel(dt.datetime(2026, 12, 1, 13, 0, tzinfo=dt.UTC), tick=False):
        next_day = schedule.run_due_jobs()
    assert len(next_day) == 6
    run_queued_tasks()
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("group_every_five_minutes")
def test_schedulers_looking_at_the_same_moment_enqueue_the_slot_once() -> None:
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def look() -> None:
        try:
            start.wait()
            with time_machine.travel(dt.datetime(2026, 11, 30, 9, 0, 30, tzinfo=dt.UTC)):
                schedule.run_due_jobs()
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=look) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert ScheduledRun.objects.count() == 1
    assert DBTaskResult.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("group_every_five_minutes")
def test_run_schedule_once_enqueues_what_is_due_and_a_worker_runs_it() -> None:
    call_command("run_schedule", "--once")
    call_command("run_schedule", "--once")
    run_queued_tasks()
    assert runs_of("scheduled") == 1


@pytest.mark.parametrize(
    "entry",
    [
        {"every_minutes": 5},
        {"task": "tests.service.tasks.make_group"},
        {"task": "tests.service.tasks.make_group", "every_minutes": 0},
        {"task": "tests.service.tasks.make_group", "daily_at": "7am"},
        {"task": "tests.service.tasks.make_group", "daily_at": "07:00", "every_minutes": 5},
    ],
)
def test_a_malformed_schedule_is_an_error_naming_the_job(settings: Any, entry: Any) -> None:
    settings.TASK_SCHEDULE = {"broken": entry}
    with pytest.raises(ImproperlyConfigured, match="TASK_SCHEDULE\\['broken'\\]"):
        schedule.jobs()
