"""Webhooks: subscriptions, the outbox of events, signing, and sending by the worker.

A subscription (``WebhookSubscription``) names an address, the event types wanted and
a secret made here and shown once. A write that changes a record calls
:func:`record_event` inside its transaction: it writes one ``WebhookDelivery`` row per
subscription that wants the event and whose owner may read the record (the outbox),
and asks for a task once the transaction commits, so a rolled-back write announces
nothing and a committed one is never lost. The worker sends each message
(:func:`send`) as JSON, signed with HMAC-SHA256 over ``"<timestamp>.<body>"``; an
answer other than a 2xx (or none within WEBHOOK_TIMEOUT_SECONDS) is tried again after
WEBHOOK_RETRY_BACKOFF_SECONDS, doubled each time, until WEBHOOK_MAX_ATTEMPTS attempts
have failed. Redirects are never followed, and private or loopback addresses are
refused unless WEBHOOK_ALLOW_PRIVATE_TARGETS is on.

Every attempt claims its row first (a compare-and-swap on ``next_attempt_at``), so
however many workers hold a task for it, a message is sent by one at a time; a worker
lost mid-send leaves the row due again once its claim expires, and the scheduled
:func:`send_due_webhooks_task` sends it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterable, Sequence
from http.client import HTTPException
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Model
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.background import enqueue_on_commit
from core.models import WebhookDelivery, WebhookSubscription
from core.permissions import may_view
from core.records import StaleRecord

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

logger = logging.getLogger(__name__)

#: The events a subscription may choose, with what each means.
EVENT_TYPES: dict[str, StrOrPromise] = {
    "created": _("a record was created"),
    "changed": _("a record was changed"),
    "moved": _("a request was moved to another state"),
    "deleted": _("a record was deleted"),
    "reply_overdue": _("a letter's reply became overdue"),
}
#: Sent by "Send a test event", whatever the subscription chose.
TEST_EVENT = "test"

SIGNATURE_HEADER = "Opt-Out-Signature"
EVENT_ID_HEADER = "Opt-Out-Event-Id"
EVENT_TYPE_HEADER = "Opt-Out-Event-Type"
#: Makes a leaked secret recognisable to secret scanners and to people.
SECRET_PREFIX = "whsec_"
#: How many characters of a subscriber's answer the delivery log keeps.
EXCERPT_CHARACTERS = 300
#: The longest wait between two attempts, however many there were.
MAX_BACKOFF = dt.timedelta(hours=6)
#: How many due messages one run of the scheduled sender asks the worker for.
SWEEP_BATCH = 200
USER_AGENT = "Opt-Out-Tracker-Webhooks/1"


# --- Signing ------------------------------------------------------------------------


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``"<timestamp>.<body>"`` under ``secret``."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    """``t=<unix time>,v1=<signature>``: the ``Opt-Out-Signature`` header's value."""
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def body_of(payload: dict[str, Any]) -> bytes:
    """The bytes sent (and signed) for a message."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


# --- Addresses ------------------------------------------------------------------------


class TargetRefused(Exception):
    """The address may not be sent to; ``message`` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _is_private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def check_target(url: str) -> None:
    """Raise :class:`TargetRefused` unless ``url`` is an http or https address that may
    be sent to: with WEBHOOK_ALLOW_PRIVATE_TARGETS off, every address its host names
    must be a public one (not loopback, private, link-local or reserved)."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        raise TargetRefused(gettext("This is not a web address.")) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetRefused(gettext("Give an http:// or https:// address."))
    if parts.username or parts.password:
        raise TargetRefused(gettext("An address with a user name or password is not accepted."))
    if settings.WEBHOOK_ALLOW_PRIVATE_TARGETS:
        return
    host = parts.hostname
    try:
        found = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise TargetRefused(
            gettext("The host %(host)s could not be found.") % {"host": host}
        ) from None
    addresses = {str(info[4][0]) for info in found}
    if not addresses or any(_is_private(address) for address in addresses):
        raise TargetRefused(
            gettext(
                "The host %(host)s is a private, loopback or reserved address; webhooks "
                "are sent only to public addresses."
            )
            % {"host": host}
        )


def _check_event_types(event_types: Sequence[str]) -> list[str]:
    unknown = [name for name in event_types if name not in EVENT_TYPES]
    if unknown or not event_types:
        raise ValidationError(
            {
                "event_types": gettext("Choose one or more of: %(types)s.")
                % {"types": ", ".join(EVENT_TYPES)}
            }
        )
    return [name for name in EVENT_TYPES if name in event_types]


def _validate(subscription: WebhookSubscription) -> None:
    errors: dict[str, list[str]] = {}
    try:
        subscription.event_types = _check_event_types(subscription.event_types)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        subscription.full_clean(exclude=["owner", "event_types"])
    except ValidationError as error:
        errors.update(error.message_dict)
    if "url" not in errors:
        try:
            check_target(subscription.url)
        except TargetRefused as refused:
            errors["url"] = [refused.message]
    if errors:
        raise ValidationError(errors)


# --- Managing subscriptions -------------------------------------------------------------


@transaction.atomic
def webhook_create(
    *, owner: Any, name: str, url: str, event_types: Sequence[str], is_active: bool = True
) -> tuple[WebhookSubscription, str]:
    """A new subscription for ``owner`` and its secret (shown to them this once)."""
    secret = new_secret()
    subscription = WebhookSubscription(
        owner=owner,
        name=name,
        url=url,
        event_types=list(event_types),
        is_active=is_active,
        secret=secret,
    )
    _validate(subscription)
    subscription.save()
    return subscription, secret


def _lock(subscription: WebhookSubscription, expected_version: int | None) -> WebhookSubscription:
    locked = WebhookSubscription.objects.select_for_update().filter(pk=subscription.pk).first()
    current = None if locked is None else locked.version
    if locked is None or (expected_version is not None and current != expected_version):
        raise StaleRecord(subscription, expected_version or subscription.version, current)  # type: ignore[arg-type]
    return locked


@transaction.atomic
def webhook_update(
    *,
    subscription: WebhookSubscription,
    expected_version: int | None,
    name: str | None = None,
    url: str | None = None,
    event_types: Sequence[str] | None = None,
    is_active: bool | None = None,
) -> WebhookSubscription:
    """Change what is given (None: keep it), refusing a stale ``expected_version``."""
    locked = _lock(subscription, expected_version)
    if name is not None:
        locked.name = name
    if url is not None:
        locked.url = url
    if event_types is not None:
        locked.event_types = list(event_types)
    if is_active is not None:
        locked.is_active = is_active
    _validate(locked)
    locked.version += 1
    locked.save()
    return locked


@transaction.atomic
def webhook_rotate_secret(
    *, subscription: WebhookSubscription, expected_version: int | None = None
) -> tuple[WebhookSubscription, str]:
    """A new secret: messages sent from now on are signed with it only."""
    locked = _lock(subscription, expected_version)
    secret = new_secret()
    locked.secret = secret
    locked.secret_rotated_at = timezone.now()
    locked.version += 1
    locked.save(update_fields=["secret", "secret_rotated_at", "version", "updated_at"])
    return locked, secret


@transaction.atomic
def webhook_delete(*, subscription: WebhookSubscription, expected_version: int | None) -> None:
    """Delete the subscription and its delivery log; messages not yet sent never are."""
    _lock(subscription, expected_version).delete()


@transaction.atomic
def webhook_send_test(*, subscription: WebhookSubscription) -> WebhookDelivery:
    """Queue a ``test`` event for this subscription alone, sent like any other."""
    deliveries = _queue(
        [subscription],
        TEST_EVENT,
        {
            "webhook": subscription.pk,
            "message": "This is a test event from Opt-Out Tracker.",
        },
    )
    return deliveries[0]


# --- The outbox ---------------------------------------------------------------------------


def wants(
    subscription: WebhookSubscription, event_type: str, about: Model | type[Model] | None
) -> bool:
    """Whether this subscription is sent this event: it is active, chose the event, and
    its owner (active) may read records of that kind."""
    owner = subscription.owner
    return (
        subscription.is_active
        and owner.is_active
        and event_type in subscription.event_types
        and (about is None or may_view(owner, about))
    )


def record_event(
    event_type: str,
    data: dict[str, Any],
    *,
    about: Model | type[Model] | None = None,
    once_key: str = "",
) -> list[WebhookDelivery]:
    """Queue an event for every subscription that wants it (see :func:`wants`), in the
    caller's transaction; it is sent after that transaction commits, never if it rolls
    back. ``once_key`` names an event a subscription must receive once only."""
    assert event_type in EVENT_TYPES, event_type
    candidates = WebhookSubscription.objects.filter(
        is_active=True, owner__is_active=True
    ).select_related("owner")
    # One owner's permissions are read once, however many webhooks they keep.
    owners: dict[int, Any] = {}
    subscriptions = []
    for subscription in candidates:
        subscription.owner = owners.setdefault(subscription.owner_id, subscription.owner)
        if wants(subscription, event_type, about):
            subscriptions.append(subscription)
    if not subscriptions:
        return []
    return _queue(subscriptions, event_type, data, once_key=once_key)


def _queue(
    subscriptions: Iterable[WebhookSubscription],
    event_type: str,
    data: dict[str, Any],
    *,
    once_key: str = "",
) -> list[WebhookDelivery]:
    now = timezone.now()
    event_id = uuid.uuid4()
    payload = {
        "id": str(event_id),
        "type": event_type,
        "created_at": now.isoformat(),
        "data": data,
    }
    rows = [
        WebhookDelivery(
            subscription=subscription,
            event_id=event_id,
            event_type=event_type,
            payload=payload,
            once_key=once_key,
            next_attempt_at=now,
        )
        for subscription in subscriptions
    ]
    if once_key:
        # A subscription already sent this once-only event is skipped (no row made).
        WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
        queued = list(WebhookDelivery.objects.filter(event_id=event_id).order_by("pk"))
    else:
        queued = WebhookDelivery.objects.bulk_create(rows)
    for delivery in queued:
        enqueue_on_commit(send_webhook_task, delivery.pk)
    return queued


# --- Sending --------------------------------------------------------------------------------


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer like any other (a 3xx: not delivered), never followed."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


#: No proxies from the environment, no redirects.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects)


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    """POST ``body``; the answer's status and the start of its text."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as answer:
            status, text = answer.status, answer.read(EXCERPT_CHARACTERS * 4)
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read(EXCERPT_CHARACTERS * 4)
        error.close()
    return status, text.decode("utf-8", errors="replace")[:EXCERPT_CHARACTERS]


