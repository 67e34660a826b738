"""Calendar pages: the calendar itself, its JSON feed, drag-to-reschedule, notes, iCal."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, FloatField, Func, Max, Sum
from django.http import Http404, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from content_calendar.events import (
    MAX_RANGE,
    CalendarFilters,
    calendar_feed,
    parse_moment,
    post_cards,
)
from content_calendar.forms import CalendarNoteForm
from content_calendar.ical import build_feed
from content_calendar.models import CalendarFeedToken, CalendarNote
from posts.actions import reschedule_post
from posts.models import Campaign, Post, PostStatus
from smm.models import Brand, SocialAccount
from smm.platforms import registry
from smm.request_input import get_date
from smm.tenancy import scoped, scoped_or_404, workspace_view

VIEWS = {"month": "dayGridMonth", "week": "timeGridWeek", "list": "listMonth"}
FEED_SECRET_SESSION_KEY = "calendar_feed_secret"


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@workspace_view()
def calendar_view(request, ws):
    workspace = request.workspace
    try:
        filters = CalendarFilters.from_query(request.GET)
    except ValidationError:
        filters = CalendarFilters()
    brands = list(scoped(request, Brand))
    selected_brand = next((b for b in brands if filters.brands and b.pk == filters.brands[0]), None)
    members = get_user_model().objects.filter(memberships__workspace=workspace).order_by("username")
    feed_tokens = CalendarFeedToken.objects.filter(user=request.user, workspace=workspace)
    active_token = feed_tokens.filter(revoked_at__isnull=True).first()
    fresh_secret = request.session.pop(FEED_SECRET_SESSION_KEY, None)
    feed_url = (
        request.build_absolute_uri(reverse("calendar_feeds:ical", kwargs={"token": fresh_secret}))
        if fresh_secret and active_token
        else ""
    )
    view = request.GET.get("view", "month")
    tz = timezone.get_current_timezone()
    config = {
        "eventsUrl": reverse("calendar:events", kwargs={"ws": ws}),
        "changesUrl": reverse("calendar:changes", kwargs={"ws": ws}),  # static/js/live.js
        "rescheduleUrl": reverse("calendar:reschedule", kwargs={"ws": ws, "post_id": 0}),
        "composerUrl": _composer_url(ws),
        "networks": registry.for_scripts(),
        "timeZone": tz.key,
        "initialView": VIEWS.get(view, VIEWS["month"]),
        "initialDate": str(get_date(request.GET, "date") or ""),
        "csrfToken": get_token(request),
        "canSchedule": request.membership.can("schedule_posts"),
        "canWrite": request.membership.can("write_posts"),
        "brandColours": {b.pk: b.colour for b in brands},
    }
    context = {
        "brands": brands,
        "selected_brand": selected_brand,
        "paused_brands": [b for b in brands if b.paused],
        "accounts": scoped(request, SocialAccount).select_related("brand").order_by("brand__name", "network"),
        "networks": registry.choices_by_label(),
        "campaigns": scoped(request, Campaign),
        "states": PostStatus.choices,
        "authors": members,
        "filters": filters,
        "colour_by": "network" if request.GET.get("colour") == "network" else "brand",
        "config": config,
        "time_zone": tz.key,
        "active_token": active_token,
        "feed_url": feed_url,
        "notes": CalendarNote.objects.for_workspace(workspace)
        .filter(ends_on__gte=timezone.localdate())
        .select_related("brand")[:8],
    }
    return render(request, "calendar/calendar.html", context)


def _composer_url(ws: str) -> str:
    # The composer is another app's page; it was announced as "posts:create" and landed as "posts:new".
    for name in ("posts:create", "posts:new"):
        try:
            return reverse(name, kwargs={"ws": ws})
        except NoReverseMatch:
            continue
    return ""  # no composer installed: clicks on empty days do nothing


@never_cache
@require_GET
@workspace_view()
def events_feed(request, ws):
    """FullCalendar's JSON event source: only the requested range, in the viewer's zone. Post
    cards refer to the brands, accounts, campaigns and authors sent once beside them."""
    try:
        payload = calendar_feed(request.workspace, request.membership, request.GET, timezone.get_current_timezone())
    except ValidationError as exc:
        return JsonResponse({"error": _errors(exc)}, status=400)
    return JsonResponse(payload)


class _Seconds(Func):
    """A moment as a number (PostgreSQL: POSIX seconds; SQLite: Julian days): summed, the
    moments of a range's rows change whenever one of them is touched, in any order."""

    output_field = FloatField()
    template = "EXTRACT(EPOCH FROM %(expressions)s)::float8"

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, template="julianday(%(expressions)s)", **extra)


