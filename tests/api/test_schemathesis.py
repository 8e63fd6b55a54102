"""Property-based run of the whole API against its own OpenAPI schema.

Schemathesis generates requests for every operation of the schema served at
``/api/schema/`` and calls the WSGI application in-process, signed in as an
editor, on a database holding the 2010 record. It fails on any server error or
any response that does not match the schema. The run is bounded (a few examples
per operation) and derandomized, so it gives the same result on every run.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, settings
from schemathesis.config import SchemathesisConfig

from config.wsgi import application
from core.tokens import api_token_create

EXAMPLES_PER_OPERATION = 25


def _served_schema() -> dict[str, Any]:
    """The schema exactly as /api/schema/ serves it (generated without a request, so
    the test functions can be made per operation when this module is collected)."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    loaded: dict[str, Any] = json.loads(OpenApiJsonRenderer().render(generated))
    return loaded


CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 2010,
        "generation": {"max-examples": EXAMPLES_PER_OPERATION},
        # The coverage phase tries every boundary of every parameter (thousands of
        # calls); the fuzzing phase with a fixed seed keeps the run to a few minutes.
        "phases": {"coverage": {"enabled": False}},
        "checks": {
            # A filter or a field naming a record that does not exist is a 400 by
            # design, and the schema cannot say which ids exist.
            "positive_data_acceptance": {"enabled": False},
            # An empty filter (``?sent_on_before=``) means "no filter", as HTML forms
            # send it; the schema's date format would call it invalid.
            "negative_data_rejection": {"enabled": False},
        },
        "operations": [
            {
                # Writes that may carry a file are generated valid only: Schemathesis's
                # own check of a mutated body fails on the file part of a multipart
                # body ("Unsupported type: 'Binary'") before any request is sent.
                # Invalid input to them is sent by tests/test_hostile_inputs.py.
                "include-path-regex": "^/api/v1/(letters|responses|statements)/",
                "include-method-regex": "^(POST|PUT|PATCH)$",
                "generation": {"mode": "positive"},
            }
        ],
    }
)
schema = schemathesis.openapi.from_dict(_served_schema(), config=CONFIG)
schema.app = application


@pytest.fixture
def _connection_kept_open() -> Iterator[None]:
    """Keep the test's database connection (and its transaction) across requests.

    A WSGI request ends by closing connections that are not in autocommit mode;
    Django's own test client switches that off in the same way.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def editor_token(record_2010: None, editor: Any, settings: Any, _connection_kept_open: None) -> str:
    # Schemathesis addresses the in-process application as "localhost".
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    return api_token_create(user=editor, name="schemathesis")[1]


def test_the_served_schema_is_the_one_under_test(client: Any) -> None:
    served = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert served.json() == _served_schema()


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    database=None,
    # No shrinking: a failure is reported as found, which keeps the run short.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_the_api_conforms_to_its_schema_and_never_errors(case: Any, editor_token: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Token {editor_token}"})
