"""Bar charts drawn as SVG on the server: no JavaScript, printable, scaled by the page.

Two shapes cover the charts the tracker draws: stacked horizontal bars, one per row,
each as shares of its row's total (how an agency's letters were answered), and
stacked columns on a count scale (cases by status per month, letters by age). A
series is drawn with a CSS class, so the colours live in the style sheet and a
legend uses the same classes. Every chart carries a ``<title>`` and a ``<desc>``;
the pages put the numbers in a table beside it for screen readers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH = 800
#: Room for the row labels of a bar chart, and for the axis of a column chart.
LABEL_WIDTH = 240
NOTE_WIDTH = 110
ROW_HEIGHT = 22
COLUMN_CHART_HEIGHT = 320
AXIS_HEIGHT = 40


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    css: str


@dataclass(frozen=True)
class Row:
    """One bar (or column): its label, a value per series, a note drawn after a bar, and
    the label under a column (``tick``: empty for the columns left unlabelled)."""

    label: str
    values: Sequence[int]
    note: str = ""
    href: str = ""
    tick: str = ""


def _open(element_id: str, height: float, title: str, description: str) -> SafeString:
    return format_html(
        '<svg id="{0}" class="chart" viewBox="0 0 {1} {2}" role="img" '
        'aria-labelledby="{0}-title {0}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{0}-title">{3}</title><desc id="{0}-desc">{4}</desc>',
        element_id,
        WIDTH,
        height,
        title,
        description,
    )


def _segment(
    x: float, y: float, width: float, height: float, row: Row, series: Series, value: int
) -> SafeString:
    return format_html(
        '<rect class="{}" x="{}" y="{}" width="{}" height="{}"><title>{}, {}: {}</title></rect>',
        series.css,
        round(x, 2),
        round(y, 2),
        round(width, 2),
        round(height, 2),
        row.label,
        series.label,
        number_format(value),
    )


def share_bars(
    rows: Sequence[Row],
    series: Sequence[Series],
    *,
    element_id: str,
    title: str,
    description: str,
) -> SafeString:
    """One bar per row, its parts as shares of the row's total (so rows of very
    different sizes compare), with gridlines at every quarter."""
    height = ROW_HEIGHT * len(rows) + AXIS_HEIGHT
    span = WIDTH - LABEL_WIDTH - NOTE_WIDTH
    parts = [_open(element_id, height, title, description)]
    for quarter in range(5):
        x = LABEL_WIDTH + span * quarter / 4
        parts.append(
            format_html(
                '<line class="grid" x1="{0}" x2="{0}" y1="0" y2="{1}"/>'
                '<text class="tick" x="{0}" y="{2}" text-anchor="middle">{3}%</text>',
                x,
                height - AXIS_HEIGHT + 4,
                height - AXIS_HEIGHT + 18,
                quarter * 25,
            )
        )
    for index, row in enumerate(rows):
        y = index * ROW_HEIGHT
        total = sum(row.values)
        label = format_html(
            '<text class="label" x="{}" y="{}" text-anchor="end">{}</text>',
            LABEL_WIDTH - 6,
            y + ROW_HEIGHT * 0.68,
            _shorten(row.label, 32),
        )
        parts.append(format_html('<a href="{}">{}</a>', row.href, label) if row.href else label)
        x = float(LABEL_WIDTH)
        for part, value in zip(series, row.values, strict=True):
            if value and total:
                width = span * value / total
                parts.append(_segment(x, y + 3, width, ROW_HEIGHT - 6, row, part, value))
                x += width
        parts.append(
            format_html(
                '<text class="note" x="{}" y="{}">{}</text>',
                LABEL_WIDTH + span + 6,
                y + ROW_HEIGHT * 0.68,
                row.note,
            )
        )
    parts.append(mark_safe("</svg>"))  # safe: a constant
    return mark_safe("".join(parts))  # safe: every part built with format_html


def _nice_top(value: int) -> int:
    """The axis maximum: about 1, 2, 2.5 or 5 times a power of ten, at or above ``value``,
    and a multiple of 4, so each quarter of the axis is a whole count."""
    if value <= 4:
        return 4
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            top = int(step * power)
            return top if top % 4 == 0 else top + 4 - top % 4
    return value


def stacked_columns(
    columns: Sequence[Row],
    series: Sequence[Series],
    *,
    element_id: str,
    title: str,
    description: str,
) -> SafeString:
    """One column per entry, its parts stacked on a count scale, each labelled by its
    ``tick`` (a few hundred months cannot all be named: give some an empty one)."""
    plot_height = COLUMN_CHART_HEIGHT - AXIS_HEIGHT
    left, right = 60, WIDTH - 10
    top = _nice_top(max((sum(c.values) for c in columns), default=0))
    slot = (right - left) / max(1, len(columns))
    parts = [_open(element_id, COLUMN_CHART_HEIGHT, title, description)]
    for tick in range(5):
        value = top * tick / 4
        y = plot_height - plot_height * tick / 4 + 5
        parts.append(
            format_html(
                '<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
                '<text class="tick" x="{}" y="{}" text-anchor="end">{}</text>',
                left,
                right,
                y,
                y,
                left - 6,
                y + 4,
                number_format(value, decimal_pos=0 if value == int(value) else 1),
            )
        )
    for index, column in enumerate(columns):
        x = left + slot * index + slot * 0.1
        y = plot_height + 5
        for part, value in zip(series, column.values, strict=True):
            if value > 0:
                height = plot_height * value / top
                y -= height
                parts.append(_segment(x, y, slot * 0.8, height, column, part, value))
        if column.tick:
            parts.append(
                format_html(
                    '<text class="tick" x="{}" y="{}" text-anchor="middle">{}</text>',
                    round(x + slot * 0.4, 2),
                    plot_height + 22,
                    column.tick,
                )
            )
    parts.append(mark_safe("</svg>"))  # safe: a constant
    return mark_safe("".join(parts))  # safe: every part built with format_html


def legend(series: Sequence[Series]) -> SafeString:
    """The series' names beside a swatch of their colour, as an HTML list."""
    return format_html(
        '<ul class="chart-legend">{}</ul>',
        format_html_join(
            "",
            '<li><svg class="swatch" viewBox="0 0 10 10" aria-hidden="true">'
            '<rect class="{}" width="10" height="10"/></svg> {}</li>',
            ((part.css, part.label) for part in series),
        ),
    )


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
