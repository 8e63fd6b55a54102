"""Dates known as a range of days, and every partial date's latest possible day.

Each partial date gains ``<column>_until``, its latest possible day whatever the
precision (the day itself, the last day of the month or of the year, the last day
of a range), filled in here for the rows already stored. The triggers between
letters and replies compare a reply's latest possible day with it, so a reply
dated "between 27 September and 2 October 2010" predates a letter only if the
letter was sent after 2 October. A request's "waiting since" keeps its oldest
waiting letter's last day too.
"""

import calendar
import datetime as dt
import importlib
from typing import Any

from django.db import migrations, models

import core.dates

# SQLite adds a column by rebuilding the table, which the triggers between letters and
# replies refer to: they are set aside for the rebuild and written again after it.
_TRIGGERS: Any = importlib.import_module("tracker.migrations.0008_triggers_use_latest_possible_day")
_on_sqlite: Any = importlib.import_module(
    "tracker.migrations.0016_attachment_text_and_wider_search"
)._on_sqlite

# The latest possible day of a reply: the stored one, or (for a row written without
# it) the one its precision gives.
SQLITE_LATEST = f"COALESCE({{row}}.responded_on_until, {_TRIGGERS.SQLITE_LATEST})"
POSTGRES_LATEST = f"COALESCE({{row}}.responded_on_until, {_TRIGGERS.POSTGRES_LATEST})"


def _with_latest(statements: list[str], old: str, new: str) -> list[str]:
    return [
        sql.replace(old.format(row="NEW"), new.format(row="NEW")).replace(
            old.format(row="r"), new.format(row="r")
        )
        for sql in statements
    ]


SQLITE_DROP: list[str] = _TRIGGERS.SQLITE_DROP
SQLITE = _with_latest(_TRIGGERS.SQLITE, _TRIGGERS.SQLITE_LATEST, SQLITE_LATEST)
POSTGRES = _with_latest(_TRIGGERS.POSTGRES, _TRIGGERS.POSTGRES_LATEST, POSTGRES_LATEST)
assert SQLITE != _TRIGGERS.SQLITE and POSTGRES != _TRIGGERS.POSTGRES


