"""Dates in the reader's language: ``{% load local_dates %}`` then ``{{ value|long_date }}``.

The formats are the translated ones of :mod:`core.dates`, so a template writes a day
exactly as a partial date does ("7 September 2010", "7 de septiembre de 2010").
"""

from __future__ import annotations

import datetime as dt
import re

from django import template
from django.template.defaultfilters import date as date_filter

from core.dates import day_format, day_time_format, format_day, short_day_time_format

register = template.Library()

#: A day written the machines' way inside a sentence: ``2010-10-07``.
ISO_DAY = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


# expects_localtime: a moment is shown in the site's time zone, as Django's own |date does.
@register.filter(expects_localtime=True)
def long_date(value: dt.date | None) -> str:
    """A day: ``7 September 2010``."""
    return date_filter(value, day_format())


@register.filter(expects_localtime=True)
def long_datetime(value: dt.datetime | None) -> str:
    """A moment: ``7 September 2010, 14:05``."""
    return date_filter(value, day_time_format())


@register.filter(expects_localtime=True)
def short_datetime(value: dt.datetime | None) -> str:
    """A moment, short: ``7 Sep 2010, 14:05``."""
    return date_filter(value, short_day_time_format())


@register.filter
def long_dates_in(text: str | None) -> str:
    """A sentence with each ISO day in it written as people read it: "due 2010-10-07"
    becomes "due 7 October 2010". For texts also given to machines (the API, CSV), which
    keep the ISO days."""

    def written(match: re.Match[str]) -> str:
        try:
            return format_day(dt.date(*map(int, match.groups())))
        except ValueError:  # not a real day: left as it was
            return match.group(0)

    return ISO_DAY.sub(written, str(text or ""))
