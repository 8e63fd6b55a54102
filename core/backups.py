"""A complete archive of an installation, and its restore into an empty database.

One zip file holds everything a coalition would lose with its server: every
record of every app with its history (the field-by-field change log), the user
accounts, groups and API tokens, and every attachment file. It is plain JSON
(Django's serialization), so an archive written on SQLite restores on
PostgreSQL and the other way round.

The archive also names the migrations the database had. A restore migrates the
empty database to the running version and loads the rows into it: fields added
since the archive was written take their defaults, and each app works out again
the columns it derives from other rows (``archive_restored``), so an archive from
an older release restores into a newer one; one from a newer release is refused.

Both directions are all-or-nothing: the archive file appears only once it is
complete, and a restore that fails anywhere leaves the database and the media
folder as they were.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.dispatch import Signal
from django.test.utils import override_settings

#: The archive layout; a restore refuses any other (raise it when the layout changes).
ARCHIVE_FORMAT = 1
MANIFEST = "manifest.json"
DATA = "data.json"
#: Django's JSON, with times to the microsecond (``core.serialization``).
DATA_FORMAT = "exactjson"
ATTACHMENTS = "attachments/"

#: Rows every migrated database makes for itself: never archived. Content types and
#: permissions are referred to by their natural keys (app label, model, codename),
#: sessions are sign-ins that a restore must not resurrect.
NOT_ARCHIVED = ("contenttypes", "auth.permission", "sessions")

#: Rows the migrations create in an empty database (the role groups, the letter
#: templates) that the archive holds too, with the coalition's own changes: replaced by
#: the archive's.
REPLACED_ON_RESTORE = ("auth.group", "outbox.lettertemplate")


#: Sent inside the restore's transaction once every row is loaded: apps work out again
#: the columns they derive from other rows (the archive may come from a release that
#: did not store them).
archive_restored = Signal()


class ArchiveError(Exception):
    """The archive cannot be written or restored; nothing was changed."""


@dataclass
class Manifest:
    format: int
    written_at: str
    database: str
    migrations: dict[str, list[str]]
    counts: dict[str, int]
    attachments: dict[str, str] = field(default_factory=dict)  # name -> sha256
    missing_attachments: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, raw: bytes) -> Manifest:
        try:
            data = json.loads(raw)
            if data.get("format") != ARCHIVE_FORMAT:
                raise ArchiveError(
                    f"The archive is in format {data.get('format')}; this version reads "
                    f"format {ARCHIVE_FORMAT}."
                )
            return cls(
                format=int(data["format"]),
                written_at=str(data["written_at"]),
                database=str(data["database"]),
                migrations={str(k): [str(n) for n in v] for k, v in data["migrations"].items()},
                counts={str(k): int(v) for k, v in data["counts"].items()},
                attachments={str(k): str(v) for k, v in data.get("attachments", {}).items()},
                missing_attachments=[str(n) for n in data.get("missing_attachments", [])],
            )
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise ArchiveError(f"The archive's {MANIFEST} is not readable: {error}") from None


def _archived_models() -> list[type[models.Model]]:
    skipped_apps = {label for label in NOT_ARCHIVED if "." not in label}
    skipped_models = {label for label in NOT_ARCHIVED if "." in label}
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label not in skipped_apps
        and model._meta.label_lower not in skipped_models
        and model._meta.managed
        and not model._meta.proxy
    ]


def _counts() -> dict[str, int]:
    return {model._meta.label_lower: model._default_manager.count() for model in _archived_models()}


def _file_fields(model: type[models.Model]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


def _attachment_names() -> Iterator[str]:
    """Every file a record refers to (history rows included: a replaced attachment
    is still part of the record's history)."""
    seen: set[str] = set()
    for model in _archived_models():
        for name in _file_fields(model):
            for value in (
                model._default_manager.exclude(**{name: ""})
                .exclude(**{f"{name}__isnull": True})
                .values_list(name, flat=True)
                .iterator()
            ):
                if value not in seen:
                    seen.add(value)
                    yield value


def _applied_leaves() -> dict[str, list[str]]:
    """For each app, the newest applied migrations (what to migrate an empty database
    to before loading the rows)."""
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    applied = set(MigrationRecorder(connection).applied_migrations())
    leaves: dict[str, list[str]] = {}
    for app_label, name in sorted(applied):
        node = graph.node_map.get((app_label, name))
        if node is None:
            continue  # a migration this version no longer ships (squashed away)
        if any(child.key in applied and child.key[0] == app_label for child in node.children):
            continue
        leaves.setdefault(app_label, []).append(name)
    return leaves


@contextmanager
def _snapshot() -> Iterator[None]:
    """One consistent view of the database for the whole archive."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def write_archive(*, destination: Path) -> Manifest:
    """Write the complete archive to ``destination`` (replaced only once complete)."""
    destination = destination.resolve()
    if destination.is_dir():
        raise ArchiveError(f"{destination} is a folder: name the archive file to write.")
    if not destination.parent.is_dir():
        raise ArchiveError(f"The folder {destination.parent} does not exist.")
    handle, partial = tempfile.mkstemp(
        prefix=f".{destination.name}.", suffix=".partial", dir=destination.parent
    )
    os.close(handle)
    try:
        with _snapshot(), tempfile.TemporaryDirectory() as work:
            rows = Path(work) / DATA
            call_command(
                "dumpdata",
                exclude=list(NOT_ARCHIVED),
                format=DATA_FORMAT,
                natural_foreign=True,
                output=str(rows),
                verbosity=0,
            )
            manifest = Manifest(
                format=ARCHIVE_FORMAT,
                written_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                database=connection.vendor,
                migrations=_applied_leaves(),
                counts=_counts(),
            )
            with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                archive.write(rows, DATA)
                for name in _attachment_names():
                    if not default_storage.exists(name):
                        manifest.missing_attachments.append(name)
                        continue
                    digest = hashlib.sha256()
                    with (
                        default_storage.open(name, "rb") as source,
                        archive.open(ATTACHMENTS + name, "w", force_zip64=True) as target,
                    ):
                        for chunk in iter(lambda: source.read(1 << 20), b""):
                            digest.update(chunk)
                            target.write(chunk)
                    manifest.attachments[name] = digest.hexdigest()
                archive.writestr(MANIFEST, json.dumps(manifest.__dict__, indent=2))
        os.replace(partial, destination)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return manifest


def _holds_records() -> list[str]:
    """The archived models that hold rows in this database, other than what the
    migrations create by themselves."""
    return [
        f"{model._meta.label_lower} ({count})"
        for model in _archived_models()
        if model._meta.label_lower not in REPLACED_ON_RESTORE
        and (count := model._default_manager.count())
    ]


def _read_manifest(archive: zipfile.ZipFile) -> Manifest:
    try:
        raw = archive.read(MANIFEST)
    except KeyError:
        raise ArchiveError(f"Not an Opt-Out Tracker archive: it has no {MANIFEST}.") from None
    return Manifest.read(raw)


def _check_not_newer(manifest: Manifest) -> None:
    graph = MigrationExecutor(connection).loader.graph
    unknown = [
        f"{app}.{name}"
        for app, names in manifest.migrations.items()
        for name in names
        if (app, name) not in graph.node_map
    ]
    if unknown:
        raise ArchiveError(
            "The archive was written by a newer version (unknown migrations: "
            + ", ".join(unknown)
            + "): restore it with that version or a later one."
        )


def _write_attachments(archive: zipfile.ZipFile, manifest: Manifest) -> list[str]:
    """Copy the attachments into the media storage; returns the names written."""
    written: list[str] = []
    for name, expected in manifest.attachments.items():
        try:
            content = archive.read(ATTACHMENTS + name)
        except KeyError:
            raise ArchiveError(f"The attachment {name} is listed but not in the archive.") from None
        if hashlib.sha256(content).hexdigest() != expected:
            raise ArchiveError(f"The attachment {name} is damaged (its checksum differs).")
        if default_storage.exists(name):
            with default_storage.open(name, "rb") as existing:
                if existing.read() == content:
                    continue
            raise ArchiveError(
                f"A different file already exists at {name} in the media folder: "
                "restore into an empty media folder."
            )
        saved = default_storage.save(name, ContentFile(content))
        written.append(saved)
        if saved != name:
            raise ArchiveError(f"The attachment {name} could not be written under its name.")
    return written


def restore_archive(*, source: Path) -> Manifest:
    """Restore the archive into this (empty) database and media folder."""
    try:
        archive = zipfile.ZipFile(source)
    except FileNotFoundError:
        raise ArchiveError(f"No archive at {source}.") from None
    except (zipfile.BadZipFile, IsADirectoryError, OSError) as error:
        raise ArchiveError(f"{source} is not a readable archive: {error}") from None
    with archive:
        manifest = _read_manifest(archive)
        call_command("migrate", verbosity=0, interactive=False)
        if held := _holds_records():
            raise ArchiveError(
                "The database is not empty; restore into a new database. It holds: "
                + ", ".join(held)
            )
        _check_not_newer(manifest)
        written: list[str] = []
        try:
            with tempfile.TemporaryDirectory() as work:
                rows = Path(work) / f"records.{DATA_FORMAT}"  # loaddata reads the format here
                try:
                    rows.write_bytes(archive.read(DATA))
                except KeyError:
                    raise ArchiveError(f"The archive has no {DATA}.") from None
                # History is loaded from the archive, not written again by the load.
                with override_settings(SIMPLE_HISTORY_ENABLED=False), transaction.atomic():
                    for label in REPLACED_ON_RESTORE:
                        apps.get_model(label)._default_manager.all().delete()
                    try:
                        # Fields added since the archive was written take their
                        # defaults; fields removed since are skipped.
                        call_command("loaddata", str(rows), verbosity=0, ignorenonexistent=True)
                    except Exception as error:  # loaddata wraps every failure differently
                        raise ArchiveError(
                            f"The archive's records cannot be loaded: {error}"
                        ) from error
                    loaded = {
                        label: count
                        for label, count in _counts().items()
                        if label in manifest.counts
                    }
                    if loaded != manifest.counts:
                        differences = {
                            label: (manifest.counts[label], loaded.get(label))
                            for label in manifest.counts
                            if manifest.counts[label] != loaded.get(label)
                        }
                        raise ArchiveError(f"Rows missing after the load: {differences}")
                    written = _write_attachments(archive, manifest)
                    # Stored states an older release did not keep are worked out now.
                    archive_restored.send(sender=restore_archive, manifest=manifest)
        except BaseException:
            for name in written:
                default_storage.delete(name)
            raise
    return manifest


def describe(manifest: Manifest) -> str:
    """A summary for the person running the command."""
    out = io.StringIO()
    records = sum(manifest.counts.values())
    out.write(
        f"{records:,} rows in {len(manifest.counts)} tables, "
        f"{len(manifest.attachments):,} attachment(s)"
    )
    if manifest.missing_attachments:
        out.write(
            f"; {len(manifest.missing_attachments)} attachment(s) named by records were "
            "missing from the media folder: " + ", ".join(manifest.missing_attachments[:10])
        )
    return out.getvalue()
