"""What the site needs before it answers a single request."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MISSING_SECRET_KEY = (
    "SECRET_KEY is not set. Set it (or SECRET_KEY_FILE) to a long random string, "
    "or set DEBUG=true on a development machine."
)


def refuse_to_serve_without_a_secret_key() -> None:
    """Sessions, sign-in and CSRF tokens are signed with SECRET_KEY: without one the site
    must not start (rather than fail on its first request)."""
    settings.DEBUG  # noqa: B018  (loads the settings: a malformed variable says so first)
    try:
        key = settings.SECRET_KEY
    except ImproperlyConfigured:  # Django's own refusal of an empty key, less helpful
        key = ""
    if not key:
        raise ImproperlyConfigured(MISSING_SECRET_KEY)
