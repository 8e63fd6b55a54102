"""Tasks for the tests of the worker: their effects are rows another process can see."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import Group
from django.tasks import task


@task
def make_group(label: str = "scheduled") -> str:
    """Creates a group named ``label:<random>``; counting them counts the runs."""
    return Group.objects.create(name=f"{label}:{uuid.uuid4().hex[:8]}").name


@task
def fail(message: str) -> None:
    raise RuntimeError(message)


def runs_of(label: str) -> int:
    return Group.objects.filter(name__startswith=f"{label}:").count()
