"""The API's workspaces (those a token or session may see) and their members."""

from __future__ import annotations

from rest_framework import mixins, viewsets

from api import openapi
from api import serializers as s
from api.views.base import WorkspaceScoped
from smm.models import Membership
from smm.models_api import ApiToken


@openapi.workspaces
class WorkspaceViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.WorkspaceSerializer
    lookup_field = "slug"
    lookup_url_kwarg = "ws"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    ordering_fields = ["name", "id"]
    ordering = "id"
    filter_backends = []

    def _memberships(self):
        if isinstance(self.request.auth, ApiToken):
            return [self.request.auth.membership]
        return list(Membership.objects.for_user(self.request.user))

    def get_queryset(self):
        from smm.models import Workspace

        if getattr(self, "swagger_fake_view", False):
            return Workspace.objects.none()
        return Workspace.objects.filter(pk__in=[m.workspace_id for m in self._memberships()])

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["roles"] = {m.workspace_id: m.role for m in self._memberships()}
        return context


@openapi.members
class MemberViewSet(WorkspaceScoped, mixins.ListModelMixin, viewsets.GenericViewSet):
    model = Membership
    serializer_class = s.MemberSerializer
    ordering_fields = ["id"]

    def get_queryset(self):
        return super().get_queryset().select_related("user")
