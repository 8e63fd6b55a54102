"""Whether a sent letter still awaits a reply, stored on the letter and indexed.

"Awaiting a reply", "overdue" and "very overdue" become comparisons on stored
columns. Existing letters get their state here, worked out from their replies by
the same rule the services use (``selectors.awaiting_reply_from_rows``); the
indexes are built after the column is filled.
"""

import importlib

from django.db import migrations, models

# SQLite adds the column by rebuilding the letters table, which its triggers on
# replies refer to: they are set aside for the rebuild and written again after it.
_TRIGGERS = importlib.import_module("tracker.migrations.0008_triggers_use_latest_possible_day")


def _on_sqlite(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for sql in statements:
                schema_editor.execute(sql)

    return run


def fill_awaiting_reply(apps, schema_editor):
    from tracker.domain.selectors import awaiting_reply_from_rows

    letter_model = apps.get_model("tracker", "Letter")
    rule = awaiting_reply_from_rows(
        letter_model=letter_model, response_model=apps.get_model("tracker", "AgencyResponse")
    )
    letter_model.objects.filter(rule).update(awaiting_reply=True)


class Migration(migrations.Migration):

    dependencies = [
        ('jurisdictions', '0002_date_ranges_and_reply_window_limit'),
        ('tracker', '0008_triggers_use_latest_possible_day'),
    ]

    operations = [
        migrations.RunPython(_on_sqlite(_TRIGGERS.SQLITE_DROP), _on_sqlite(_TRIGGERS.SQLITE)),
        migrations.AddField(
            model_name='letter',
            name='awaiting_reply',
            field=models.BooleanField(default=False, editable=False, help_text='Sent by the jurisdiction, with no response or reply letter logged to it.', verbose_name='awaiting a reply'),
        ),
        migrations.RunPython(fill_awaiting_reply, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(_on_sqlite(_TRIGGERS.SQLITE), _on_sqlite(_TRIGGERS.SQLITE_DROP)),
        migrations.AddIndex(
            model_name='letter',
            index=models.Index(fields=['sent_on', 'id'], name='tracker_letter_sent_order'),
        ),
        migrations.AddIndex(
            model_name='letter',
            index=models.Index(condition=models.Q(('awaiting_reply', True)), fields=['due_on'], name='tracker_letter_overdue'),
        ),
        migrations.AddIndex(
            model_name='letter',
            index=models.Index(condition=models.Q(('awaiting_reply', True)), fields=['very_overdue_on'], name='tracker_letter_very_overdue'),
        ),
    ]
