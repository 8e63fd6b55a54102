"""``manage.py receive_email``: receive one message from standard input.

For a mail server's pipe (Postfix: ``replies: "|/srv/oot/bin/manage receive_email"``).
Exit status 0: kept (filed or in the inbox); 65 (EX_DATAERR): not an email, refused, so
the mail server bounces it to its sender; 75 (EX_TEMPFAIL): the tracker could not keep
it now (its database is down), so the mail server keeps it and tries again later.
"""

from __future__ import annotations

import sys
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError

from inbox.models import Message
from inbox.services import MessageRefused, message_receive

EX_DATAERR = 65
EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "Receive one email message (RFC 822, or an Outlook .msg file) from standard input."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--file",
            help="Read the message from this file instead of standard input.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["file"]:
            try:
                with open(options["file"], "rb") as handle:
                    raw = handle.read()
            except OSError as error:
                self._fail(f"Cannot read {options['file']}: {error}", EX_DATAERR)
        else:
            raw = sys.stdin.buffer.read()
        try:
            received = message_receive(raw=raw, via=Message.Via.PIPE)
        except MessageRefused as error:
            self._fail("Refused: " + " ".join(error.messages), EX_DATAERR)
        except DatabaseError as error:
            self._fail(f"Could not keep the message now, try again later: {error}", EX_TEMPFAIL)
        message = received.message
        if not received.created:
            self.stdout.write(f"Already received as inbox message {message.pk}: nothing new.")
        elif message.letter_id:
            self.stdout.write(
                f"Filed on request {message.request_id} as letter {message.letter_id} "
                f"(inbox message {message.pk})."
            )
        else:
            self.stdout.write(
                f"Kept in the inbox as message {message.pk} "
                f"({message.get_state_display()}): {message.reason}"
            )

    def _fail(self, text: str, status: int) -> NoReturn:
        self.stderr.write(text)
        sys.exit(status)