def backoff(attempt: int) -> dt.timedelta:
    """How long to wait after attempt ``attempt`` failed."""
    delay = dt.timedelta(seconds=settings.WEBHOOK_RETRY_BACKOFF_SECONDS * 2 ** (attempt - 1))
    return min(delay, MAX_BACKOFF)


def _lease() -> dt.timedelta:
    # Longer than any attempt can take: until then, no other worker sends the message.
    return dt.timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS + 60)


def headers_for(delivery: WebhookDelivery, body: bytes, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_ID_HEADER: str(delivery.event_id),
        EVENT_TYPE_HEADER: delivery.event_type,
        SIGNATURE_HEADER: signature_header(delivery.subscription.secret, timestamp, body),
    }


def send(delivery_id: int, *, now: dt.datetime | None = None) -> str | None:
    """Make one attempt at sending the message, if it is due and nobody else is sending
    it; its state afterwards (``delivered``, ``pending``, ``failed``), or None when it
    was not attempted."""
    now = now or timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id,
        delivered_at__isnull=True,
        failed_at__isnull=True,
        next_attempt_at__lte=now,
    ).update(attempts=F("attempts") + 1, last_attempt_at=now, next_attempt_at=now + _lease())
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    subscription = delivery.subscription
    status: int | None = None
    excerpt = error = ""
    if not subscription.is_active and delivery.event_type != TEST_EVENT:
        error = gettext("The webhook is paused.")
    else:
        body = body_of(delivery.payload)
        try:
            check_target(subscription.url)
            status, excerpt = _post(
                subscription.url, body, headers_for(delivery, body, int(now.timestamp()))
            )
        except TargetRefused as refused:
            error = refused.message
        except (OSError, HTTPException, ValueError) as failure:
            reason = getattr(failure, "reason", failure)
            if isinstance(reason, TimeoutError | socket.timeout):
                error = gettext("No answer within %(seconds)s seconds.") % {
                    "seconds": settings.WEBHOOK_TIMEOUT_SECONDS
                }
            else:
                error = f"{type(reason).__name__}: {reason}"[:500]
        if status is not None and not 200 <= status < 300:
            error = gettext("Answered %(status)s.") % {"status": status}
    delivered = status is not None and 200 <= status < 300 and not error
    fields: dict[str, Any] = {
        "last_status_code": status,
        "response_excerpt": excerpt,
        "error": error[:500],
    }
    retry_at: dt.datetime | None = None
    if delivered:
        fields |= {"delivered_at": timezone.now(), "next_attempt_at": None}
        state = "delivered"
    elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS or not subscription.is_active:
        fields |= {"failed_at": timezone.now(), "next_attempt_at": None}
        state = "failed"
    else:
        retry_at = now + backoff(delivery.attempts)
        fields["next_attempt_at"] = retry_at
        state = "pending"
    WebhookDelivery.objects.filter(pk=delivery_id).update(**fields)
    log = logger.info if delivered else logger.warning
    log(
        "Webhook %s (%s, event %s) attempt %d: %s %s",
        subscription.pk,
        delivery.event_type,
        delivery.event_id,
        delivery.attempts,
        state,
        error or status,
    )
    if retry_at is not None and send_webhook_task.get_backend().supports_defer:
        send_webhook_task.using(run_after=retry_at).enqueue(delivery_id)
    return state


