"""API tokens: made, rotated and revoked by their owner, checked on every API call.

The secret is ``oot_`` and 43 random URL-safe characters (256 bits), shown once;
the database keeps its SHA-256 hash, so a copy of the database signs no one in.
Keys made before named tokens existed (40 hexadecimal characters) were moved here
by a migration, hashed the same way, and keep working.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from core.models import ApiToken

#: Makes a leaked key recognisable to secret scanners and to people.
SECRET_PREFIX = "oot_"
#: How many of the secret's characters lists show.
SHOWN_CHARACTERS = 12
#: ``last_used_at`` is written when it is older than this, not on every call.
LAST_USED_PRECISION = dt.timedelta(minutes=1)


class TokenRefused(Exception):
    """The secret names no token that may be used now; ``message`` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def api_token_create(
    *, user: Any, name: str, expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token for ``user`` and its secret, which is not stored and cannot be
    shown again."""
    secret = _new_secret()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        expires_at=expires_at,
        prefix=secret[:SHOWN_CHARACTERS],
        secret_hash=hash_secret(secret),
    )
    return token, secret


@transaction.atomic
def api_token_rotate(*, token: ApiToken) -> str:
    """A new secret for the token (same name and expiry); the old secret stops
    working at once."""
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    secret = _new_secret()
    locked.prefix = secret[:SHOWN_CHARACTERS]
    locked.secret_hash = hash_secret(secret)
    locked.rotated_at = timezone.now()
    locked.save(update_fields=["prefix", "secret_hash", "rotated_at"])
    token.refresh_from_db()
    return secret


def api_token_revoke(*, token: ApiToken) -> None:
    """The token stops working at once and for good; it stays listed as revoked."""
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db(fields=["revoked_at"])


def token_state(token: ApiToken, now: dt.datetime | None = None) -> str:
    """``active``, ``expired`` or ``revoked``."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= (now or timezone.now()):
        return "expired"
    return "active"


def token_for_secret(secret: str) -> ApiToken:
    """The usable token with this secret, its user loaded; :class:`TokenRefused` if
    there is none, it was revoked, it expired or its user was deactivated."""
    token = ApiToken.objects.select_related("user").filter(secret_hash=hash_secret(secret)).first()
    if token is None:
        raise TokenRefused(gettext("Invalid token."))
    state = token_state(token)
    if state == "revoked":
        assert token.revoked_at is not None
        raise TokenRefused(
            gettext("This token was revoked on %(date)s; make a new one.")
            % {"date": date_format(timezone.localtime(token.revoked_at), "DATETIME_FORMAT")}
        )
    if state == "expired":
        assert token.expires_at is not None
        raise TokenRefused(
            gettext("This token expired on %(date)s; make a new one.")
            % {"date": date_format(timezone.localtime(token.expires_at), "DATETIME_FORMAT")}
        )
    if not token.user.is_active:
        raise TokenRefused(gettext("This token's account is deactivated."))
    return token


def note_use(token: ApiToken, now: dt.datetime | None = None) -> None:
    """Record that the token was used, at most once a minute (one UPDATE then, none
    on the other calls of that minute)."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_PRECISION:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
