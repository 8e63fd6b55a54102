"""`backup` writes everything, `restore` brings it back exactly, or changes nothing.

The database is emptied between the two, as a new server's would be; afterwards every
row of every archived table (history included) and every attachment's bytes must be
the same as before, row by row. Runs on SQLite and, in CI, on PostgreSQL.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError

from core.backups import MANIFEST, NOT_ARCHIVED
from core.tokens import api_token_create
from tests.factories import AgencyFactory, LetterFactory, ResponseFactory
from tracker.domain import services
from tracker.domain.roles import EDITORS
from tracker.domain.workflow import State
from tracker.models import Letter, OptOutRequest

pytestmark = pytest.mark.django_db(transaction=True)


def every_row() -> dict[str, list[Any]]:
    """Every row of every archived table, as the database holds it."""
    skipped = set(NOT_ARCHIVED)
    rows: dict[str, list[Any]] = {}
    for model in apps.get_models():
        if model._meta.app_label in skipped or model._meta.label_lower in skipped:
            continue
        values = model._default_manager.order_by("pk").values()
        rows[model._meta.label_lower] = [dict(row) for row in values]
    # Many-to-many links (recipients, group members, group permissions by name).
    rows["links: letter recipients"] = sorted(
        Letter.recipients.through.objects.values_list("letter_id", "agency_id")
    )
    rows["links: group permissions"] = sorted(
        Group.permissions.through.objects.values_list(
            "group__name", "permission__content_type__app_label", "permission__codename"
        )
    )
    user_model = apps.get_model("auth.user")
    rows["links: user groups"] = sorted(
        user_model.groups.through.objects.values_list("user__username", "group__name")
    )
    return rows


@pytest.fixture
def coalition_data(letter_with_pdf: Letter, editor: Any) -> Letter:
    """A request with letters to recipients, a reply, a move, an edit (history), an
    attachment and an API token."""
    request = letter_with_pdf.request
    ice = AgencyFactory(name="ICE Secure Communities")
    LetterFactory(request=request, recipients=[ice], by=editor)
    ResponseFactory(request=request, agency=ice, letter=letter_with_pdf, by=editor)
    services.request_transition(request=request, to=State.NOTICE_SENT, by=editor)
    api_token_create(user=editor, name="backups")
    return letter_with_pdf


def empty_the_database() -> None:
    """What a new server has: the schema and what the migrations create, nothing else."""
    call_command("flush", interactive=False, verbosity=0)


def test_a_restore_brings_back_every_row_history_and_attachment(
    coalition_data: Letter, tmp_path: Path
) -> None:
    before = every_row()
    scan = coalition_data.attachment.name
    scan_bytes = default_storage.open(scan, "rb").read()
    archive = tmp_path / "coalition.zip"
    call_command("backup", str(archive), verbosity=0)

    empty_the_database()
    default_storage.delete(scan)
    assert not OptOutRequest.objects.exists()

    call_command("restore", str(archive), verbosity=0)

    after = every_row()
    assert after.keys() == before.keys()
    for table, rows in before.items():
        assert len(after[table]) == len(rows), table
        if table.startswith("links"):
            assert after[table] == rows, table
            continue
        for restored, original in zip(after[table], rows, strict=True):
            changed = {k: (v, restored.get(k)) for k, v in original.items() if restored.get(k) != v}
            assert not changed, (table, changed)
    assert sum(len(rows) for rows in before.values()) > 30
    assert len(before["tracker.historicalletter"]) >= 2
    assert default_storage.open(scan, "rb").read() == scan_bytes


def test_the_archive_says_what_it_holds(coalition_data: Letter, tmp_path: Path) -> None:
    archive = tmp_path / "coalition.zip"
    call_command("backup", str(archive), verbosity=0)
    with zipfile.ZipFile(archive) as opened:
        manifest = json.loads(opened.read(MANIFEST))
        names = opened.namelist()
    assert manifest["counts"]["tracker.letter"] == Letter.objects.count() == 2
    assert manifest["counts"]["tracker.optoutrequest"] == 1
    assert manifest["migrations"]["tracker"]
    assert f"attachments/{coalition_data.attachment.name}" in names
    assert list(manifest["attachments"]) == [coalition_data.attachment.name]


def test_a_restore_into_a_database_with_records_changes_nothing(
    coalition_data: Letter, tmp_path: Path
) -> None:
    archive = tmp_path / "coalition.zip"
    call_command("backup", str(archive), verbosity=0)
    before = every_row()
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(archive), verbosity=0)
    assert every_row() == before


def test_a_damaged_archive_is_refused_and_nothing_is_written(
    coalition_data: Letter, tmp_path: Path
) -> None:
    archive = tmp_path / "coalition.zip"
    call_command("backup", str(archive), verbosity=0)
    scan = coalition_data.attachment.name
    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == f"attachments/{scan}":
                content = content.replace(b"PDF", b"XXX")
            target.writestr(item, content)
    empty_the_database()
    default_storage.delete(scan)
    group_names = set(Group.objects.values_list("name", flat=True))

    with pytest.raises(CommandError, match="damaged"):
        call_command("restore", str(damaged), verbosity=0)

    assert not OptOutRequest.objects.exists()
    assert not Letter.objects.exists()
    assert set(Group.objects.values_list("name", flat=True)) == group_names
    assert EDITORS in group_names
    assert not default_storage.exists(scan)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "No archive"),
        (b"not a zip", "not a readable archive"),
        ("no manifest", "no manifest.json"),
        ("format 99", "format 99"),
    ],
)
def test_what_is_not_an_archive_is_refused_with_the_reason(
    db: None, tmp_path: Path, content: bytes | str | None, message: str
) -> None:
    path = tmp_path / "archive.zip"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content == "no manifest":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("data.json", "[]")
    elif content == "format 99":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr(MANIFEST, json.dumps({"format": 99}))
    with pytest.raises(CommandError, match=message):
        call_command("restore", str(path), verbosity=0)
    assert not OptOutRequest.objects.exists()


def test_an_archive_from_a_newer_version_is_refused(db: None, tmp_path: Path) -> None:
    path = tmp_path / "archive.zip"
    manifest = {
        "format": 1,
        "written_at": "2030-01-01T00:00:00+00:00",
        "database": "postgresql",
        "migrations": {"tracker": ["0999_from_the_future"]},
        "counts": {},
    }
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(MANIFEST, json.dumps(manifest))
        archive.writestr("data.json", "[]")
    with pytest.raises(CommandError, match="newer version"):
        call_command("restore", str(path), verbosity=0)


def test_a_backup_never_leaves_a_half_written_archive(db: None, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="does not exist"):
        call_command("backup", str(tmp_path / "missing" / "archive.zip"), verbosity=0)
    with pytest.raises(CommandError, match="is a folder"):
        call_command("backup", str(tmp_path), verbosity=0)
    assert list(tmp_path.iterdir()) == []


def test_an_archive_written_on_sqlite_by_an_earlier_version_restores_here(db: None) -> None:
    """tests/data/archive-2010-record.zip: the 2010 record and two accounts, written by
    `backup` on SQLite at migration tracker 0010. Restored on whichever database runs the
    suite (PostgreSQL in CI), then migrated to this version."""
    archive = Path(__file__).resolve().parent.parent / "data" / "archive-2010-record.zip"
    empty_the_database()
    call_command("restore", str(archive), verbosity=0)

    with zipfile.ZipFile(archive) as opened:
        counts = json.loads(opened.read(MANIFEST))["counts"]
    assert OptOutRequest.objects.count() == counts["tracker.optoutrequest"] == 4
    assert Letter.objects.count() == counts["tracker.letter"]
    user_model = apps.get_model("auth.user")
    editor = user_model.objects.get(username="editor")
    assert editor.groups.filter(name=EDITORS).exists()
    assert editor.has_perm("tracker.change_letter")
    # The stored state the services keep is as the services would have written it.
    assert services.letters_recompute_awaiting() == 0
    assert services.requests_recompute_facts() == 0
    assert OptOutRequest.objects.filter(has_sent_letter=True).exists()
