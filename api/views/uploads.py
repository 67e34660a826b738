"""Resumable uploads through the API: the tus 1.0 protocol (core, creation, termination,
expiration) at /api/v1/workspaces/<ws>/media/uploads/, with token auth. Any tus client
works (e.g. tus-py-client, tus-js-client, tusd's CLI). The protocol is posts/uploads.py's,
the same as the pages' endpoints."""

from __future__ import annotations

from django.http import JsonResponse
from django.urls import reverse
from django.utils.http import http_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from api import serializers as s
from api.permissions import WorkspaceRight
from posts import uploads

TUS_DOC = (
    "Resumable upload of a video (up to the server's `Tus-Max-Size`, 1 GB by default) or an image, "
    "with the [tus 1.0 protocol](https://tus.io/protocols/resumable-upload): core, creation, "
    "termination and expiration. Every request but OPTIONS sends `Tus-Resumable: 1.0.0`. "
    "When the last byte arrives the file is checked: a video is probed and lands in the media library "
    "with a poster frame; GET on the upload then gives the new asset, or why it was refused."
)
TUS_HEADER = OpenApiParameter("Tus-Resumable", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True, enum=["1.0.0"])
UPLOAD_ID = OpenApiParameter("upload_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
UPLOAD_OFFSET = OpenApiParameter("Upload-Offset", OpenApiTypes.INT, OpenApiParameter.HEADER, required=True)


def _text(status: int, description: str, sentence: str) -> dict:
    """A refusal in a sentence (text/plain), as tus clients show it."""
    example = OpenApiExample(description, value=sentence, media_type="text/plain", status_codes=[str(status)])
    return {(status, "text/plain"): OpenApiResponse(OpenApiTypes.STR, description=description, examples=[example])}


def _empty(status: int, description: str) -> dict:
    example = OpenApiExample(description, value="", media_type="text/plain", status_codes=[str(status)])
    return {(status, "text/plain"): OpenApiResponse(OpenApiTypes.STR, description=description, examples=[example])}


DRF_ERRORS = {
    (403, "application/json"): OpenApiResponse(s.ErrorSerializer, description="Your role cannot upload"),
    (404, "application/json"): OpenApiResponse(s.ErrorSerializer, description="Not in this workspace"),
}
TOO_LARGE = "This file is 1.4 GB; videos can be up to 1.0 GB. Use a shorter or smaller video."
BAD = _text(400, "Not a tus request", "Say how large the file is, in bytes (Upload-Length).")
GONE = _text(404, "No such upload", "No such upload.")
EXPIRED = _text(410, "Expired", "This upload expired; start it again.")
OUTCOME = {
    "id": "5b0e7c1e-3d5f-4c1e-9a57-0c5d2f1b7a10",
    "state": "done",
    "offset": 7340032,
    "length": 7340032,
    "name": "launch.mp4",
    "error": "",
    "asset": {
        "id": 42,
        "kind": "video",
        "name": "launch.mp4",
        "thumbnail_url": "/media/media/1/thumbs/ab12.jpg",
        "duration": 14.2,
        "size": 7340032,
        "width": 1080,
        "height": 1920,
        "video_codec": "h264",
        "alt_text": "",
    },
}


class _Tus(APIView):
    permission_classes = [IsAuthenticated, WorkspaceRight]
    rights = {"*": "write_posts"}

    def options(self, request, *args, **kwargs):
        return uploads.as_response(uploads.options())


class UploadListView(_Tus):
    @extend_schema(
        operation_id="media_uploads_create",
        summary="Begin a resumable upload (tus creation)",
        description=TUS_DOC
        + "\n\nHeaders: `Upload-Length` (bytes), optional `Upload-Metadata` (`filename <base64>,alt_text <base64>`). "
        "Answers 201 with `Location`, the upload's address; 413 past the size limit.",
        parameters=[
            TUS_HEADER,
            OpenApiParameter("Upload-Length", OpenApiTypes.INT, OpenApiParameter.HEADER, required=True),
            OpenApiParameter("Upload-Metadata", OpenApiTypes.STR, OpenApiParameter.HEADER),
        ],
        request=None,
        responses={
            **_empty(201, "Created: the upload's address is in the Location header"),
            **BAD,
            **_text(412, "Another tus version", "This server speaks tus 1.0.0; send the header Tus-Resumable: 1.0.0."),
            **_text(
                413, "Too large", "This file is 1.4 GB; videos can be up to 1.0 GB. Use a shorter or smaller video."
            ),
            **DRF_ERRORS,
        },
        tags=["media"],
    )
    def post(self, request, ws):
        try:
            upload = uploads.create(request.workspace, request.user, uploads.request_headers(request))
        except uploads.TusError as error:
            return uploads.as_response(uploads.refusal(error))
        response = uploads.as_response(uploads.Answer(201, {"Tus-Resumable": uploads.TUS_VERSION}))
        response["Location"] = request.build_absolute_uri(
            reverse("api-media-upload", kwargs={"ws": ws, "upload_id": upload.uuid})
        )
        response["Upload-Expires"] = http_date(upload.expires_at.timestamp())
        return response


class UploadDetailView(_Tus):
    @extend_schema(
        operation_id="media_uploads_retrieve",
        summary="An upload's outcome",
        description="JSON: `state` (receiving, done, failed, expired), `offset`, `length`, `error` "
        "(why a file was refused) and `asset` (the media library item, once done).",
        parameters=[UPLOAD_ID],
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="The upload",
                examples=[OpenApiExample("Done", value=OUTCOME, status_codes=["200"])],
            ),
            **GONE,
            **DRF_ERRORS,
        },
        tags=["media"],
    )
    def get(self, request, ws, upload_id):
        try:
            return JsonResponse(uploads.status(request.workspace, upload_id), headers={"Cache-Control": "no-store"})
        except uploads.TusError as error:
            return uploads.as_response(uploads.refusal(error))

    @extend_schema(
        operation_id="media_uploads_offset",
        summary="How many bytes arrived (tus HEAD)",
        description="Answers `Upload-Offset` and `Upload-Length`; 410 once expired.",
        parameters=[UPLOAD_ID, TUS_HEADER],
        responses={**_empty(200, "See Upload-Offset"), **BAD, **GONE, **EXPIRED, **DRF_ERRORS},
        tags=["media"],
    )
    def head(self, request, ws, upload_id):
        return self._answer(lambda: uploads.head(request.workspace, upload_id, uploads.request_headers(request)))

    @extend_schema(
        operation_id="media_uploads_append",
        summary="Send bytes (tus PATCH)",
        description="Body: the file's bytes from `Upload-Offset`, as `application/offset+octet-stream`. "
        "409 when `Upload-Offset` is not where the upload is (ask HEAD). The last byte turns the file "
        "into a media library item (see GET).",
        parameters=[
            UPLOAD_ID,
            TUS_HEADER,
            OpenApiParameter("Upload-Offset", OpenApiTypes.INT, OpenApiParameter.HEADER),
        ],
        request={"application/offset+octet-stream": OpenApiTypes.BINARY},
        responses={
            **_empty(204, "Stored: see Upload-Offset"),
            **BAD,
            **GONE,
            **_text(409, "Not where the upload is", "The upload is at byte 4194304, not 0."),
            **EXPIRED,
            **_text(412, "Another tus version", "This server speaks tus 1.0.0; send the header Tus-Resumable: 1.0.0."),
            **_text(413, "Past the announced size", "These bytes go past the file's announced size (100 bytes)."),
            **_text(415, "Not raw bytes", "Send the file's bytes as application/offset+octet-stream."),
            **_text(423, "Busy", "Another request is sending bytes of this upload; try again in a moment."),
            **DRF_ERRORS,
        },
        tags=["media"],
    )
    def patch(self, request, ws, upload_id):
        # the raw request: DRF's parsers never see the body (it is read 64 KiB at a time)
        raw = request._request
        return self._answer(
            lambda: uploads.append(
                request.workspace,
                request.user,
                upload_id,
                uploads.request_headers(request),
                raw,
                uploads.content_length(raw),
            )
        )

    @extend_schema(
        operation_id="media_uploads_terminate",
        summary="Give up an upload (tus termination)",
        parameters=[UPLOAD_ID, TUS_HEADER],
        responses={**_empty(204, "Deleted"), **BAD, **GONE, **DRF_ERRORS},
        tags=["media"],
    )
    def delete(self, request, ws, upload_id):
        return self._answer(lambda: uploads.terminate(request.workspace, upload_id, uploads.request_headers(request)))

    @staticmethod
    def _answer(call):
        try:
            return uploads.as_response(call())
        except uploads.TusError as error:
            return uploads.as_response(uploads.refusal(error))
