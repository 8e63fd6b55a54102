"""Create the demo accounts admin, editor and viewer, and print their passwords."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from tracker.domain.roles import EDITORS, VIEWERS

DEMO_ACCOUNTS = (
    # username, superuser, group
    ("admin", True, None),
    ("editor", False, EDITORS),
    ("viewer", False, VIEWERS),
)


class Command(BaseCommand):
    help = "Create or reset the demo accounts (only when DEBUG is on) and print their passwords."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            help="Use this password for all three accounts instead of random ones.",
        )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "Demo accounts are only created when DEBUG is on: they have known passwords."
            )
        user_model = get_user_model()
        lines = []
        for username, superuser, group_name in DEMO_ACCOUNTS:
            password = options["password"] or secrets.token_urlsafe(9)
            user, _created = user_model.objects.get_or_create(username=username)
            user.is_staff = True
            user.is_superuser = superuser
            user.email = f"{username}@example.org"
            user.set_password(password)
            user.save()
            if group_name:
                user.groups.set([Group.objects.get(name=group_name)])
            lines.append(f"  {username:<8} {password}")
        self.stdout.write("Demo accounts (username, password):")
        self.stdout.write("\n".join(lines))
