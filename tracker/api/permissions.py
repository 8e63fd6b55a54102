"""Who may do what through the API: Django's model permissions, reading included."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework.permissions import DjangoModelPermissions

if TYPE_CHECKING:  # DRF imports its settings, and so this module, from rest_framework.views
    from rest_framework.request import Request
    from rest_framework.views import APIView


class ModelPermissions(DjangoModelPermissions):
    """Reading needs ``view_<model>``, writing ``add_``/``change_``, deleting ``delete_``.

    DRF's own class lets anyone signed in read; here Viewers read, Editors write
    and admins delete, exactly as in the admin. An action that is not plain CRUD
    names its permissions in the view's ``action_permissions`` (e.g. moving a
    request needs ``change_optoutrequest``). Anonymous callers get 401, except
    for ``GET`` on the actions a view opens to the public (``public_read`` and
    ``public_actions``): those answer with published records only (see
    :mod:`tracker.api.public`).
    """

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return (
                request.method in ("GET", "HEAD")
                and getattr(view, "public_read", False)
                and getattr(view, "action", None) in getattr(view, "public_actions", ())
            )
        # A method the endpoint does not offer is answered 405, whoever asks.
        if getattr(view, (request.method or "").lower(), None) is None:
            return True
        action_permissions: dict[str, list[str]] = getattr(view, "action_permissions", {})
        action = getattr(view, "action", None)
        if action in action_permissions:
            return user.has_perms(action_permissions[action])
        return super().has_permission(request, view)


def can_view_contact_details(user: Any) -> bool:
    """Email, phone, address and notes of a contact are shown only to these users."""
    return bool(user and user.is_authenticated and user.has_perm("jurisdictions.view_contact"))
