"""Who may do what, named once for every surface.

The staff pages, the admin, the API's permission classes and serializers, the
staff filters and the model's ``clean()`` ask these predicates; none of them
checks a permission or a user flag of its own. They build on Django's model
permissions (the Editors and Viewers groups of :mod:`tracker.domain.roles`;
admins are superusers), through :mod:`core.permissions`, whose predicates for any
record are re-exported here.

Permissions are per kind of record, never per record: whoever may move one
request may move any.

This module reads no tracker model, so the models can use it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from core.permissions import (
    Person,
    may_add,
    may_change,
    may_delete,
    may_restore_version,
    may_view,
)

__all__ = [
    "OWNER_NOT_ON_STAFF",
    "Person",
    "may_add",
    "may_change",
    "may_delete",
    "may_file_email",
    "may_keep_webhooks",
    "may_move",
    "may_own_request",
    "may_publish",
    "may_read_inbox",
    "may_receive_email",
    "may_restore_version",
    "may_see_private_contact_details",
    "may_see_reminders_and_calendar_addresses",
    "may_send_email",
    "may_use_calendar_feed",
    "may_use_staff_pages",
    "may_view",
    "may_view_all",
    "people_who_may_own_requests",
    "sees_only_the_public_record",
]

#: Every staff page needs it: Viewers, Editors and admins have it, a bare account not.
_READ_REQUESTS = "tracker.view_optoutrequest"
_CHANGE_REQUESTS = "tracker.change_optoutrequest"
_READ_LETTERS = "tracker.view_letter"
_READ_CONTACTS = "jurisdictions.view_contact"

OWNER_NOT_ON_STAFF = _("Only a staff member can own a request.")


def may_view_all(user: Person, *records: Model | type[Model]) -> bool:
    """Read every one of these kinds of record (an answer that shows them together)."""
    return all(may_view(user, record) for record in records)


def may_use_staff_pages(user: Person) -> bool:
    """Signed in and allowed to read requests: Viewers, Editors and admins."""
    return user.has_perm(_READ_REQUESTS)


def may_use_calendar_feed(user: Person) -> bool:
    """The private calendar feed shows every request, published or not, and its
    letters: it answers only while its owner may still read both."""
    return may_use_staff_pages(user) and user.has_perm(_READ_LETTERS)


#: What a timeline shows together: a request, its letters, replies, meetings and moves.
_TIMELINE_RECORDS = ("optoutrequest", "letter", "agencyresponse", "meeting", "transition")


def may_read_timelines(user: Person) -> bool:
    """A timeline (the staff request and jurisdiction pages, the API's timeline) shows a
    request with its letters, replies, meetings and moves: whoever may read them all."""
    return all(user.has_perm(f"tracker.view_{name}") for name in _TIMELINE_RECORDS)


def may_read_milestones(user: Person) -> bool:
    """Days between a request's steps and agencies' reply times are read from requests
    and their letters (the staff milestones page, the API's milestones)."""
    return user.has_perm(_READ_REQUESTS) and user.has_perm(_READ_LETTERS)


def may_move(user: Person) -> bool:
    """Move a request along the workflow or re-open it: whoever may change requests."""
    return user.has_perm(_CHANGE_REQUESTS)


def may_publish(user: Person, item: Model | type[Model]) -> bool:
    """Mark a request, letter, reply, meeting or statement public or not: whoever may
    change that kind of item."""
    return may_change(user, item)


def may_keep_webhooks(user: Person) -> bool:
    """Make, list, change, test and delete one's own webhooks, and read their delivery
    logs: whoever may use the staff pages (Viewers, Editors, admins), with an active
    account. A webhook is sent only events about records its owner may read
    (``core.webhooks.wants``), so a Viewer's is told what a Viewer may read."""
    return bool(user.is_active) and may_use_staff_pages(user)


#: The inbox (the ``inbox`` app): email received, filed on requests or waiting.
_READ_INBOX = "inbox.view_message"


def may_read_inbox(user: Person) -> bool:
    """The inbox and its messages (senders' addresses, bodies, files): whoever may read
    messages and the staff pages: Viewers, Editors and admins."""
    return may_use_staff_pages(user) and user.has_perm(_READ_INBOX)


def may_receive_email(user: Person) -> bool:
    """Upload a message (a .eml or Outlook .msg file), which may file it on a request as
    an incoming letter: whoever may add both messages and letters (Editors, admins)."""
    return user.has_perm("inbox.add_message") and user.has_perm("tracker.add_letter")


def may_file_email(user: Person) -> bool:
    """File a message from the inbox on a request: whoever may change messages and add
    letters (Editors, admins)."""
    return user.has_perm("inbox.change_message") and user.has_perm("tracker.add_letter")


def may_send_email(user: Person) -> bool:
    """Draft letters from templates, edit them and send them by email, which logs each
    as a letter sent: whoever may change drafts and add letters (Editors and admins)."""
    return user.has_perm("outbox.change_draft") and user.has_perm("tracker.add_letter")


def may_see_private_contact_details(user: Person) -> bool:
    """A contact's email, phone, address and notes (``Contact.PRIVATE_FIELDS``)."""
    return bool(user.is_authenticated) and user.has_perm(_READ_CONTACTS)


def may_see_reminders_and_calendar_addresses(user: Person) -> bool:
    """The reminders sent and everyone's calendar addresses: admins only, whatever a
    group's permissions say (a calendar address works without signing in)."""
    return bool(user.is_active and user.is_superuser)


def sees_only_the_public_record(user: Person) -> bool:
    """Someone not signed in reads the published record only; a signed-in person reads
    what their permissions allow (nothing without a role)."""
    return not user.is_authenticated


# --- Who may own a request ---------------------------------------------------------
# The same rule twice, as a test of one person and as a query for the choice lists;
# tests/domain/test_permissions.py checks that the two agree.


def may_own_request(user: Person) -> bool:
    """A request's owner is on staff (the person who chases its letters)."""
    return bool(user.is_staff)


def people_who_may_own_requests(*, keeping: Any = None) -> QuerySet[Any]:
    """The people offered as a request's owner, by username: the staff, and the
    request's current owner (``keeping``) even once they have left the staff, so that
    saving a request as it is never takes it from them (only a *new* owner must be on
    staff; ``OptOutRequest.clean`` says so)."""
    offered = Q(is_staff=True)
    if keeping is not None:
        offered |= Q(pk=keeping.pk)
    return get_user_model()._default_manager.filter(offered).order_by("username")
