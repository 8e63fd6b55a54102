"""The staff search reads the text of attachments, meetings and statements.

Letters, replies and statements keep the text of their file (``attachment_text``,
read when the file is uploaded; ``manage.py extract_attachment_text`` fills it for
files uploaded before). On PostgreSQL the letters' and replies' stored vectors
(``0012_search_vectors``) now take that text too: the trigger functions are replaced
and the triggers re-made to fire on it. Every existing row's text is empty, so no
stored vector changes and nothing is rewritten. Meetings (place, outcome) and
statements (speaker, source title, quote, document text) get vectors of their own,
kept and indexed the same way (``core/search_vectors.py``). SQLite gets the columns
only: there the search is a substring match.
"""

import importlib
from typing import Any

from django.db import migrations, models

from core.search_vectors import (
    add_vector_sql,
    drop_vector_sql,
    function_sql,
    on_postgresql,
    trigger_sql,
)

OLD = {
    "tracker_letter": ("letter", ("subject", "summary")),
    "tracker_agencyresponse": ("response", ("summary",)),
}
WIDER = {
    "tracker_letter": ("letter", ("subject", "summary", "attachment_text")),
    "tracker_agencyresponse": ("response", ("summary", "attachment_text")),
}
NEW = {
    "tracker_meeting": ("meeting", ("place", "outcome")),
    "tracker_statement": ("statement", ("speaker", "source_title", "quote", "attachment_text")),
}


def _replace(vectors: dict[str, tuple[str, tuple[str, ...]]]) -> list[str]:
    return [
        sql
        for table, (short, fields) in vectors.items()
        for sql in (
            function_sql(f"tracker_{short}_search_vector", fields),
            *trigger_sql(f"tracker_{short}_search_vector", table, fields),
        )
    ]


FORWARDS = [
    *_replace(WIDER),
    *(sql for table, (short, fields) in NEW.items() for sql in add_vector_sql(table, short, fields)),
    *(f"ANALYZE {table};" for table in NEW),
]
BACKWARDS = [
    *(sql for table, (short, _fields) in NEW.items() for sql in drop_vector_sql(table, short)),
    *_replace(OLD),
]


# SQLite adds a column by rebuilding the table, which the triggers between letters and
# replies refer to: they are set aside for the rebuild and written again after it.
_TRIGGERS: Any = importlib.import_module("tracker.migrations.0008_triggers_use_latest_possible_day")


def _on_sqlite(statements: list[str]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "sqlite":
            for sql in statements:
                schema_editor.execute(sql)

    return run


def _text_field() -> models.TextField:  # type: ignore[type-arg]
    return models.TextField(
        blank=True,
        default="",
        editable=False,
        help_text="Read from the file when it is uploaded, for the search.",
        verbose_name="text of the attachment",
    )


class Migration(migrations.Migration):
    dependencies = [("tracker", "0015_updated_at_indexes_for_sync")]

    operations = [
        migrations.RunPython(_on_sqlite(_TRIGGERS.SQLITE_DROP), _on_sqlite(_TRIGGERS.SQLITE)),
        migrations.AddField("agencyresponse", "attachment_text", _text_field()),
        migrations.AddField("letter", "attachment_text", _text_field()),
        migrations.AddField("statement", "attachment_text", _text_field()),
        migrations.RunPython(_on_sqlite(_TRIGGERS.SQLITE), _on_sqlite(_TRIGGERS.SQLITE_DROP)),
        migrations.RunPython(on_postgresql(FORWARDS), on_postgresql(BACKWARDS)),
    ]
