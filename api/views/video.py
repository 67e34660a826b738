"""A video's conversion and subtitles through the API, with the media library page's rules
(posts/media_views.py, posts/caption_views.py): who may upload media (``write_posts``)
starts a conversion or adds, replaces and removes subtitles; the checks are posts/transcode.py's
and posts/captions.py's, their refusals put under the field they are about."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import UploadedFile
from django.shortcuts import get_object_or_404
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from api import openapi
from api import serializers as s
from api.views.base import WorkspaceScoped
from posts import captions
from posts.models import MediaAsset, MediaCaption, normalize_language

# posts/captions.py's refusal codes -> the field of the answer
CAPTION_FIELDS = {"language": "language", "file": "file"}


class MediaConvertView(WorkspaceScoped, GenericAPIView):
    model = MediaAsset
    serializer_class = s.MediaAssetSerializer
    rights = {"*": "write_posts"}

    @openapi.media_convert
    def post(self, request, ws, media_id):
        from posts import transcode  # PyAV: only where a conversion is asked for

        original = get_object_or_404(self.get_queryset(), pk=media_id)
        if original.source_id is not None:  # a conversion asked again: its original's
            original = original.source
        if not original.is_video:
            raise ValidationError({"non_field_errors": ["Only a video can be converted."]})
        conversion = transcode.start(original, user=request.user)
        done = conversion.processing == MediaAsset.Processing.READY
        return Response(
            s.MediaAssetSerializer(conversion).data,
            status=status.HTTP_200_OK if done else status.HTTP_202_ACCEPTED,
        )


class MediaCaptionView(WorkspaceScoped, GenericAPIView):
    model = MediaAsset
    serializer_class = s.CaptionUploadSerializer
    rights = {"*": "write_posts"}

    def _video(self, media_id) -> MediaAsset:
        return get_object_or_404(self.get_queryset(), pk=media_id)

    @openapi.media_caption_put
    def put(self, request, ws, media_id, language):
        asset = self._video(media_id)
        upload = request.data.get("file") if hasattr(request.data, "get") else None
        if not isinstance(upload, UploadedFile):
            upload = None  # a text field named "file" is no file either
        try:
            caption, replaced = captions.add_caption(asset, language, upload)
        except DjangoValidationError as error:
            field = CAPTION_FIELDS.get(getattr(error, "code", None), "non_field_errors")
            raise ValidationError({field: error.messages}) from None
        return Response(
            s.CaptionSerializer(caption).data,
            status=status.HTTP_200_OK if replaced else status.HTTP_201_CREATED,
        )

    @openapi.media_caption_delete
    def delete(self, request, ws, media_id, language):
        asset = self._video(media_id)
        try:
            language = normalize_language(language)
        except DjangoValidationError as error:
            raise ValidationError({"language": error.messages}) from None
        caption = MediaCaption.objects.filter(asset=asset, language=language).first()
        if caption is not None:
            captions.remove_caption(caption)
        # Gone either way: removing what is already removed is not an error (as on the page).
        return Response(status=status.HTTP_204_NO_CONTENT)