@task
def send_webhook_task(delivery_id: int) -> str | None:
    """One attempt at sending one message (see :func:`send`); safe to run twice."""
    return send(delivery_id)


def due_deliveries(*, now: dt.datetime | None = None) -> list[int]:
    """Messages whose next attempt was due a while ago and that no task took (the
    backend cannot run tasks later, or the worker holding one was lost), oldest first."""
    now = now or timezone.now()
    late = now - dt.timedelta(minutes=1)
    return list(
        WebhookDelivery.objects.filter(
            delivered_at__isnull=True, failed_at__isnull=True, next_attempt_at__lte=late
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )


@task
def send_due_webhooks_task() -> int:
    """The scheduled sweep (every minute): a task for each message left due."""
    due = due_deliveries()
    for delivery_id in due:
        send_webhook_task.enqueue(delivery_id)
    return len(due)


def prune_deliveries(*, before: dt.datetime) -> int:
    """Delete sent and given-up messages older than ``before``."""
    finished = WebhookDelivery.objects.filter(created_at__lt=before).exclude(
        delivered_at__isnull=True, failed_at__isnull=True
    )
    return finished.delete()[0]


def deliveries_of(subscription: WebhookSubscription) -> Any:
    """A subscription's delivery log, newest first (page it: it is not bounded)."""
    return WebhookDelivery.objects.filter(subscription=subscription).order_by("-created_at", "-pk")


def subscriptions_of(owner: Any) -> Any:
    """The person's own subscriptions, newest first."""
    return WebhookSubscription.objects.filter(owner=owner).order_by("-created_at", "-pk")
