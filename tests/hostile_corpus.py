"""Hostile inputs, by the kind of field they are aimed at.

Every value here is wrong for the fields of its kind, so a surface that accepts one
has a bug: :mod:`tests.test_hostile_inputs` sends them to every API endpoint, staff
form, admin form and page, and expects a 4xx naming the field (API), a form error
(pages) or a 404 (addresses), never a 5xx, and nothing written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.dates import FUTURE_SLACK_DAYS
from core.inputs import LONG_TEXT_MAX_LENGTH, MAX_ID

NUL = "\x00"
HUGE_ID = MAX_ID + 1  # 9223372036854775808: one past the largest integer column
HUGER_ID = 10**30

#: Ids in an address: none can name a row; the answer is a 404 (or a 400), never a 500.
ADDRESS_IDS: tuple[str, ...] = (
    str(HUGE_ID),
    str(HUGER_ID),
    "1.5",
    "-1",
    "0",
    "abc",
    "%00",
    "%2e%2e",
)

#: Query-string values: a filter given one is refused (400) or ignored, never a 500.
QUERY_VALUES: tuple[str, ...] = (
    NUL,
    str(HUGE_ID),
    "1.5",
    "-1",
    "2010-02-30",
    "99999-01-01",
    "x" * 5000,
    "[]",
    "\ud800".encode("utf-8", "surrogatepass").decode("latin-1"),
)


def far_future() -> str:
    """A day well past the slack allowed for time zones."""
    return (timezone.localdate() + dt.timedelta(days=FUTURE_SLACK_DAYS + 30)).isoformat()


def overlong(max_length: int | None) -> str:
    return "x" * ((max_length or LONG_TEXT_MAX_LENGTH) + 1)


def deeply_nested(depth: int = 10_000) -> str:
    return '{"title": ' + "[" * depth + "]" * depth + "}"


#: Bodies that are not an object of fields at all.
WRONG_BODIES: tuple[str, ...] = (
    "[]",
    '"text"',
    "3",
    "null",
    "{",
    '{"a": NaN}',
    deeply_nested(),
    '{"\\u0000": 1}',
)

# --- By the kind of field (JSON) ---------------------------------------------------

JSON_TEXT: tuple[Any, ...] = (0, 1.5, True, [], {"a": "b"}, ["x"], NUL, "a\x00b")
JSON_CHOICE: tuple[Any, ...] = (0, True, [], {}, "no-such-choice", NUL)
JSON_ID: tuple[Any, ...] = (1.5, "1", True, [], {}, HUGE_ID, HUGER_ID, -1, 0, NUL)
JSON_IDS: tuple[Any, ...] = ("1", 1, {}, [1.5], [HUGE_ID], [None], [True], [[1]], ["1"])
JSON_BOOL: tuple[Any, ...] = ("yes", "true", 1, 0, [], {}, "")
JSON_INT: tuple[Any, ...] = ("30", 1.5, True, [], HUGER_ID, -(10**30))
JSON_DATE: tuple[Any, ...] = ("2010-02-30", "2010-13", "99999", "10000-01-01", 20100907, [], NUL)
JSON_URL: tuple[Any, ...] = ("javascript:alert(1)", "not a url", 5, [])


def json_values(kind: str, *, max_length: int | None, happened: bool) -> Sequence[Any]:
    """The hostile JSON values for a field of ``kind``."""
    if kind == "text":
        return (*JSON_TEXT, overlong(max_length))
    if kind == "date":
        return (*JSON_DATE, far_future()) if happened else JSON_DATE
    return {
        "choice": JSON_CHOICE,
        "id": JSON_ID,
        "ids": JSON_IDS,
        "bool": JSON_BOOL,
        "int": JSON_INT,
        "url": (*JSON_URL, "https://example.org/" + "x" * 3000),
        "file": ("a string", 5, [], {}),
    }[kind]


# --- By the kind of field (forms, where every value is text) ------------------------

FORM_ID: tuple[str, ...] = (str(HUGE_ID), str(HUGER_ID), "1.5", "-1", "abc", NUL)
FORM_DATE: tuple[str, ...] = ("2010-02-30", "2010-13", "99999-01-01", NUL)
FORM_INT: tuple[str, ...] = (str(HUGER_ID), "1.5", "abc", NUL)
FORM_CHOICE: tuple[str, ...] = ("no-such-choice", NUL)
FORM_URL: tuple[str, ...] = ("javascript:alert(1)", NUL)


def form_values(kind: str, *, max_length: int | None, happened: bool) -> Sequence[Any]:
    if kind == "text":
        return (NUL, overlong(max_length))
    if kind == "date":
        return (*FORM_DATE, far_future()) if happened else FORM_DATE
    if kind == "ids":
        return [[value] for value in FORM_ID]
    return {
        "choice": FORM_CHOICE,
        "id": FORM_ID,
        "int": FORM_INT,
        "url": FORM_URL,
        "file": ("not a file",),
    }[kind]


# --- Uploads -------------------------------------------------------------------------

#: A Windows program's first bytes.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


def exe_named_pdf() -> SimpleUploadedFile:
    """A program that says it is a PDF: refused (its bytes are not on the allowlist)."""
    return SimpleUploadedFile("letter.pdf", EXE, content_type="application/pdf")


def html_sent_as_pdf() -> SimpleUploadedFile:
    """HTML that says it is a PDF: its bytes are text, so it is kept as plain text
    (stored as .txt, downloaded as text), never served as a PDF or as HTML."""
    return SimpleUploadedFile("letter.pdf", HTML, content_type="application/pdf")


def empty_pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("letter.pdf", b"", content_type="application/pdf")


def pick(values: Sequence[Any], seed: int, count: int) -> list[Any]:
    """``count`` of ``values``, starting at a place that moves with ``seed``: every
    value is sent somewhere in a run while each field gets only a few."""
    if len(values) <= count:
        return list(values)
    start = (seed * count) % len(values)
    return [values[(start + i) % len(values)] for i in range(count)]
