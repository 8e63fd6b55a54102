"""The API's limits for what can be asked without signing in (``core.throttling``), and
the token sign-in that counts wrong tokens."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext
from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from core import throttling, tokens
from core.models import ApiToken


class AnonymousThrottle(BaseThrottle):
    """``ANONYMOUS_API_PER_MINUTE`` requests a minute per address without a token."""

    def __init__(self) -> None:
        self.wait_seconds: int | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        if request.user and request.user.is_authenticated:
            return True
        self.wait_seconds = throttling.count(
            "anonymous-api",
            throttling.client_address(request),
            limit=settings.ANONYMOUS_API_PER_MINUTE,
        )
        return self.wait_seconds is None

    def wait(self) -> float | None:
        return self.wait_seconds


class CountedTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <secret>`` with a named token (``core.tokens``): a wrong,
    revoked or expired one is a 401 saying which. After ``WRONG_TOKENS_PER_MINUTE``
    refused tokens from one address, any token from it is answered 429 for the rest
    of the minute, before it is looked up."""

    def authenticate_credentials(self, key: str) -> tuple[Any, ApiToken]:
        try:
            token = tokens.token_for_secret(key)
        except tokens.TokenRefused as refused:
            raise AuthenticationFailed(refused.message) from None
        tokens.note_use(token)
        return token.user, token

    def authenticate(self, request: Request) -> Any:
        address = throttling.client_address(request)
        limit = settings.WRONG_TOKENS_PER_MINUTE
        given = get_authorization_header(request).split()
        sends_a_token = bool(given) and given[0].lower() == self.keyword.lower().encode()
        wait = throttling.over_limit("wrong-token", address, limit=limit) if sends_a_token else None
        if wait is not None:
            raise Throttled(wait=wait, detail=gettext("Too many wrong tokens from this address."))
        try:
            return super().authenticate(request)
        except AuthenticationFailed:
            throttling.count("wrong-token", address, limit=limit)
            raise
