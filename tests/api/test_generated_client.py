"""A Python client generated from the OpenAPI schema works against a running server.

openapi-python-client (the ``client`` extra) generates a client from the schema
served at ``/api/schema/`` into a temporary directory; the test then lists,
creates, moves a request and meets a stale ``If-Match`` through it, against a live
server. Without the generator the test skips, unless ``REQUIRE_CLIENT_GENERATOR=1``
(set by ``make test`` and CI), where it fails.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.dates import PartialDate
from core.tokens import api_token_create
from tests.api.test_schemathesis import _served_schema
from tracker.domain import services
from tracker.models import Letter, OptOutRequest

PACKAGE = "opt_out_tracker_api_client"


def _generator() -> list[str]:
    """The command that runs openapi-python-client, or a skip (a failure when required)."""
    if importlib.util.find_spec("openapi_python_client") is not None:
        return [sys.executable, "-m", "openapi_python_client"]
    reason = (
        "openapi-python-client is not installed: pip install -e '.[client]' "
        "(make test installs it) to check that a client generated from the schema works"
    )
    if os.environ.get("REQUIRE_CLIENT_GENERATOR") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The client package generated from the schema as served, imported."""
    command = _generator()
    work = tmp_path_factory.mktemp("client")
    schema = work / "openapi.json"
    schema.write_text(json.dumps(_served_schema()))
    # No formatting of the generated code (it would shell out to ruff): it is run, not read.
    config = work / "config.json"
    config.write_text(json.dumps({"post_hooks": []}))
    output = work / "generated"
    finished = subprocess.run(
        [
            *command,
            "generate",
            "--path",
            str(schema),
            "--output-path",
            str(output),
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    # The generator reports what it could not generate as warnings: there must be none.
    assert "Warning" not in finished.stdout + finished.stderr, finished.stdout + finished.stderr
    sys.path.insert(0, str(output))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(output))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def _module(package: Any, name: str) -> Any:
    return importlib.import_module(f"{package.__name__}.{name}")


@pytest.mark.django_db(transaction=True)
def test_a_client_generated_from_the_schema_works(
    generated: Any, live_server: Any, editor: Any, cases: dict[str, Any]
) -> None:
    models = _module(generated, "models")
    letters_list = _module(generated, "api.letters.letters_list")
    letters_create = _module(generated, "api.letters.letters_create")
    requests_retrieve = _module(generated, "api.requests.requests_retrieve")
    move = _module(generated, "api.requests.requests_transitions_create")
    agencies_retrieve = _module(generated, "api.agencies.agencies_retrieve")
    _token, secret = api_token_create(user=editor, name="generated client")
    # An answer the schema does not document raises: the schema must say every status.
    client = generated.AuthenticatedClient(
        base_url=live_server.url, token=secret, prefix="Token", raise_on_unexpected_status=True
    )

    # List letters, in an order the schema offers.
    listed = letters_list.sync_detailed(
        client=client, ordering=models.LettersListOrdering("-updated_at")
    )
    assert listed.status_code == 200
    rows = listed.parsed.results
    assert {row.id for row in rows} == set(Letter.objects.values_list("pk", flat=True))
    assert all(isinstance(row, models.Letter) for row in rows)

    # Create a letter.
    created = letters_create.sync_detailed(
        client=client,
        body=models.LetterRequest(
            request=cases["arlington"].pk,
            sender=cases["sheriff"].pk,
            recipients=[cases["ice"].pk],
            subject="Notice of opt-out",
            sent_on="2010-09-28",
        ),
        idempotency_key="generated-client-letter",
    )
    assert created.status_code == 201, created.content
    assert isinstance(created.parsed, models.Letter)
    assert Letter.objects.get(pk=created.parsed.id).subject == "Notice of opt-out"

    # Move the request, naming the version read.
    arlington = cases["arlington"].pk
    read = requests_retrieve.sync_detailed(id=arlington, client=client)
    assert read.status_code == 200
    etag = read.headers["ETag"]
    moved = move.sync_detailed(
        id=arlington,
        client=client,
        body=models.TransitionRequestRequest(
            to=models.RequestStateEnum.NOTICE_SENT, letter=created.parsed.id
        ),
        if_match=etag,
    )
    assert moved.status_code == 201, moved.content
    assert moved.parsed.request.status == models.RequestStateEnum.NOTICE_SENT
    assert OptOutRequest.objects.get(pk=arlington).status == "notice_sent"

    # The same move again with the version read before it: 412, in the error shape.
    stale = move.sync_detailed(
        id=arlington,
        client=client,
        body=models.TransitionRequestRequest(to=models.RequestStateEnum.WITHDRAWN),
        if_match=etag,
    )
    assert stale.status_code == 412
    assert isinstance(stale.parsed, models.Error)
    assert stale.parsed.code == "stale_record"
    assert OptOutRequest.objects.get(pk=arlington).status == "notice_sent"

    # A record read again while unchanged: 304.
    agency = agencies_retrieve.sync_detailed(id=cases["ice"].pk, client=client)
    again = agencies_retrieve.sync_detailed(
        id=cases["ice"].pk, client=client, if_none_match=agency.headers["ETag"]
    )
    assert again.status_code == 304

    # Without a token: the published letters, in the public representation.
    Letter.objects.filter(pk=cases["sf_letter"].pk).update(is_public=True)
    OptOutRequest.objects.filter(pk=cases["sf"].pk).update(is_public=True)
    anonymous = generated.Client(base_url=live_server.url, raise_on_unexpected_status=True)
    public = letters_list.sync_detailed(client=anonymous)
    assert public.status_code == 200
    assert [row.reference for row in public.parsed.results] == [cases["sf_letter"].reference]
    assert all(isinstance(row, models.PublicLetter) for row in public.parsed.results)


def _client_example() -> str:
    text = (Path(__file__).parents[2] / "docs" / "api.md").read_text()
    found = re.search(
        r"<!-- client-example -->\n```python\n(.*?)```\n<!-- /client-example -->", text, re.S
    )
    assert found, "docs/api.md has no client example"
    return found.group(1)


@pytest.mark.django_db(transaction=True)
def test_the_client_example_in_the_docs_runs(
    generated: Any, live_server: Any, editor: Any, cases: dict[str, Any]
) -> None:
    optout = services.request_open(
        jurisdiction=cases["arlington"].jurisdiction, title="Docs example", by=editor
    )
    letter = services.letter_log(
        request=optout,
        by=editor,
        sender=cases["sheriff"],
        recipients=[cases["ice"]],
        subject="Notice",
        sent_on=PartialDate.parse("2010-09-28"),
    )
    _token, secret = api_token_create(user=editor, name="docs example")
    code = (
        _client_example()
        .replace("http://127.0.0.1:8000", live_server.url)
        .replace("id=5", f"id={optout.pk}")
        .replace("letter=7", f"letter={letter.pk}")
    )
    scope: dict[str, Any] = {"TOKEN": secret}
    exec(compile(code, "docs/api.md", "exec"), scope)
    assert scope["moved"].status_code == 201, scope["moved"].content
    assert len(scope["page"].results) == Letter.objects.count()
    optout.refresh_from_db()
    assert optout.status == "notice_sent"


def test_the_generator_is_declared_where_make_test_installs_it() -> None:
    root = Path(__file__).parents[2]
    pyproject = (root / "pyproject.toml").read_text()
    assert '"openapi-python-client' in pyproject
    makefile = (root / "Makefile").read_text()
    assert "client" in makefile.split("$(VENV)/.installed-test:")[1].split("\n\n")[0]
    assert "REQUIRE_CLIENT_GENERATOR=1" in (root / ".ci" / "run").read_text()


def test_without_the_generator_the_test_skips_unless_it_is_required(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    monkeypatch.delenv("REQUIRE_CLIENT_GENERATOR", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"pip install -e '\.\[client\]'"):
        _generator()
    monkeypatch.setenv("REQUIRE_CLIENT_GENERATOR", "1")
    with pytest.raises(pytest.fail.Exception, match="not installed"):
        _generator()
