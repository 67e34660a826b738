"""The listening pages: a brand's dashboard (figures and mentions), its monitors, a spike
alert with the posts behind it and the crisis switch, and "send to inbox"."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from inbox.models import NEGATIVE_BELOW, POSITIVE_ABOVE
from listening import actions, competitors, figures, polling
from listening.forms import CompetitorForm, ListeningSettingsForm, MonitorForm
from listening.models import Competitor, ListeningSettings, Mention, Monitor, PollCursor, SpikeAlert, StreamCursor
from smm.models import Brand
from smm.request_input import get_id
from smm.tenancy import scoped, scoped_or_404, workspace_view

PERIODS = {"1": 1, "7": 7, "30": 30}
PAGE_SIZE = 25


def _brand(request):
    brands = list(scoped(request, Brand))
    wanted = get_id(request.GET, "brand")
    brand = next((b for b in brands if b.pk == wanted), None)
    if wanted is not None and brand is None:
        raise Http404("No such brand")
    return brands, brand or (brands[0] if brands else None)


@workspace_view("view_analytics")
def dashboard(request, ws):
    brands, brand = _brand(request)
    days = PERIODS.get(request.GET.get("days", "7"), 7)
    now = timezone.now()
    period = figures.Period(now - dt.timedelta(days=days), now)
    context = {"brands": brands, "brand": brand, "days": days, "periods": PERIODS.values()}
    if brand is not None:
        context["figures"] = figures.dashboard(brand, period)
        mentions = Mention.objects.for_workspace(request.workspace).filter(
            monitor__brand=brand, seen_at__gte=period.start
        )
        monitor_id = get_id(request.GET, "monitor")
        if monitor_id:
            mentions = mentions.filter(monitor_id=monitor_id)
        sentiment = request.GET.get("sentiment", "")
        if sentiment == "negative":
            mentions = mentions.filter(sentiment__lt=NEGATIVE_BELOW)
        elif sentiment == "positive":
            mentions = mentions.filter(sentiment__gt=POSITIVE_ABOVE)
        page = Paginator(mentions.select_related("monitor"), PAGE_SIZE).get_page(request.GET.get("page"))
        context.update(
            page=page,
            monitor_id=monitor_id,
            sentiment=sentiment,
            alerts=SpikeAlert.objects.for_workspace(request.workspace)
            .filter(monitor__brand=brand)
            .select_related("monitor")[:5],
            can_manage=request.membership.can("manage_brands"),
            can_send=request.membership.can("manage_inbox"),
            streams=StreamCursor.objects.all(),
            sources=sources(request.workspace),
        )
    return render(request, "listening/dashboard.html", context)


def _monitor_form(request, monitor):
    form = MonitorForm(request.POST or None, instance=monitor, workspace=request.workspace)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        saved.workspace = request.workspace
        saved.save()
        messages.success(request, f"Monitor “{saved.name}” saved; the stream picks it up within a minute.")
        return redirect(
            f"{reverse('listening:dashboard', kwargs={'ws': request.workspace.slug})}?brand={saved.brand_id}"
        )
    context = {"form": form, "monitor": monitor}
    if monitor.pk:
        context["sources"] = sources(request.workspace, monitor)
    return render(request, "listening/monitor_form.html", context)


def sources(workspace, monitor: Monitor | None = None) -> dict:
    """What each polled source did: the Mastodon hashtag timelines and searches (with the
    instance's answer: full text or own posts only), and X recent search or why not."""
    cursors = PollCursor.objects.for_workspace(workspace).select_related("account")
    if monitor is not None:
        tags = [t.lstrip("#").casefold() for t in monitor.hashtags]
        words = [" ".join(w.split()).casefold() for w in [*monitor.terms, *monitor.phrases]]
        cursors = [
            c
            for c in cursors
            if (c.kind == PollCursor.Kind.TAG and c.key in tags)
            or (c.kind == PollCursor.Kind.SEARCH and c.key in words)
            or (c.kind == PollCursor.Kind.X_SEARCH and c.key == str(monitor.pk))
        ]
    mastodon = [c for c in cursors if c.kind != PollCursor.Kind.X_SEARCH]
    x_cursors = [c for c in cursors if c.kind == PollCursor.Kind.X_SEARCH]
    settings_row = ListeningSettings.of(workspace)
    x_accounts = polling.connected_accounts(workspace.pk, "x")
    if not settings_row.x_recent_search:
        x_why = (
            "X is not searched: its recent search is billed per post read and needs X API access that includes "
            "it. Turn it on in the listening settings if this workspace's X access has it."
        )
    elif not x_accounts:
        x_why = "X search is on, but no X account is connected to read with: connect one on a brand's page."
    else:
        x_why = ""
    has_mastodon = bool(polling.connected_accounts(workspace.pk, "mastodon"))
    found = {
        "mastodon": mastodon,
        "mastodon_why": ""
        if has_mastodon
        else "Mastodon is not read: connect a Mastodon account; its server's hashtag timelines and search are read "
        "with it.",
        "x": x_cursors,
        "x_why": x_why,
    }
    if monitor is not None:
        found["x_query"], found["x_left_out"] = polling.x_query(monitor)
    return found


@workspace_view("manage_brands")
def listening_settings(request, ws):
    row = ListeningSettings.of(request.workspace)
    form = ListeningSettingsForm(request.POST if request.method == "POST" else None, instance=row)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        saved.workspace = request.workspace
        saved.save()
        messages.success(request, "Listening settings saved.")
        return redirect("listening:settings", ws=ws)
    return render(request, "listening/settings.html", {"form": form})


@workspace_view("view_analytics")
def competitor_page(request, ws):
    brands, brand = _brand(request)
    can_manage = request.membership.can("manage_brands")
    form = None
    if can_manage:
        initial = Competitor(workspace=request.workspace, brand=brand) if brand else None
        form = CompetitorForm(workspace=request.workspace, instance=initial)
    context = {"brands": brands, "brand": brand, "form": form, "can_manage": can_manage}
    if brand is not None:
        context["comparison"] = competitors.comparison(brand)
    return render(request, "listening/competitors.html", context)


@require_POST
@workspace_view("manage_brands")
def competitor_add(request, ws):
    form = CompetitorForm(request.POST, workspace=request.workspace, instance=Competitor(workspace=request.workspace))
    if form.is_valid():
        saved = form.save()
        messages.success(request, f"Following {saved}; its figures come with the next daily snapshot.")
        return redirect(f"{reverse('listening:competitors', kwargs={'ws': ws})}?brand={saved.brand_id}")
    brands, brand = _brand(request)
    context = {"brands": brands, "brand": brand, "form": form, "can_manage": True}
    if brand is not None:
        context["comparison"] = competitors.comparison(brand)
    return render(request, "listening/competitors.html", context, status=422)


@require_POST
@workspace_view("manage_brands")
def competitor_remove(request, ws):
    wanted = get_id(request.POST, "competitor")
    if wanted is None:
        return HttpResponseBadRequest("Which competitor?")
    found = scoped(request, Competitor).filter(pk=wanted).first()
    if found is None:
        raise Http404("No such competitor")
    found.delete()
    messages.success(request, f"No longer following {found}.")
    return redirect(f"{reverse('listening:competitors', kwargs={'ws': ws})}?brand={found.brand_id}")


@workspace_view("manage_brands")
def monitor_create(request, ws):
    monitor = Monitor(workspace=request.workspace)
    brand_id = get_id(request.GET, "brand")
    form_brand = scoped(request, Brand).filter(pk=brand_id).first() if brand_id else None
    if form_brand and request.method != "POST":
        monitor.brand = form_brand
    return _monitor_form(request, monitor)


@workspace_view("manage_brands")
def monitor_edit(request, ws, monitor_id):
    return _monitor_form(request, scoped_or_404(request, Monitor, pk=monitor_id))


@require_POST
@workspace_view("manage_inbox")
def mention_to_inbox(request, ws, mention_id):
    mention = get_object_or_404(scoped(request, Mention).select_related("monitor__brand"), pk=mention_id)
    back = f"{reverse('listening:dashboard', kwargs={'ws': ws})}?brand={mention.monitor.brand_id}"
    try:
        item = actions.send_to_inbox(mention, request.user)
    except actions.ListeningError as refusal:
        messages.error(request, str(refusal))
        return redirect(back)
    messages.success(request, "Sent to the inbox: answer it there.")
    return redirect(item.get_absolute_url())


@workspace_view("view_analytics")
def alert_detail(request, ws, alert_id):
    alert = get_object_or_404(scoped(request, SpikeAlert).select_related("monitor__brand"), pk=alert_id)
    return render(
        request,
        "listening/alert.html",
        {
            "alert": alert,
            "brand": alert.monitor.brand,
            "mentions": alert.mentions()[:100],
            "can_pause": request.membership.can("manage_brands"),
        },
    )
