"""``manage.py receive_email``: a mail server pipes one message to it."""

from __future__ import annotations

import io
import sys
from typing import Any

import pytest
from django.core.management import call_command

from inbox.models import Message
from tests.inbox.conftest import Case, mail

pytestmark = pytest.mark.django_db


class _Stdin:
    def __init__(self, raw: bytes) -> None:
        self.buffer = io.BytesIO(raw)


def run(raw: bytes, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(sys, "stdin", _Stdin(raw))
    out = io.StringIO()
    call_command("receive_email", stdout=out)
    return out.getvalue()


def test_a_piped_reply_is_filed(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    said = run(mail("latin1_headers.eml", case.request), monkeypatch)

    message = Message.objects.get()
    assert message.via == Message.Via.PIPE
    assert said.startswith(f"Filed on request {case.request.pk} as letter {message.letter_id}")


def test_a_piped_message_that_names_nothing_is_kept_in_the_inbox(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    said = run(mail("unmatched.eml"), monkeypatch)

    assert "Kept in the inbox" in said
    assert Message.objects.count() == 1


def test_the_same_message_piped_twice_is_kept_once(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(mail("unmatched.eml"), monkeypatch)

    said = run(mail("unmatched.eml"), monkeypatch)

    assert said.startswith("Already received")
    assert Message.objects.count() == 1


@pytest.mark.parametrize("raw", [b"", b"just some words\n"])
def test_bad_input_exits_65_with_a_clear_message(
    db: None, monkeypatch: pytest.MonkeyPatch, capsys: Any, raw: bytes
) -> None:
    monkeypatch.setattr(sys, "stdin", _Stdin(raw))
    err = io.StringIO()

    with pytest.raises(SystemExit) as stopped:
        call_command("receive_email", stderr=err)

    assert stopped.value.code == 65
    assert err.getvalue().startswith("Refused: ")
    assert Message.objects.count() == 0


def test_a_file_argument_is_read(db: None, tmp_path: Any) -> None:
    path = tmp_path / "question.eml"
    path.write_bytes(mail("unmatched.eml"))
    out = io.StringIO()

    call_command("receive_email", "--file", str(path), stdout=out)

    assert Message.objects.get().subject == "Question about the opt-out"
