"""The Editors and Viewers groups and the permissions each role carries.

A data migration creates the groups; the ``post_migrate`` handler below keeps
their permissions in step with the models, so a model added later is covered
without a new migration.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps as global_apps
from django.db.models.signals import post_migrate
from django.dispatch import receiver

EDITORS = "Editors"
VIEWERS = "Viewers"
ROLE_APPS = ("jurisdictions", "tracker", "inbox", "outbox")
#: Editors may not write these by hand: only the services create them (the status
#: log and the record of reminders sent).
SERVICE_ONLY_MODELS = frozenset({"transition", "reminderlog"})
#: Nobody but the owner and admins sees these: a calendar token is a private URL.
PRIVATE_MODELS = frozenset({"calendartoken", "historicalcalendartoken"})
#: Read by both roles, written only by the worker and the scheduler: how the
#: background work is going (a failed reminder and its retries, the schedule's runs,
#: the workers seen), so that staff notice a failure without an admin account.
MONITORING_MODELS = {
    "django_tasks_database": ("dbtaskresult",),
    "core": ("taskretry", "scheduledrun", "workerheartbeat"),
}


def role_codenames(app_models: dict[str, list[str]]) -> dict[str, set[tuple[str, str]]]:
    """(app_label, codename) pairs per group, for the given models of each app."""
    editors: set[tuple[str, str]] = set()
    viewers: set[tuple[str, str]] = set()
    for app_label, model_names in app_models.items():
        for model_name in model_names:
            if model_name in PRIVATE_MODELS:
                continue
            viewers.add((app_label, f"view_{model_name}"))
            editors.add((app_label, f"view_{model_name}"))
            if model_name.startswith("historical") or model_name in SERVICE_ONLY_MODELS:
                continue
            editors.add((app_label, f"add_{model_name}"))
            editors.add((app_label, f"change_{model_name}"))
    for monitored_app, monitored in MONITORING_MODELS.items():
        for model_name in monitored:
            viewers.add((monitored_app, f"view_{model_name}"))
            editors.add((monitored_app, f"view_{model_name}"))
    return {EDITORS: editors, VIEWERS: viewers}


def sync_role_groups(apps: Any = global_apps) -> None:
    """Create the groups if missing and give them exactly their role's permissions."""
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    app_models: dict[str, list[str]] = {}
    for label in ROLE_APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:  # an app whose models a migration's history has not reached
            continue
        app_models[label] = [m._meta.model_name for m in config.get_models()]
    for group_name, codenames in role_codenames(app_models).items():
        group, _created = group_model.objects.get_or_create(name=group_name)
        wanted = [
            p
            for p in permission_model.objects.filter(
                content_type__app_label__in=[*ROLE_APPS, *MONITORING_MODELS]
            ).select_related("content_type")
            if (p.content_type.app_label, p.codename) in codenames
        ]
        group.permissions.set(wanted)


@receiver(post_migrate)
def _sync_after_migrate(sender: Any, **kwargs: Any) -> None:
    # After each of the role apps, so that the roles are whole once the last of them
    # has its permissions.
    if getattr(sender, "label", None) in {"tracker", "inbox", "outbox"}:
        sync_role_groups(kwargs.get("apps") or global_apps)
