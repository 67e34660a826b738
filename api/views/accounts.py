"""The API's connected social accounts (never their secrets)."""

from __future__ import annotations

from rest_framework import viewsets

from api import openapi
from api import serializers as s
from api.filters import AccountFilter
from api.views.base import WorkspaceScoped
from smm.models import SocialAccount


@openapi.accounts
class SocialAccountViewSet(WorkspaceScoped, viewsets.ReadOnlyModelViewSet):
    model = SocialAccount
    serializer_class = s.SocialAccountSerializer
    filterset_class = AccountFilter
    ordering_fields = ["id", "network", "handle", "connected_at"]
