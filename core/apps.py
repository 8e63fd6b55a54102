from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Connects the retry of failed background tasks to django.tasks' signal.
        from core import background  # noqa: F401
