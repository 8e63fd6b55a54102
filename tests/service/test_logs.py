"""LOG_FORMAT=json: one JSON object a line, with what a log collector needs."""

from __future__ import annotations

import json
import logging
import sys

from django.test import RequestFactory

from config.logs import JsonFormatter


def test_a_record_is_one_line_of_json_with_its_request_and_extras() -> None:
    request = RequestFactory().post("/api/v1/letters/")
    record = logging.LogRecord(
        "django.request", logging.WARNING, "x.py", 1, "Bad: %s", ("it",), None
    )
    record.request = request
    record.status_code = 400
    record.task_id = "abc"
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "WARNING" and entry["logger"] == "django.request"
    assert entry["message"] == "Bad: it"
    assert (entry["method"], entry["path"], entry["status"]) == ("POST", "/api/v1/letters/", 400)
    assert entry["task_id"] == "abc"
    assert entry["time"].endswith("+00:00")


def test_an_exception_s_traceback_stays_inside_the_one_line() -> None:
    try:
        raise ValueError("broken")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, "x.py", 1, "failed", (), sys.exc_info())
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert "ValueError: broken" in json.loads(line)["exception"]
