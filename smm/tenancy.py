"""Resolving the workspace of a request: from the URL (``/w/<ws>/...``) and the user's
membership. Another workspace's objects are 404; a missing right is 403.

Views declare what they need::

    @workspace_view("manage_brands")
    def brand_edit(request, ws, brand_id):
        brand = scoped_or_404(request, Brand, pk=brand_id)
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from smm.models import Membership, profile_for


def resolve_membership(user, slug: str) -> Membership:
    if not user.is_authenticated:
        raise Http404
    try:
        return Membership.objects.select_related("workspace").get(user=user, workspace__slug=slug)
    except Membership.DoesNotExist:
        raise Http404("No such workspace") from None


def workspace_view(right: str = "view"):
    """Decorator: log-in required, membership of the URL's workspace required (404
    otherwise), and ``right`` required (403 otherwise). Sets ``request.workspace`` and
    ``request.membership``."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, ws, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = resolve_membership(request.user, ws)
            if not membership.can(right):
                raise PermissionDenied(f"Your role ({membership.get_role_display()}) cannot do this here.")
            request.workspace = membership.workspace
            request.membership = membership
            profile = profile_for(request.user)
            if profile.last_workspace_id != membership.workspace_id:
                profile.last_workspace = membership.workspace
                profile.save(update_fields=["last_workspace"])
            return view(request, ws, *args, **kwargs)

        wrapper.required_right = right
        return wrapper

    return decorator


def scoped(request, model):
    """The model's rows of the request's workspace: the only way views query tenant data."""
    return model.objects.for_workspace(request.workspace)


def scoped_or_404(request, model, **lookup):
    return get_object_or_404(scoped(request, model), **lookup)


def require(request, right: str) -> None:
    """For views that need a stronger right for one action (a POST, say)."""
    if not request.membership.can(right):
        raise PermissionDenied(f"Your role ({request.membership.get_role_display()}) cannot do this here.")
