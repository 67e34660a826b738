"""The API's campaigns: list and create, by the campaign page's rules."""

from __future__ import annotations

from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api import openapi
from api import serializers as s
from api.idempotency import idempotent
from api.views.base import WorkspaceScoped, form_errors
from posts.forms import CampaignForm
from posts.models import Campaign


@openapi.campaigns
class CampaignViewSet(WorkspaceScoped, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    model = Campaign
    serializer_class = s.CampaignSerializer
    rights = {"create": "write_posts"}
    ordering_fields = ["id", "name", "created_at"]

    @idempotent
    def create(self, request, ws):
        body = s.CampaignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = {k: ("" if v is None else str(v)) for k, v in body.validated_data.items()}
        form = CampaignForm(data, workspace=request.workspace)  # the page's rules (unique name, dates)
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        campaign = form.save(commit=False)
        campaign.workspace = request.workspace
        campaign.save()
        return Response(s.CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)
