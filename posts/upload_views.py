"""The media library's own endpoints: a video's poster (by time or uploaded), and the tus
endpoints of the pages (session + CSRF: tus-js-client sends the X-CSRFToken header):
/w/<ws>/posts/media/uploads/ and /w/<ws>/posts/media/uploads/<uuid>/. The protocol lives in
posts/uploads.py; the REST API serves the same with token auth (api/views/uploads.py).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import http_date
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from posts import uploads
from posts.models import MediaAsset
from smm.tenancy import scoped_or_404, workspace_view


def _not_allowed() -> HttpResponse:
    response = HttpResponse("Method not allowed.", status=405, content_type="text/plain; charset=utf-8")
    response["Allow"] = uploads.METHODS
    return response


@never_cache
@workspace_view("write_posts")
def upload_list(request, ws):
    """POST creates an upload (Location: its address); OPTIONS says what we speak."""
    try:
        if request.method == "OPTIONS":
            return uploads.as_response(uploads.options())
        if request.method != "POST":
            return _not_allowed()
        upload = uploads.create(request.workspace, request.user, uploads.request_headers(request))
    except uploads.TusError as error:
        return uploads.as_response(uploads.refusal(error))
    response = uploads.as_response(uploads.Answer(201, {"Tus-Resumable": uploads.TUS_VERSION}))
    # The path only: the browser resolves it against the page's own origin (https behind a
    # proxy stays https, whatever the proxy tells Django).
    response["Location"] = reverse("posts:upload", kwargs={"ws": ws, "upload_id": upload.uuid})
    response["Upload-Expires"] = http_date(upload.expires_at.timestamp())
    return response


@never_cache
@workspace_view("write_posts")
def upload_detail(request, ws, upload_id):
    """HEAD: the offset; PATCH: append; DELETE: terminate; GET: JSON of the outcome."""
    headers = uploads.request_headers(request)
    try:
        if request.method == "HEAD":
            return uploads.as_response(uploads.head(request.workspace, upload_id, headers))
        if request.method == "PATCH":
            answer = uploads.append(
                request.workspace, request.user, upload_id, headers, request, uploads.content_length(request)
            )
            return uploads.as_response(answer)
        if request.method == "DELETE":
            return uploads.as_response(uploads.terminate(request.workspace, upload_id, headers))
        if request.method == "OPTIONS":
            return uploads.as_response(uploads.options())
        if request.method == "GET":
            return JsonResponse(uploads.status(request.workspace, upload_id), headers={"Cache-Control": "no-store"})
    except uploads.TusError as error:
        return uploads.as_response(uploads.refusal(error))
    return _not_allowed()


@require_POST
@workspace_view("write_posts")
def media_poster(request, ws, media_id):
    """The media library's "Poster" form: a video's poster frame chosen by time (seconds) or
    uploaded as a JPEG or PNG."""
    asset = scoped_or_404(request, MediaAsset, pk=media_id)
    try:
        if request.FILES.get("poster"):
            uploads.poster_upload(asset, request.FILES["poster"])
        else:
            raw = (request.POST.get("at") or "").strip().replace(",", ".")
            try:
                seconds = float(raw)
            except ValueError:
                raise ValidationError(
                    "Give the time of the frame in seconds (e.g. 2.5), or upload a picture."
                ) from None
            if seconds != seconds or seconds in (float("inf"), float("-inf")):  # NaN, infinity
                raise ValidationError("Give the time of the frame in seconds (e.g. 2.5), or upload a picture.")
            uploads.poster_at(asset, seconds)
    except ValidationError as error:
        messages.error(request, f"{asset.original_name}: {error.messages[0]}")
    else:
        messages.success(request, f"New poster for {asset.original_name}.")
    return redirect(f"{reverse('posts:media', kwargs={'ws': ws})}#asset-{asset.pk}")
