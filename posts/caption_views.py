"""A video's subtitles in the media library: POST /w/<ws>/posts/media/<id>/captions/ adds a
WebVTT file in a language (or replaces that language's file), or, with ``remove=<caption id>``,
removes one. Checks in posts/captions.py. A refusal shows the library again with the
message beside the video's form and the language that was typed kept."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from posts import media_views
from posts.captions import add_caption, remove_caption
from posts.forms import UploadForm
from posts.models import MediaAsset, MediaCaption
from smm.tenancy import scoped, scoped_or_404, workspace_view


def _back(ws: str, asset: MediaAsset, page: str):
    url = reverse("posts:media", kwargs={"ws": ws})
    if page.isdigit() and page != "1":
        url += f"?page={page}"
    return redirect(f"{url}#asset-{asset.pk}")


@require_POST
@workspace_view("write_posts")
def media_captions(request, ws, media_id):
    asset = scoped_or_404(request, MediaAsset, pk=media_id)
    page_number = (request.POST.get("page") or "").strip()
    remove = (request.POST.get("remove") or "").strip()
    if remove:
        caption = MediaCaption.objects.filter(asset=asset, pk=int(remove)).first() if remove.isdigit() else None
        if caption is None:
            messages.info(request, f"{asset.original_name}: those subtitles were removed already.")
        else:
            remove_caption(caption)
            messages.success(request, f"Removed the {caption.language} subtitles of {asset.original_name}.")
        return _back(ws, asset, page_number)
    language = (request.POST.get("language") or "").strip()
    try:
        caption, replaced = add_caption(asset, language, request.FILES.get("captions"))
    except ValidationError as error:
        if not asset.is_video:  # no subtitle form on its card: the message on top
            messages.error(request, f"{asset.original_name}: {error.messages[0]}")
            return _back(ws, asset, page_number)
        # The library again, the refusal beside this video's form, the language kept.
        assets = scoped(request, MediaAsset)
        page = Paginator(assets, 48).get_page(page_number or None)
        media_views.with_conversions(page)
        if all(shown.pk != asset.pk for shown in page.object_list):  # not on this page: on top
            messages.error(request, f"{asset.original_name}: {error.messages[0]}")
        context = {
            "page": page,
            "form": UploadForm(),
            "caption_error": {"asset": asset.pk, "language": language[:40], "message": error.messages[0]},
        }
        return render(request, "posts/media_library.html", context, status=400)
    verb = "Replaced" if replaced else "Added"
    messages.success(request, f"{verb} the {caption.language} subtitles of {asset.original_name}.")
    return _back(ws, asset, page_number)
