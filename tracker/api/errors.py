"""One error shape for every API error.

Every error is a JSON object with a machine-readable ``code``, a ``detail`` for
people and per-field ``errors`` (``{}`` when no field is to blame)::

    {"code": "invalid", "detail": "Some fields are not valid.",
     "errors": {"sent_on": ["'2010-13' is not a real date (month must be in 1..12)."]}}

A refused transition (409) adds ``current`` and ``allowed``; a stale write (412)
adds ``current_version`` and ``changes``; a write without ``If-Match`` (428) adds
``current_version`` and ``etag``. A Django ``ValidationError`` raised by
a model or a service is a 400, never a 500.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from django.utils.translation import gettext
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import set_rollback

from core.errors import error_body
from tracker.domain.services import DomainError, StaleRecord, TransitionRefused

NON_FIELD = "non_field_errors"
#: What Django names the errors of no single field.
DJANGO_NON_FIELD = NON_FIELD_ERRORS


def _field_errors(detail: Any) -> dict[str, Any]:
    """DRF's nested error detail as plain ``{field: [message, ...]}``; errors of no
    single field (Django's ``__all__``) under ``non_field_errors``."""
    if isinstance(detail, dict):
        errors: dict[str, Any] = {}
        for key, value in detail.items():
            name = NON_FIELD if key == DJANGO_NON_FIELD else str(key)
            messages = _messages(value)
            known = errors.get(name)
            both_lists = isinstance(known, list) and isinstance(messages, list)
            errors[name] = [*known, *messages] if both_lists else messages  # type: ignore[misc]
        return errors
    return {NON_FIELD: _messages(detail)}


def _messages(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _messages(item) for key, item in value.items()}
    if isinstance(value, list):
        if all(isinstance(item, str) for item in value):
            return [str(item) for item in value]
        return [_messages(item) for item in value]
    return [str(value)]


def _summary(errors: dict[str, Any]) -> str:
    if set(errors) == {NON_FIELD}:
        first = errors[NON_FIELD]
        return str(first[0]) if isinstance(first, list) and first else str(first)
    return gettext("Some fields are not valid: %(fields)s.") % {"fields": ", ".join(sorted(errors))}


def _refused(error: TransitionRefused) -> Response:
    body = error_body(error.code, error.message)
    body["current"] = error.current.value
    body["allowed"] = [state.value for state in error.allowed]
    return Response(body, status=status.HTTP_409_CONFLICT)


def _stale(error: StaleRecord) -> Response:
    body = error_body(error.code, error.message)
    body["current_version"] = error.current
    body["changes"] = [
        {
            "field": change.field,
            "label": change.label,
            "old": None if change.old is None else str(change.old),
            "new": None if change.new is None else str(change.new),
            "by": change.by,
            "at": change.at.isoformat() if change.at else None,
        }
        for change in error.changes
    ]
    return Response(body, status=status.HTTP_412_PRECONDITION_FAILED)


class PreconditionRequired(exceptions.APIException):
    """A change to an existing record sent without ``If-Match`` (428)."""

    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_code = "precondition_required"

    def __init__(self, *, current_version: int, etag: str) -> None:
        super().__init__(
            gettext(
                "Send the If-Match header with the ETag of the version you read "
                "(the record is now at %(etag)s), or If-Match: * to change whatever "
                "version is current."
            )
            % {"etag": etag}
        )
        self.current_version = current_version
        self.etag = etag


def _precondition_required(error: PreconditionRequired) -> Response:
    body = error_body(error.default_code, str(error.detail))
    body["current_version"] = error.current_version
    body["etag"] = error.etag
    return Response(body, status=error.status_code, headers={"ETag": error.etag})


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: turn every error into the one shape."""
    if isinstance(exc, TransitionRefused):
        return _refused(exc)
    if isinstance(exc, StaleRecord):
        return _stale(exc)
    if isinstance(exc, PreconditionRequired):
        return _precondition_required(exc)
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        errors = _field_errors(as_serializer_error(exc))
        return Response(error_body("invalid", _summary(errors), errors), status=400)
    if isinstance(exc, ProtectedError | RestrictedError):
        blocking = sorted({str(obj._meta.verbose_name) for obj in exc.args[1]})
        return Response(
            error_body(
                "protected",
                gettext(
                    "This record cannot be deleted: other records refer to it "
                    "(%(blocking)s). Delete or change those first."
                )
                % {"blocking": ", ".join(blocking)},
            ),
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, IntegrityError):
        # A database constraint caught what validation could not see, e.g. two
        # clients creating the same jurisdiction at the same moment.
        set_rollback()
        return Response(
            error_body(
                "conflict",
                gettext(
                    "The change conflicts with a record saved at the same time. Reload and retry."
                ),
            ),
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None

    headers: dict[str, str] = {}
    if auth_header := getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = auth_header
    if wait := getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(wait))

    if isinstance(exc, exceptions.ValidationError):
        errors = _field_errors(exc.detail)
        body = error_body("invalid", _summary(errors), errors)
    else:
        detail = exc.detail
        code = getattr(detail, "code", None) or exc.default_code
        body = error_body(str(code), str(detail))
    set_rollback()
    return Response(body, status=exc.status_code, headers=headers)
