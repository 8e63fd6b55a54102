"""A request's workflow facts and the dates of its flags, stored on the request.

"Has sent a letter", "notified the program office", ..., and "has a letter
awaiting a reply / overdue / very overdue" become columns and indexed
comparisons. Existing requests get them here, worked out from their rows by the
same rules the services use (``selectors.request_facts_from_rows``), in one
UPDATE; the indexes are built after the columns are filled.
"""

from django.conf import settings
from django.db import migrations, models


def fill_request_facts(apps, schema_editor):
    from tracker.domain.selectors import request_facts_from_rows

    if schema_editor.connection.vendor == "postgresql":
        # The planner prices the correlated subqueries far above what they cost and
        # would spend longer compiling the query (JIT) than running it.
        schema_editor.execute("SET LOCAL jit = off")
    request_model = apps.get_model("tracker", "OptOutRequest")
    rules = request_facts_from_rows(
        letter_model=apps.get_model("tracker", "Letter"),
        response_model=apps.get_model("tracker", "AgencyResponse"),
        meeting_model=apps.get_model("tracker", "Meeting"),
        transition_model=apps.get_model("tracker", "Transition"),
    )
    request_model.objects.update(**rules)


class Migration(migrations.Migration):

    dependencies = [
        ('jurisdictions', '0002_date_ranges_and_reply_window_limit'),
        ('tracker', '0012_search_vectors'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='optoutrequest',
            name='has_awaiting_reply',
            field=models.BooleanField(default=False, editable=False, verbose_name='has a letter awaiting a reply'),
        ),
        migrations.AddField(
            model_name='optoutrequest',
            name='has_held_meeting',
            field=models.BooleanField(default=False, editable=False, verbose_name='has held a meeting'),
        ),
        migrations.AddField(
            model_name='optoutrequest',
            name='has_letter_since_state_entered',
            field=models.BooleanField(default=False, editable=False, verbose_name='has sent a letter since its status last changed'),
        ),
        migrations.AddField(
            model_name='optoutrequest',
            name='has_response',
            field=models.BooleanField(default=False, editable=False, verbose_name='has a reply'),
        ),
        migrations.AddField(
            model_name='optoutrequest',
            name='has_sent_letter',
            field=models.BooleanField(default=False, editable=False, verbose_name='has sent a letter'),
        ),
        migrations.AddField(
            model_name='optoutrequest',
            name='next_due_on',
            field=models.DateField(blank=True, editable=False, help_text='The earliest due date of its letters awaiting a reply.', null=True, verbose_name='next reply due'),
        ),
        migrations.AddField(
            model_name='optoutrequest',
            name='next_very_overdue_on',
            field=models.DateField(blank=True, editable=False, help_text='The earliest very-overdue date of its letters awaiting a reply.', null=True, verbose_name='next very overdue after'),
        ),
        migrations.AddField(
            model_name='optoutrequest',
            name='notified_program_office',
            field=models.BooleanField(default=False, editable=False, verbose_name="notified ICE's program office"),
        ),
        migrations.AddField(
            model_name='optoutrequest',
            name='notified_sib',
            field=models.BooleanField(default=False, editable=False, verbose_name='notified the SIB'),
        ),
        migrations.AddField(
            model_name='optoutrequest',
            name='waiting_since_on',
            field=models.DateField(blank=True, editable=False, help_text='When its oldest letter awaiting a reply was sent.', null=True, verbose_name='waiting since'),
        ),
        migrations.AddField(
            model_name='optoutrequest',
            name='waiting_since_precision',
            field=models.CharField(blank=True, choices=[('day', 'Day'), ('month', 'Month'), ('year', 'Year')], default='', editable=False, max_length=5, verbose_name='waiting since precision'),
        ),
        migrations.RunPython(fill_request_facts, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name='optoutrequest',
            index=models.Index(condition=models.Q(('next_due_on__isnull', False)), fields=['next_due_on'], name='tracker_request_overdue'),
        ),
        migrations.AddIndex(
            model_name='optoutrequest',
            index=models.Index(condition=models.Q(('next_very_overdue_on__isnull', False)), fields=['next_very_overdue_on'], name='tracker_request_very_overdue'),
        ),
        migrations.AddIndex(
            model_name='optoutrequest',
            index=models.Index(fields=['waiting_since_on', 'id'], name='tracker_request_waiting'),
        ),
    ]
