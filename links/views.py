"""The public redirect (``follow``) and the workspace's link pages: the links of a brand
with their clicks, pause and re-point, link settings (UTM presets) per level, and the
composer's preview of the links as each network will publish them."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from links import actions, clicks, resolve, utm
from links.forms import PresetForm, RepointForm
from links.middleware import CODE
from links.models import TrackedLink, UtmPreset, new_click_id
from links.publishing import preview
from posts.models import Campaign, Post
from smm.models import Brand
from smm.request_input import get_id
from smm.tenancy import scoped, scoped_or_404, workspace_view

logger = logging.getLogger(__name__)

CLICK_ID_PARAM = "smm_cid"
NO_STORE = "no-store, private, max-age=0"


# --- the redirect: public, no session, no cookie, never cached ----------------------------------


def follow(request, code: str):
    """302 to the link's destination with a click id appended; the click is kept on the
    way (or counted as lost), never at the cost of the redirect."""
    if not CODE.fullmatch(code):
        # No code we make looks like this: answered without a cache or database read.
        return _unavailable(request, 404, "This link does not exist. Check that it was copied in full.")
    try:
        link = resolve.entry_for(code)
    except resolve.Unavailable:
        return _unavailable(request, 503, "This link cannot be followed right now. Please try again in a minute.")
    if link is None:
        return _unavailable(request, 404, "This link does not exist. Check that it was copied in full.")
    if link["paused"]:
        return _unavailable(request, 404, "This link has been paused by its owner.")
    destination = link["dest"]
    user_agent = request.META.get("HTTP_USER_AGENT", "")
    # HEAD asks are link checkers; a preview crawler builds a card: both follow, neither is a click.
    if request.method == "GET" and link["track"] and not clicks.is_preview(user_agent):
        click_id = new_click_id()
        destination = with_click_id(destination, click_id)
        try:
            event = clicks.event_for(link, request, click_id)
        except Exception as error:  # noqa: BLE001 - never at the cost of the redirect
            logger.exception("Click on link %s could not be described", link["id"])
            clicks.note_loss(link["ws"], error)
        else:
            clicks.record(event)
    response = HttpResponseRedirect(destination)
    response["Cache-Control"] = NO_STORE
    response["X-Robots-Tag"] = "noindex"
    return response


def with_click_id(url: str, click_id: str) -> str:
    base, hash_mark, fragment = url.partition("#")
    separator = "&" if "?" in base else "?"
    if base.endswith(("?", "&")):
        separator = ""
    return f"{base}{separator}{CLICK_ID_PARAM}={click_id}{hash_mark}{fragment}"


def _unavailable(request, status: int, message: str):
    response = render(request, "links/unavailable.html", {"message": message}, status=status)
    response["Cache-Control"] = NO_STORE
    response["X-Robots-Tag"] = "noindex"
    return response


# --- the workspace's pages -------------------------------------------------------------------


@workspace_view()
def link_list(request, ws):
    brands = list(scoped(request, Brand).order_by("name"))
    links = scoped(request, TrackedLink).select_related("brand", "target__account", "target__post")
    brand = None
    brand_id = get_id(request.GET, "brand")
    if brand_id is not None:
        brand = get_object_or_404(scoped(request, Brand), pk=brand_id)
        links = links.filter(brand=brand)
    page = Paginator(links.with_counts().order_by("-created_at", "-pk"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "links/list.html",
        {
            "page": page,
            "brands": brands,
            "brand": brand,
            "can_manage": request.membership.can("manage_brands"),
            "losses": clicks.recent_losses(request.workspace),
        },
    )


@require_POST
@workspace_view("manage_brands")
def link_pause(request, ws, link_id):
    link = scoped_or_404(request, TrackedLink, pk=link_id)
    paused = request.POST.get("paused") == "1"
    actions.set_paused(link, paused, actor=request.user)
    messages.success(request, f"{link.short_url} is {'paused' if paused else 'live again'}.")
    return redirect(_back(request, ws, link))


@workspace_view("manage_brands")
def link_repoint(request, ws, link_id):
    link = scoped_or_404(request, TrackedLink, pk=link_id)
    form = RepointForm(request.POST or None, initial={"destination": link.destination})
    if request.method == "POST" and form.is_valid():
        actions.repoint(link, form.cleaned_data["destination"], actor=request.user)
        messages.success(request, f"{link.short_url} now leads to {link.destination}.")
        return redirect(_back(request, ws, link))
    return render(request, "links/repoint.html", {"link": link, "form": form})


def _back(request, ws, link) -> str:
    from django.urls import reverse

    return f"{reverse('links:list', kwargs={'ws': ws})}?brand={link.brand_id}"


@workspace_view()
def presets(request, ws):
    """Every level's effective link settings, and where each value comes from."""
    workspace = request.workspace
    all_presets = list(scoped(request, UtmPreset))
    general = [p for p in all_presets if p.level == "workspace"]
    rows = [("workspace", workspace, None, utm.policy_for(workspace, presets=general))]
    for brand in scoped(request, Brand).order_by("name"):
        mine = general + [p for p in all_presets if p.brand_id == brand.pk]
        rows.append(("brand", brand, brand, utm.policy_for(workspace, brand, presets=mine)))
    for campaign in scoped(request, Campaign).order_by("name"):
        mine = general + [p for p in all_presets if p.campaign_id == campaign.pk]
        rows.append(("campaign", campaign, campaign, utm.policy_for(workspace, campaign=campaign, presets=mine)))
    return render(
        request,
        "links/presets.html",
        {"rows": rows, "can_manage": request.membership.can("manage_brands"), "placeholders": utm.PLACEHOLDERS},
    )


