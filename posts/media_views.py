"""Converting a video from the media library and the composer's checks (posts/transcode.py).

``media_convert`` (POST, who may upload media: ``write_posts``) starts the conversion of
an original, or returns the one already queued, running or done; ``media_conversion``
(GET, who may see the library) answers the state of an original's conversion: the
fragment polls itself every 2 s with htmx while it is queued or running (static/js/live.js
pauses it in a hidden tab), then shows the converted copy or the failure in words.

In the composer the fragment sits in a network's check when that network refuses the
video only for what a conversion cures; once the copy is ready static/js/convert.js puts
the copy in place of the original in the composer's media choice (the checkbox's value),
so saving the post replaces its PostMedia row's asset with the copy (the original stays
in the library).
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import prefetch_related_objects
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from posts import transcode
from posts.models import MediaAsset
from smm.platforms.video import CURABLE
from smm.tenancy import scoped_or_404, workspace_view

POLL_EVERY = 2  # seconds


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _latest(original: MediaAsset) -> MediaAsset | None:
    return original.conversions.order_by("-created_at", "-id").first()


def _fragment(request, original: MediaAsset, conversion: MediaAsset | None, *, in_composer: bool):
    return render(
        request,
        "posts/_conversion.html",
        {
            "original": original,
            "conversion": conversion,
            "in_composer": in_composer,
            "poll_every": POLL_EVERY,
        },
    )


@require_POST
@workspace_view("write_posts")
def media_convert(request, ws, media_id):
    original = scoped_or_404(request, MediaAsset, pk=media_id)
    in_composer = request.POST.get("composer") == "1" or request.GET.get("composer") == "1"
    if original.source_id is not None:  # a conversion asked again: its original's
        original = original.source
    if not original.is_video:
        return HttpResponse("Only a video can be converted.", status=400, content_type="text/plain")
    conversion = transcode.start(original, user=request.user)
    if _is_htmx(request):
        return _fragment(request, original, conversion, in_composer=in_composer)
    messages.success(request, f"Converting “{original}” for every network; the copy appears in the library.")
    return redirect("posts:media", ws=ws)


@require_GET
@workspace_view("view")
def media_conversion(request, ws, media_id):
    original = scoped_or_404(request, MediaAsset, pk=media_id)
    return _fragment(request, original, _latest(original), in_composer=request.GET.get("composer") == "1")


def with_conversions(page) -> None:
    """The media library's page: each video original carries ``latest_conversion``."""
    assets = list(page.object_list)
    originals = [a.pk for a in assets if a.is_video and a.source_id is None]
    latest: dict[int, MediaAsset] = {}
    for conversion in MediaAsset.objects.filter(source_id__in=originals).order_by("created_at", "id"):
        latest[conversion.source_id] = conversion
    for asset in assets:
        asset.latest_conversion = latest.get(asset.pk)
    prefetch_related_objects([a for a in assets if a.is_video], "captions")  # each video's subtitles
    page.object_list = assets


def convert_offers(checks, assets) -> None:
    """Mark on each composer check the videos it refuses only for what a conversion
    cures (``check.convert``: the originals, with their latest conversion)."""
    videos = [a for a in assets if getattr(a, "is_video", False)]
    for check in checks:
        check.convert = []
        codes = {p.code for p in check.problems if (p.code or "").startswith("video_")}
        if not videos or not codes or not codes <= CURABLE:
            continue
        # an original only: a copy refused again would not be cured by converting it again
        check.convert = [(asset, _latest(asset)) for asset in videos if asset.source_id is None]
