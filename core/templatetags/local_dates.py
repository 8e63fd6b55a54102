"""Dates in the reader's language: ``{% load local_dates %}`` then ``{{ value|long_date }}``.

The formats are the translated ones of :mod:`core.dates`, so a template writes a day
exactly as a partial date does ("7 September 2010", "7 de septiembre de 2010").
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.template.defaultfilters import date as date_filter

from core.dates import day_format, day_time_format, short_day_time_format

register = template.Library()


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