@never_cache
@require_GET
@workspace_view()
def changes(request, ws):
    """A fingerprint of the posts of a range (``start``, ``end`` as the feed takes them), for
    static/js/live.js: the calendar refetches its events only when it changed. One aggregate
    over the range's posts and their targets (counts and the sum of their update times, so a
    change committed late with an earlier time still shows), and the paused brands (held).

    ``age`` is how many seconds ago the range last changed (null: it has no posts): the
    script's first look at a range cannot tell whether the events it already has were read
    before or after a change of the last moments, so a young range is refetched once."""
    tz = timezone.get_current_timezone()
    try:
        start = parse_moment(request.GET.get("start"), tz, name="start")
        end = parse_moment(request.GET.get("end"), tz, name="end")
    except ValidationError as exc:
        return JsonResponse({"error": _errors(exc)}, status=400)
    if end <= start or end - start > MAX_RANGE:
        return JsonResponse({"error": f"Ask for at most {MAX_RANGE.days} days, end after start."}, status=400)
    found = (
        scoped(request, Post)
        .filter(scheduled_at__gte=start, scheduled_at__lt=end)
        .order_by()
        .aggregate(
            post_count=Count("id", distinct=True),
            target_count=Count("targets"),
            posts_touched=Sum(_Seconds("updated_at")),
            targets_touched=Sum(_Seconds("targets__updated_at")),
            post_latest=Max("updated_at"),
            target_latest=Max("targets__updated_at"),
        )
    )
    paused = list(scoped(request, Brand).filter(paused=True).order_by("pk").values_list("pk", flat=True))
    shown = repr((sorted(found.items()), paused))
    moments = [moment for moment in (found["post_latest"], found["target_latest"]) if moment]
    age = round((timezone.now() - max(moments)).total_seconds(), 1) if moments else None
    return JsonResponse({"version": hashlib.blake2b(shown.encode(), digest_size=8).hexdigest(), "age": age})


@require_POST
@workspace_view()
def reschedule(request, ws, post_id):
    """A drag on the calendar: JSON in ({"start": ISO}), JSON out. The composer's
    ``reschedule_post`` decides (rights, published posts stay, approval) and records history."""
    if not request.membership.can("schedule_posts"):
        role = request.membership.get_role_display()
        return JsonResponse({"ok": False, "error": f"Your role ({role}) cannot move posts."}, status=403)
    post = scoped_or_404(request, Post, pk=post_id)
    tz = timezone.get_current_timezone()
    try:
        payload = json.loads(request.body or b"{}")
        if not isinstance(payload, dict):
            raise ValueError
    except ValueError:
        return JsonResponse(
            {"ok": False, "error": 'Send a JSON object like {"start": "2026-01-31T09:00"}.'}, status=400
        )
    try:
        when = parse_moment(payload.get("start"), tz, name="start")
        reschedule_post(post, when.astimezone(UTC), request.user, request.membership)
    except PermissionDenied as exc:
        return JsonResponse({"ok": False, "error": str(exc)}, status=403)
    except ValidationError as exc:
        return JsonResponse({"ok": False, "error": _errors(exc)}, status=400)
    moved = scoped(request, Post).select_related("brand").get(pk=post.pk)
    (event,) = post_cards(request.workspace, scoped(request, Post).filter(pk=post.pk), tz, editable=True)
    message = f"Moved to {moved.scheduled_at.astimezone(tz):%a %d %b, %H:%M}."
    if moved.status == PostStatus.PENDING_APPROVAL:
        message += " It needs approval again."
    if moved.is_held:
        message += f" Held: {moved.brand.name} is paused, so it goes out only once the brand is resumed."
    return JsonResponse({"ok": True, "message": message, "event": event})


# --- notes ---------------------------------------------------------------------------


@workspace_view()
def note_list(request, ws):
    notes = CalendarNote.objects.for_workspace(request.workspace).select_related("brand").order_by("-starts_on")
    return render(request, "calendar/note_list.html", {"notes": notes})


@workspace_view("write_posts")
def note_edit(request, ws, note_id=None):
    note = scoped_or_404(request, CalendarNote, pk=note_id) if note_id else None
    form = CalendarNoteForm(request.POST or None, instance=note, workspace=request.workspace)
    if request.method == "POST" and form.is_valid():
        note = form.save(commit=False)
        if note.created_by_id is None:
            note.created_by = request.user
        note.save()
        messages.success(request, f"Note “{note.title}” saved.")
        return redirect(f"{reverse('calendar:view', kwargs={'ws': ws})}?date={note.starts_on.isoformat()}")
    return render(request, "calendar/note_form.html", {"form": form, "note": note})


@require_POST
@workspace_view("write_posts")
def note_delete(request, ws, note_id):
    note = scoped_or_404(request, CalendarNote, pk=note_id)
    note.delete()
    messages.success(request, f"Note “{note.title}” deleted.")
    return redirect("calendar:notes", ws=ws)


# --- iCal subscription ---------------------------------------------------------------


@require_POST
@workspace_view()
def feed_token(request, ws):
    """Generate (or regenerate) or revoke the user's secret iCal URL for this workspace."""
    action = request.POST.get("action")
    if action == "revoke":
        if CalendarFeedToken.revoke_all(request.user, request.workspace):
            messages.success(request, "Your calendar subscription URL is revoked: it no longer works.")
    elif action == "generate":
        _, raw = CalendarFeedToken.issue(request.user, request.workspace)
        request.session[FEED_SECRET_SESSION_KEY] = raw  # shown once, on the next page
        messages.success(request, "New subscription URL created. Any older URL stopped working.")
    else:
        messages.error(request, "Unknown action.")
    return redirect(f"{reverse('calendar:view', kwargs={'ws': ws})}?subscribe=1")


@require_GET
def ical_feed(request, token):
    feed = CalendarFeedToken.resolve(token)
    if feed is None:
        raise Http404("No such calendar feed")
    CalendarFeedToken.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    body = build_feed(feed.workspace, site_url=request.build_absolute_uri("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{feed.workspace.slug}.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
