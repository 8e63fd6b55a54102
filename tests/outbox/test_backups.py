"""A restore onto a new server keeps the coalition's own letter templates."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

from outbox.defaults import TEMPLATES
from outbox.models import LetterTemplate

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_restore_replaces_the_templates_a_new_server_starts_with(tmp_path: Path) -> None:
    for values in TEMPLATES:  # what the migrations write (a transactional test flushed them)
        LetterTemplate.objects.get_or_create(reference=values["reference"], defaults=values)
    edited = LetterTemplate.objects.get(kind=LetterTemplate.Kind.FOLLOW_UP)
    edited.body = "Our own follow-up to {{ recipient.name }}."
    edited.save()
    archive = tmp_path / "coalition.zip"
    call_command("backup", str(archive), verbosity=0)

    # A new server: migrated, so it has the templates it starts with, and nothing else.
    call_command("flush", interactive=False, verbosity=0)
    # (as the migration writes them: no history rows)
    LetterTemplate.objects.bulk_create([LetterTemplate(**values) for values in TEMPLATES])
    call_command("restore", str(archive), verbosity=0)

    assert LetterTemplate.objects.count() == len(TEMPLATES)
    restored = LetterTemplate.objects.get(kind=LetterTemplate.Kind.FOLLOW_UP)
    assert restored.body == "Our own follow-up to {{ recipient.name }}."
