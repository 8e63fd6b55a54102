"""The mailbox poll against a real IMAP server: Debian's Dovecot, started for the test
with its own configuration (a Maildir in a temporary folder, one user from a password
file, plain IMAP on a free port of 127.0.0.1).

Skipped when Dovecot is not installed (``apt-get install dovecot-imapd``), unless
``REQUIRE_DOVECOT=1``, which makes its absence a failure (CI sets it).
"""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from inbox import mailbox
from inbox.models import Message
from tests.inbox.conftest import Case, mail
from tracker.models import Letter

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "replies", "s3cret-app-password"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Imap:
    port: int

    def client(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        client.login(USER, PASSWORD)
        return client

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        client = self.client()
        try:
            client.create(folder)
            kind, data = client.append(folder, None, None, raw)
            assert kind == "OK", data
        finally:
            client.logout()

    def flags(self, folder: str = "INBOX") -> list[str]:
        client = self.client()
        try:
            client.select(folder, readonly=True)
            _kind, data = client.fetch("1:*", "(FLAGS)")
            return [item.decode() for item in data if isinstance(item, bytes)]
        finally:
            client.logout()

    def count(self, folder: str) -> int:
        client = self.client()
        try:
            _kind, data = client.select(folder, readonly=True)
            return int(data[0])
        finally:
            client.logout()


_CONFIG = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
"""


@pytest.fixture
def dovecot() -> Iterator[Imap]:
    """A Dovecot IMAP server of its own, stopped after the test."""
    if not os.path.exists(DOVECOT):
        if os.environ.get("REQUIRE_DOVECOT") == "1":
            pytest.fail(f"REQUIRE_DOVECOT=1 but Dovecot is not installed at {DOVECOT}.")
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd).")
    root = Path(tempfile.mkdtemp(prefix="oot-dovecot-"))
    root.chmod(0o755)
    # Mail is never stored as root: as the test's user, or "nobody" when that is root.
    owner = pwd.getpwnam("nobody") if os.getuid() == 0 else pwd.getpwuid(os.getuid())
    (root / "mail").mkdir()
    os.chown(root / "mail", owner.pw_uid, owner.pw_gid)
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
    port = _free_port()
    config = root / "dovecot.conf"
    config.write_text(_CONFIG.format(root=root, uid=owner.pw_uid, gid=owner.pw_gid, port=port))
    server = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    output = server.stdout.read().decode() if server.stdout else ""
                    log = root / "dovecot.log"
                    pytest.fail(
                        "Dovecot did not start: "
                        + output
                        + (log.read_text() if log.exists() else "")
                    )
                time.sleep(0.1)
        yield Imap(port)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if server.stdout:
            server.stdout.close()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def mailbox_settings(settings: Any, dovecot: Imap) -> Any:
    settings.INBOX_IMAP_HOST = "127.0.0.1"
    settings.INBOX_IMAP_PORT = dovecot.port
    settings.INBOX_IMAP_SSL = False
    settings.INBOX_IMAP_USER = USER
    settings.INBOX_IMAP_PASSWORD = PASSWORD
    settings.INBOX_IMAP_FOLDER = "INBOX"
    settings.INBOX_IMAP_DONE_FOLDER = ""
    return settings


@pytest.mark.django_db
def test_the_poll_files_each_message_and_marks_it_seen(
    case: Case, dovecot: Imap, mailbox_settings: Any
) -> None:
    dovecot.append(mail("multipart_with_pdf.eml", case.request))
    dovecot.append(mail("unmatched.eml"))
    dovecot.append(mail("auto_reply.eml", case.request))

    result = mailbox.poll_mailbox()

    assert (result.received, result.duplicates, result.failed) == (3, 0, 0)
    states = dict(Message.objects.values_list("subject", "state"))
    assert states["RE: Secure Communities: request not to be activated"] == "matched"
    assert states["Question about the opt-out"] == "unmatched"
    assert all(m.via == Message.Via.IMAP for m in Message.objects.all())
    assert Letter.objects.filter(direction=Letter.Direction.INCOMING).count() == 1
    flags = dovecot.flags()
    assert len(flags) == 3
    assert all("\\Seen" in line for line in flags)

    # Read again: nothing unseen, nothing new.
    assert mailbox.poll_mailbox().received == 0
    assert Message.objects.count() == 3


@pytest.mark.django_db
def test_a_message_whose_filing_fails_stays_unseen_and_is_filed_next_time(
    case: Case, dovecot: Imap, mailbox_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    dovecot.append(mail("multipart_with_pdf.eml", case.request))

    def broken(**_: Any) -> Any:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(mailbox, "message_receive", broken)
    failed = mailbox.poll_mailbox()
    assert failed.failed == 1
    assert "\\Seen" not in dovecot.flags()[0]
    assert Message.objects.count() == 0

    monkeypatch.undo()
    again = mailbox.poll_mailbox()

    assert again.received == 1
    assert Message.objects.get().state == Message.State.MATCHED
    assert "\\Seen" in dovecot.flags()[0]


@pytest.mark.django_db
def test_a_message_kept_but_not_marked_is_filed_once(
    case: Case, dovecot: Imap, mailbox_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    dovecot.append(mail("multipart_with_pdf.eml", case.request))

    def lost_connection(*_: Any, **__: Any) -> None:
        raise imaplib.IMAP4.abort("connection lost")

    monkeypatch.setattr(mailbox, "_mark_done", lost_connection)
    with pytest.raises(imaplib.IMAP4.abort):
        mailbox.poll_mailbox()
    monkeypatch.undo()

    again = mailbox.poll_mailbox()

    assert (again.received, again.duplicates) == (0, 1)
    assert Letter.objects.filter(direction=Letter.Direction.INCOMING).count() == 1
    assert "\\Seen" in dovecot.flags()[0]


@pytest.mark.django_db
def test_the_poll_can_move_what_it_kept_to_a_folder(
    case: Case, dovecot: Imap, mailbox_settings: Any
) -> None:
    mailbox_settings.INBOX_IMAP_DONE_FOLDER = "Filed"
    dovecot.append(mail("unmatched.eml"))
    dovecot.append(b"This is not an email at all.\r\n")

    result = mailbox.poll_mailbox()

    assert result.received == 2
    assert dovecot.count("INBOX") == 0
    assert dovecot.count("Filed") == 2
    unreadable = Message.objects.get(state=Message.State.QUARANTINED)
    assert "could not be read" in unreadable.reason


def test_without_a_host_the_poll_does_nothing(settings: Any) -> None:
    settings.INBOX_IMAP_HOST = ""

    assert mailbox.poll_mailbox().as_dict() == {
        "received": 0,
        "duplicates": 0,
        "failed": 0,
        "messages": [],
    }


@pytest.mark.django_db
def test_the_worker_polls_on_its_schedule_when_a_mailbox_is_set(
    case: Case, dovecot: Imap, mailbox_settings: Any
) -> None:
    from core.schedule import run_due_jobs

    mailbox_settings.TASK_SCHEDULE = {
        "poll-mailbox": {"task": "inbox.tasks.poll_mailbox_task", "every_minutes": 5}
    }
    dovecot.append(mail("multipart_with_pdf.eml", case.request))

    [run] = run_due_jobs()

    assert run.job == "poll-mailbox"
    assert Message.objects.get().state == Message.State.MATCHED
