"""Holidays, the "very overdue" date, reminder log and private calendar feeds.

Existing letters get their "very overdue" date here (twice the reply window,
counted like the due date); the holiday list starts empty, so business-day
windows skip only weekends until one is loaded (``load_holidays``, which
recomputes every due date).
"""

import django.db.models.deletion
import simple_history.models
import tracker.models
from django.conf import settings
from django.db import migrations, models


def fill_very_overdue_dates(apps, schema_editor):
    from core.dates import PartialDate
    from tracker.domain.deadlines import compute_deadline

    letter_model = apps.get_model("tracker", "Letter")
    letters = letter_model.objects.filter(direction="outgoing", sent_on__isnull=False)
    for letter in letters.prefetch_related("recipients").iterator(chunk_size=500):
        windows = [
            (
                agency.reply_window_days or settings.TRACKER_DEFAULT_REPLY_WINDOW_DAYS,
                agency.reply_window_kind or settings.TRACKER_DEFAULT_REPLY_WINDOW_KIND,
            )
            for agency in letter.recipients.all()
        ] or [(settings.TRACKER_DEFAULT_REPLY_WINDOW_DAYS, settings.TRACKER_DEFAULT_REPLY_WINDOW_KIND)]
        sent = PartialDate(letter.sent_on, letter.sent_on_precision)
        deadline = max(
            (compute_deadline(sent, days, kind) for days, kind in windows),
            key=lambda d: (d.due_on, d.very_overdue_on),
        )
        letter_model.objects.filter(pk=letter.pk).update(
            due_on=deadline.due_on, very_overdue_on=deadline.very_overdue_on
        )


class Migration(migrations.Migration):

    dependencies = [
        ('tracker', '0003_response_letter_triggers'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Holiday',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reference', models.SlugField(blank=True, help_text='Stable identifier used by fixtures and imports; filled in when left empty.', max_length=80, unique=True, verbose_name='reference')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                ('version', models.PositiveIntegerField(default=1, editable=False, verbose_name='version')),
                ('date', models.DateField(unique=True, verbose_name='date')),
                ('name', models.CharField(max_length=200, verbose_name='name')),
            ],
            options={
                'ordering': ['date'],
            },
        ),
        migrations.AddField(
            model_name='historicalletter',
            name='very_overdue_on',
            field=models.DateField(blank=True, editable=False, help_text='The end of twice the reply window, counted the same way as the due date.', null=True, verbose_name='very overdue after'),
        ),
        migrations.AddField(
            model_name='letter',
            name='very_overdue_on',
            field=models.DateField(blank=True, editable=False, help_text='The end of twice the reply window, counted the same way as the due date.', null=True, verbose_name='very overdue after'),
        ),
        migrations.CreateModel(
            name='HistoricalHoliday',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('reference', models.SlugField(blank=True, help_text='Stable identifier used by fixtures and imports; filled in when left empty.', max_length=80, verbose_name='reference')),
                ('created_at', models.DateTimeField(blank=True, editable=False, verbose_name='created')),
                ('updated_at', models.DateTimeField(blank=True, editable=False, verbose_name='updated')),
                ('version', models.PositiveIntegerField(default=1, editable=False, verbose_name='version')),
                ('date', models.DateField(db_index=True, verbose_name='date')),
                ('name', models.CharField(max_length=200, verbose_name='name')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical holiday',
                'verbose_name_plural': 'historical holidays',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='CalendarToken',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('token', models.CharField(default=tracker.models.new_calendar_token, max_length=64, unique=True, verbose_name='token')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                ('revoked_at', models.DateTimeField(blank=True, null=True, verbose_name='revoked')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='calendar_tokens', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'calendar feed address',
                'ordering': ['-created_at', '-pk'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('revoked_at__isnull', True)), fields=('user',), name='tracker_calendartoken_one_active_per_user')],
            },
        ),
        migrations.CreateModel(
            name='ReminderLog',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('date', models.DateField(verbose_name='day')),
                ('email', models.EmailField(max_length=254, verbose_name='address')),
                ('sent_at', models.DateTimeField(auto_now_add=True, verbose_name='sent')),
                ('letter', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reminders', to='tracker.letter')),
                ('recipient', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='reminders_received', to=settings.AUTH_USER_MODEL, verbose_name='sent to')),
            ],
            options={
                'verbose_name': 'reminder sent',
                'verbose_name_plural': 'reminders sent',
                'ordering': ['-date', 'letter_id'],
                'constraints': [models.UniqueConstraint(fields=('letter', 'date'), name='tracker_reminderlog_once_per_letter_per_day')],
            },
        ),
        migrations.RunPython(fill_very_overdue_dates, migrations.RunPython.noop),
    ]
