"""The API's media library: list and upload images."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api import openapi
from api import serializers as s
from api.idempotency import idempotent
from api.views.base import WorkspaceScoped
from posts.media import store_upload
from posts.models import MediaAsset


@openapi.media
class MediaViewSet(WorkspaceScoped, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    model = MediaAsset
    serializer_class = s.MediaAssetSerializer
    rights = {"create": "write_posts"}
    ordering_fields = ["id", "created_at"]

    def get_queryset(self):
        return super().get_queryset().prefetch_related("captions")  # each video's subtitle languages

    def get_serializer_class(self):
        return s.MediaUploadSerializer if self.action == "create" else s.MediaAssetSerializer

    @idempotent
    def create(self, request, ws):
        upload = s.MediaUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        try:
            asset = store_upload(
                request.workspace,
                upload.validated_data["file"],
                alt_text=upload.validated_data["alt_text"],
                user=request.user,
            )
        except DjangoValidationError as exc:
            raise ValidationError({"file": exc.messages}) from None
        return Response(s.MediaAssetSerializer(asset).data, status=status.HTTP_201_CREATED)
