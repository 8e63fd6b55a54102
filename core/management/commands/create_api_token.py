"""Make an API token for a user from the shell (for a script's account that never
signs in); prints the secret, which is shown only this once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from core.tokens import api_token_create


class Command(BaseCommand):
    help = (
        "Make a named API token for USERNAME and print its secret (shown only now). "
        "People can make their own on the 'API tokens' page or at /api/v1/tokens/."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="What the token is for.")
        parser.add_argument(
            "--expires-in-days", type=int, default=None, help="Stop working after this many days."
        )

    def handle(
        self, *args: Any, username: str, name: str, expires_in_days: int | None, **options: Any
    ) -> None:
        user = get_user_model()._default_manager.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if not user.is_active:
            raise CommandError(f"The account {username!r} is deactivated.")
        if not name.strip() or len(name) > 100:
            raise CommandError("--name must be 1 to 100 characters.")
        expires_at = None
        if expires_in_days is not None:
            if not 1 <= expires_in_days <= 3650:
                raise CommandError("--expires-in-days must be from 1 to 3650.")
            expires_at = timezone.now() + dt.timedelta(days=expires_in_days)
        _token, secret = api_token_create(user=user, name=name.strip(), expires_at=expires_at)
        self.stdout.write(secret)
