"""Who may do what through the API: the predicates of :mod:`tracker.domain.permissions`,
reading included."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.db.models import Model
from rest_framework.exceptions import MethodNotAllowed
from rest_framework.permissions import BasePermission

from tracker.domain.permissions import (
    Person,
    may_add,
    may_change,
    may_delete,
    may_view,
    sees_only_the_public_record,
)

if TYPE_CHECKING:  # DRF imports its settings, and so this module, from rest_framework.views
    from rest_framework.request import Request
    from rest_framework.views import APIView

#: A view's ``action_permissions``: who may use each action that is not plain CRUD.
ActionPermissions = dict[str, Callable[[Person], bool]]

#: What each method asks of the kind of record the view serves.
_BY_METHOD: dict[str, Callable[[Person, type[Model]], bool]] = {
    "GET": may_view,
    "OPTIONS": may_view,
    "HEAD": may_view,
    "POST": may_add,
    "PUT": may_change,
    "PATCH": may_change,
    "DELETE": may_delete,
}


class ModelPermissions(BasePermission):
    """Reading needs ``view_<model>``, writing ``add_``/``change_``, deleting ``delete_``.

    DRF's own class lets anyone signed in read; here Viewers read, Editors write
    and admins delete, exactly as in the admin. An action that is not plain CRUD
    names its predicate in the view's ``action_permissions`` (e.g. moving a
    request asks :func:`~tracker.domain.permissions.may_move`). Anonymous callers
    get 401, except for ``GET`` on the actions a view opens to the public
    (``public_read`` and ``public_actions``): those answer with published records
    only (see :mod:`tracker.api.public`).
    """

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if user is None or sees_only_the_public_record(user):
            return (
                request.method in ("GET", "HEAD")
                and getattr(view, "public_read", False)
                and getattr(view, "action", None) in getattr(view, "public_actions", ())
            )
        # A method the endpoint does not offer is answered 405, whoever asks.
        if getattr(view, (request.method or "").lower(), None) is None:
            return True
        action_permissions: ActionPermissions = getattr(view, "action_permissions", {})
        action = getattr(view, "action", None)
        if action in action_permissions:
            return action_permissions[action](user)
        # DefaultRouter's root view serves no model.
        if getattr(view, "_ignore_model_permissions", False):
            return True
        allowed = _BY_METHOD.get(request.method or "")
        if allowed is None:
            raise MethodNotAllowed(request.method or "")
        return allowed(user, view.get_queryset().model)  # type: ignore[attr-defined]
