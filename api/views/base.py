"""What every API view shares: the workspace scope (the one tenant filter), a brand from
the URL, form errors as field errors, and JSON for unknown URLs."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
    throttle_classes,
)
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from api.permissions import WorkspaceRight
from smm.models import Brand

ID = r"\d+"


class WorkspaceScoped:
    """Every query goes through the request's workspace (the one tenant filter)."""

    permission_classes = [IsAuthenticated, WorkspaceRight]
    lookup_value_regex = ID
    model = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.model.objects.for_workspace(self.request.workspace)


class BrandChild:
    def get_brand(self) -> Brand:
        return get_object_or_404(Brand.objects.for_workspace(self.request.workspace), pk=self.kwargs["brand_id"])


def form_errors(form) -> dict:
    return {
        ("non_field_errors" if k == "__all__" else k): [e["message"] for e in v]
        for k, v in form.errors.get_json_data().items()
    }


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
@permission_classes([AllowAny])
@authentication_classes([])
@throttle_classes([])
def not_found(request):
    return Response({"detail": "No such API endpoint or object."}, status=status.HTTP_404_NOT_FOUND)
