from django.apps import AppConfig


class TrackerConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tracker"
    verbose_name = "Opt-out requests"

    def ready(self) -> None:
        from tracker import visuals  # noqa: F401  (forgets kept drawings after a restore)
        from tracker.domain import checks, roles  # noqa: F401  (registers checks and signal handlers)
