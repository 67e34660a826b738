"""Tenancy and role rights for API views, the same as for pages (smm.tenancy).

The workspace comes from the URL (``/api/v1/workspaces/<ws>/...``). A token only sees its
own workspace (another is a 404, as for a non-member); its role is the lower of the
token's and its owner's current role. Each view names the right an action needs in
``rights`` (action -> right); ``view`` otherwise.
"""

from __future__ import annotations

from rest_framework import exceptions, permissions

from smm.models_api import ApiToken
from smm.tenancy import resolve_membership


def membership_for(request, slug: str):
    if isinstance(request.auth, ApiToken):
        if request.auth.workspace.slug != slug:
            raise exceptions.NotFound("No such workspace.")
        return request.auth.membership
    try:
        return resolve_membership(request.user, slug)
    except Exception:
        raise exceptions.NotFound("No such workspace.") from None


def required_right(view, request) -> str:
    rights = getattr(view, "rights", {}) or {}
    action = getattr(view, "action", None) or request.method.lower()
    return rights.get(action, rights.get("*", "view"))


class WorkspaceRight(permissions.BasePermission):
    """Sets ``request.workspace`` and ``request.membership``; 404 for a workspace the caller
    may not see, 403 when the role lacks the action's right."""

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        slug = view.kwargs.get("ws")
        if slug is None:
            return True
        membership = membership_for(request, slug)
        request.workspace = membership.workspace
        request.membership = membership
        right = required_right(view, request)
        if not membership.can(right):
            raise exceptions.PermissionDenied(
                f"Your role ({membership.get_role_display()}) cannot do this here (needs “{right}”)."
            )
        return True