def _on_postgresql(statements: list[str]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


def _latest(value: dt.date, precision: str) -> dt.date:
    if precision == "month":
        return value.replace(day=calendar.monthrange(value.year, value.month)[1])
    if precision == "year":
        return value.replace(month=12, day=31)
    return value


# (model, first-day column, precision column, last-day column), for every partial date.
_DATES = [
    (model, f"{column}", f"{column}_precision", f"{column}_until")
    for base, columns in (
        ("agencyresponse", ("responded_on",)),
        ("letter", ("sent_on", "received_on")),
        ("meeting", ("held_on",)),
        ("optoutrequest", ("opened_on",)),
        ("source", ("published_on",)),
        ("statement", ("stated_on",)),
    )
    for model in (base, f"historical{base}")
    for column in columns
] + [("optoutrequest", "waiting_since_on", "waiting_since_precision", "waiting_since_until")]


def fill_until(apps: Any, schema_editor: Any) -> None:
    for name, column, precision, until in _DATES:
        model = apps.get_model("tracker", name)
        rows = model.objects.filter(**{f"{column}__isnull": False}).only(
            "pk", column, precision, until
        )
        changed = []
        for row in rows.iterator(chunk_size=2000):
            setattr(row, until, _latest(getattr(row, column), getattr(row, precision)))
            changed.append(row)
            if len(changed) >= 2000:
                model.objects.bulk_update(changed, [until])
                changed = []
        if changed:
            model.objects.bulk_update(changed, [until])


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0017_sources_and_basis"),
    ]

    operations = [
        migrations.RunPython(_on_sqlite(_TRIGGERS.SQLITE_DROP), _on_sqlite(_TRIGGERS.SQLITE)),
        migrations.AddField(
            model_name="agencyresponse",
            name="responded_on_until",
            field=models.DateField(
                blank=True,
                help_text="The latest day the date may be: the day itself, the last day of the month or of the year, or the last day of the range. Filled in on saving; queries compare with it.",
                null=True,
                validators=[core.dates.validate_plausible_date],
                verbose_name="to",
            ),
        ),
        migrations.AddField(
            model_name="historicalagencyresponse",
            name="responded_on_until",
            field=models.DateField(
                blank=True,
                help_text="The latest day the date may be: the day itself, the last day of the month or of the year, or the last day of the range. Filled in on saving; queries compare with it.",
                null=True,
                validators=[core.dates.validate_plausible_date],
                verbose_name="to",
            ),
        ),
        migrations.AddField(
            model_name="historicalletter",
            name="received_on_until",
            field=models.DateField(
                blank=True,
                help_text="The latest day the date may be: the day itself, the last day of the month or of the year, or the last day of the range. Filled in on saving; queries compare with it.",
                null=True,
                validators=[core.dates.validate_plausible_date],
                verbose_name="to",
            ),
        ),
        migrations.AddField(
            model_name="historicalletter",
            name="sent_on_until",
            field=models.DateField(
                blank=True,
                help_text="The latest day the date may be: the day itself, the last day of the month or of the year, or the last day of the range. Filled in on saving; queries compare with it.",
                null=True,
                validators=[core.dates.validate_plausible_date],
                verbose_name="to",
            ),
        ),
        migrations.AddField(
            model_name="historicalmeeting",
            name="held_on_until",
            field=models.DateField(
                blank=True,
                help_text="The latest day the date may be: the day itself, the last day of the month or of the year, or the last day of the range. Filled in on saving; queries compare with it.",
                null=True,
                validators=[core.dates.validate_plausible_date],
                verbose_name="to",
            ),
        ),
        migrations.AddField(
            model_name="historicaloptoutrequest",
            name="opened_on_until",
            field=models.DateField(
                blank=True,
                help_text="The latest day the date may be: the day itself, the last day of the month or of the year, or the last day of the range. Filled in on saving; queries compare with it.",
                null=True,
                validators=[core.dates.validate_plausible_date],
                verbose_name="to",
            ),
        ),
        migrations.AddField(
            model_name="historicalsource",
            name="published_on_until",
            field=models.DateField(
                blank=True,
                help_text="The latest day the date may be: the day itself, the last day of the month or of the year, or the last day of the range. Filled in on saving; queries compare with it.",
                null=True,
                validators=[core.dates.validate_plausible_date],
                verbose_name="to",
            ),
        ),
        migrations.AddField(
            model_name="historicalstatement",
            name="stated_on_until",
            field=models.DateField(
                blank=True,
                help_text="The latest day the date may be: the day itself, the last day of the month or of the year, or the last day of the range. Filled in on saving; queries compare with it.",
                null=True,
                validators=[core.dates.validate_plausible_date],
                verbose_name="to",
            ),
        ),
        migrations.AddField(
            model_name="letter",
            name="received_on_until",
            field=models.DateField(
                blank=True,
                help_text="The latest day the date may be: the day itself, the last day of the month or of the year, or the last day of the range. Filled in on saving; queries compare with it.",
                null=True,
                validators=[core.dates.validate_plausible_date],
                verbose_name="to",
            ),
        ),
        migrations.AddField(
            model_name="letter",
            name="sent_on_until",
            field=models.DateField(
                blank=True,
                help_text="The latest day the date may be: the day itself, the last day of the month or of the year, or the last day of the range. Filled in on saving; queries compare with it.",
                null=True,
                validators=[core.dates.validate_plausible_date],
                verbose_name="to",
            ),
        ),
        migrations.AddField(
            model_name="meeting",
            name="held_on_until",
            field=models.DateField(
                blank=True,
                help_text="The latest day the date may be: the day itself, the last day of the month or of the year, or the last day of the range. Filled in on saving; queries compare with it.",
                null=True,
                validators=[core.dates.validate_plausible_date],
                verbose_name="to",
            ),
        ),
        migrations.AddField(
            model_name="optoutrequest",
            name="opened_on_until",
            field=models.DateField(
                blank=True,
                help_text="The latest day the date may be: the day itself, the last day of the month or of the year, or the last day of the range. Filled in on saving; queries compare with it.",
                null=True,
                validators=[core.dates.validate_plausible_date],
                verbose_name="to",
            ),
        ),
        migrations.AddField(
            model_name="optoutrequest",
            name="waiting_since_until",
            field=models.DateField(
                blank=True,
                editable=False,
                help_text="The latest day its oldest letter awaiting a reply may have been sent.",
                null=True,
                verbose_name="waiting since, latest day",
            ),
        ),
        migrations.AddField(
            model_name="source",
            name="published_on_until",
            field=models.DateField(
                blank=True,
                help_text="The latest day the date may be: the day itself, the last day of the month or of the year, or the last day of the range. Filled in on saving; queries compare with it.",
                null=True,
                validators=[core.dates.validate_plausible_date],
                verbose_name="to",
            ),
        ),
        migrations.AddField(
            model_name="statement",
            name="stated_on_until",
            field=models.DateField(
                blank=True,
                help_text="The latest day the date may be: the day itself, the last day of the month or of the year, or the last day of the range. Filled in on saving; queries compare with it.",
                null=True,
                validators=[core.dates.validate_plausible_date],
                verbose_name="to",
            ),
        ),
        migrations.AlterField(
            model_name="agencyresponse",
            name="responded_on_precision",
            field=models.CharField(
                choices=[
                    ("day", "Day"),
                    ("month", "Month"),
                    ("year", "Year"),
                    ("range", "Range of days"),
                ],
                default="day",
                help_text="How much of the date is known: the day, only the month, only the year, or a range of days (the last day goes in the date's “to”).",
                max_length=5,
                verbose_name="date precision",
            ),
        ),
        migrations.AlterField(
            model_name="historicalagencyresponse",
            name="responded_on_precision",
            field=models.CharField(
                choices=[
                    ("day", "Day"),
                    ("month", "Month"),
                    ("year", "Year"),
                    ("range", "Range of days"),
                ],
                default="day",
                help_text="How much of the date is known: the day, only the month, only the year, or a range of days (the last day goes in the date's “to”).",
                max_length=5,
                verbose_name="date precision",
            ),
        ),
        migrations.AlterField(
            model_name="historicalletter",
            name="received_on_precision",
            field=models.CharField(
                choices=[
                    ("day", "Day"),
                    ("month", "Month"),
                    ("year", "Year"),
                    ("range", "Range of days"),
                ],
                default="day",
                help_text="How much of the date is known: the day, only the month, only the year, or a range of days (the last day goes in the date's “to”).",
                max_length=5,
                verbose_name="received precision",
            ),
        ),
        migrations.AlterField(
            model_name="historicalletter",
            name="sent_on_precision",
            field=models.CharField(
                choices=[
                    ("day", "Day"),
                    ("month", "Month"),
                    ("year", "Year"),
                    ("range", "Range of days"),
                ],
                default="day",
                help_text="How much of the date is known: the day, only the month, only the year, or a range of days (the last day goes in the date's “to”).",
                max_length=5,
                verbose_name="sent precision",
            ),
        ),
        migrations.AlterField(
            model_name="historicalmeeting",
            name="held_on_precision",
            field=models.CharField(
                choices=[
                    ("day", "Day"),
                    ("month", "Month"),
                    ("year", "Year"),
                    ("range", "Range of days"),
                ],
                default="day",
                help_text="How much of the date is known: the day, only the month, only the year, or a range of days (the last day goes in the date's “to”).",
                max_length=5,
                verbose_name="date precision",
            ),
        ),
        migrations.AlterField(
            model_name="historicaloptoutrequest",
            name="opened_on_precision",
            field=models.CharField(
                choices=[
                    ("day", "Day"),
                    ("month", "Month"),
                    ("year", "Year"),
                    ("range", "Range of days"),
                ],
                default="day",
                help_text="How much of the date is known: the day, only the month, only the year, or a range of days (the last day goes in the date's “to”).",
                max_length=5,
                verbose_name="opened precision",
            ),
        ),
        migrations.AlterField(
            model_name="historicalsource",
            name="published_on_precision",
            field=models.CharField(
                choices=[
                    ("day", "Day"),
                    ("month", "Month"),
                    ("year", "Year"),
                    ("range", "Range of days"),
                ],
                default="day",
                help_text="How much of the date is known: the day, only the month, only the year, or a range of days (the last day goes in the date's “to”).",
                max_length=5,
                verbose_name="published precision",
            ),
        ),
        migrations.AlterField(
            model_name="historicalstatement",
            name="stated_on_precision",
            field=models.CharField(
                choices=[
                    ("day", "Day"),
                    ("month", "Month"),
                    ("year", "Year"),
                    ("range", "Range of days"),
                ],
                default="day",
                help_text="How much of the date is known: the day, only the month, only the year, or a range of days (the last day goes in the date's “to”).",
                max_length=5,
                verbose_name="date precision",
            ),
        ),
        migrations.AlterField(
            model_name="letter",
            name="received_on_precision",
            field=models.CharField(
                choices=[
                    ("day", "Day"),
                    ("month", "Month"),
                    ("year", "Year"),
                    ("range", "Range of days"),
                ],
                default="day",
                help_text="How much of the date is known: the day, only the month, only the year, or a range of days (the last day goes in the date's “to”).",
                max_length=5,
                verbose_name="received precision",
            ),
        ),
        migrations.AlterField(
            model_name="letter",
            name="sent_on_precision",
            field=models.CharField(
                choices=[
                    ("day", "Day"),
                    ("month", "Month"),
                    ("year", "Year"),
                    ("range", "Range of days"),
                ],
                default="day",
                help_text="How much of the date is known: the day, only the month, only the year, or a range of days (the last day goes in the date's “to”).",
                max_length=5,
                verbose_name="sent precision",
            ),
        ),
        migrations.AlterField(
            model_name="meeting",
            name="held_on_precision",
            field=models.CharField(
                choices=[
                    ("day", "Day"),
                    ("month", "Month"),
                    ("year", "Year"),
                    ("range", "Range of days"),
                ],
                default="day",
                help_text="How much of the date is known: the day, only the month, only the year, or a range of days (the last day goes in the date's “to”).",
                max_length=5,
                verbose_name="date precision",
            ),
        ),
        migrations.AlterField(
            model_name="optoutrequest",
            name="opened_on_precision",
            field=models.CharField(
                choices=[
                    ("day", "Day"),
                    ("month", "Month"),
                    ("year", "Year"),
                    ("range", "Range of days"),
                ],
                default="day",
                help_text="How much of the date is known: the day, only the month, only the year, or a range of days (the last day goes in the date's “to”).",
                max_length=5,
                verbose_name="opened precision",
            ),
        ),
        migrations.AlterField(
            model_name="optoutrequest",
            name="waiting_since_precision",
            field=models.CharField(
                blank=True,
                choices=[
                    ("day", "Day"),
                    ("month", "Month"),
                    ("year", "Year"),
                    ("range", "Range of days"),
                ],
                default="",
                editable=False,
                max_length=5,
                verbose_name="waiting since precision",
            ),
        ),
        migrations.AlterField(
            model_name="source",
            name="published_on_precision",
            field=models.CharField(
                choices=[
                    ("day", "Day"),
                    ("month", "Month"),
                    ("year", "Year"),
                    ("range", "Range of days"),
                ],
                default="day",
                help_text="How much of the date is known: the day, only the month, only the year, or a range of days (the last day goes in the date's “to”).",
                max_length=5,
                verbose_name="published precision",
            ),
        ),
        migrations.AlterField(
            model_name="statement",
            name="stated_on_precision",
            field=models.CharField(
                choices=[
                    ("day", "Day"),
                    ("month", "Month"),
                    ("year", "Year"),
                    ("range", "Range of days"),
                ],
                default="day",
                help_text="How much of the date is known: the day, only the month, only the year, or a range of days (the last day goes in the date's “to”).",
                max_length=5,
                verbose_name="date precision",
            ),
        ),
        migrations.RunPython(fill_until, migrations.RunPython.noop),
        migrations.RunPython(_on_sqlite(SQLITE), _on_sqlite(SQLITE_DROP)),
        migrations.RunPython(_on_postgresql(POSTGRES), _on_postgresql(_TRIGGERS.POSTGRES)),
    ]