@workspace_view("manage_brands")
def preset_workspace(request, ws):
    return _edit_preset(request, ws)


@workspace_view("manage_brands")
def preset_brand(request, ws, brand_id):
    return _edit_preset(request, ws, brand=scoped_or_404(request, Brand, pk=brand_id))


@workspace_view("manage_brands")
def preset_campaign(request, ws, campaign_id):
    return _edit_preset(request, ws, campaign=scoped_or_404(request, Campaign, pk=campaign_id))


def _edit_preset(request, ws, *, brand=None, campaign=None):
    workspace = request.workspace
    lookup = {"brand": brand, "campaign": campaign}
    instance = UtmPreset.objects.for_workspace(workspace).filter(**lookup).first() or UtmPreset(
        workspace=workspace, **lookup
    )
    level = "campaign" if campaign else "brand" if brand else "workspace"
    form = PresetForm(request.POST or None, instance=instance, level=level)
    if request.method == "POST" and form.is_valid():
        actions.save_preset(form, workspace=workspace, brand=brand, campaign=campaign, actor=request.user)
        messages.success(request, f"Link settings of {campaign or brand or workspace} saved.")
        return redirect("links:presets", ws=ws)
    parents = utm.presets_for(workspace, brand if campaign is None else None, None) if level != "workspace" else []
    parents = [p for p in parents if p.level != level]
    inherited = utm.policy_for(workspace, presets=parents)
    return render(
        request,
        "links/preset_edit.html",
        {
            "form": form,
            "level": level,
            "subject": campaign or brand or workspace,
            "inherited": inherited,
            "placeholders": utm.PLACEHOLDERS,
        },
    )


@require_POST
@workspace_view("write_posts")
def composer_preview(request, ws):
    """The composer's links as each chosen account will publish them (htmx partial): the
    destination with its UTM parameters, the short link, and the text's length as the
    network counts it after the rewrite."""
    from posts.forms import ComposerForm
    from posts.validation import check_target, media_items

    form = ComposerForm(request.POST, workspace=request.workspace)
    form.is_valid()
    data = form.cleaned_data
    brand = data.get("brand")
    text = data.get("text", "") or ""
    link = data.get("link") or ""
    post = None
    post_id = get_id(request.POST, "post_id")
    if post_id is not None:
        post = scoped(request, Post).filter(pk=post_id).first()
    rows = []
    if brand is not None:
        media = media_items(data.get("media") or [])
        for account in data.get("accounts") or []:
            if account.brand_id != brand.pk:
                continue
            variant = data.get(f"variant_{account.pk}") or ""
            source = variant if variant.strip() else text
            final_text, final_link, rewritten = preview(
                account, brand=brand, campaign=data.get("campaign"), text=source, link=link or None, post=post
            )
            if not rewritten:
                continue
            check = check_target(account, final_text, media, final_link or "", main_text=final_text)
            before = check_target(account, source, media, link, main_text=source)
            rows.append({"account": account, "links": rewritten, "check": check, "before": before})
    policy = utm.policy_for(request.workspace, brand, data.get("campaign")) if brand is not None else None
    return render(request, "links/_composer_preview.html", {"rows": rows, "policy": policy, "brand": brand})
