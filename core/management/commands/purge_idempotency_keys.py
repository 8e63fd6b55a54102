"""Forget the idempotency keys of API creates older than a day (or than --hours)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from core.idempotency import KEPT_FOR, purge


class Command(BaseCommand):
    help = (
        "Delete the remembered Idempotency-Key answers older than --hours (at least "
        f"{int(KEPT_FOR.total_seconds() // 3600)}, the time a client may retry). Run it daily."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hours", type=int, default=int(KEPT_FOR.total_seconds() // 3600))

    def handle(self, *args: Any, hours: int, **options: Any) -> None:
        deleted = purge(older_than=dt.timedelta(hours=hours))
        self.stdout.write(f"Forgot {deleted} idempotency key(s).")
