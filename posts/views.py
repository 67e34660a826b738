"""Pages of the composer: write and schedule posts, follow them, approve them; media
library, posting slots, campaigns. Thin: every change is a posts.actions function."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from posts import actions, media_views, network_options, threads
from posts import notifications as notices
from posts.forms import CampaignForm, CommentForm, ComposerForm, FilterForm, PostLinkForm, SlotForm, UploadForm
from posts.media import store_upload
from posts.models import (
    HELD_STATUSES,
    Campaign,
    MediaAsset,
    Post,
    PostingSlot,
    PostStatus,
    PostTarget,
    TargetState,
)
from posts.scheduling import describe, next_free_slot, resolve_local
from posts.validation import check_target, media_items
from smm.models import AuditEvent, Brand, SocialAccount
from smm.request_input import get_datetime, get_id, id_or_404, local_next
from smm.tenancy import require, scoped, scoped_or_404, workspace_view

# --- list and detail ----------------------------------------------------------------------------


POSTS_PER_PAGE = 50


@workspace_view()
def post_list(request, ws):
    filters = FilterForm(request.GET or None, workspace=request.workspace)
    posts = scoped(request, Post).select_related("brand", "campaign", "author").prefetch_related("targets__account")
    if filters.is_valid():
        if filters.cleaned_data["brand"]:
            posts = posts.filter(brand=filters.cleaned_data["brand"])
        if filters.cleaned_data["status"]:
            posts = posts.filter(status=filters.cleaned_data["status"])
    page = Paginator(posts, POSTS_PER_PAGE).get_page(request.GET.get("page"))
    pending = scoped(request, Post).filter(status=PostStatus.PENDING_APPROVAL).count()
    return render(
        request,
        "posts/post_list.html",
        {
            "page": page,
            "filters": filters,
            "pending": pending,
            "brands": scoped(request, Brand),
            **_list_live(_list_rows(page)),
        },
    )


def _list_rows(posts) -> list[tuple]:
    """What the posts list shows of each post that can change by itself: (id, status,
    paused brand, [(target state, due), ...])."""
    return [(p.pk, p.status, p.brand.paused, [(t.state, t.due_at) for t in p.targets.all()]) for p in posts]


def _list_live(rows: list[tuple]) -> dict:
    """The posts list's question for post_list_live: which rows, a fingerprint of what they
    show, and how often to ask; no question ("") when none of them can change by itself."""
    every = [seconds for _, _, paused, targets in rows if (seconds := _poll_every(targets, paused))]
    if not every:
        return {"live_version": "", "live_ids": "", "live_every": 0}
    shown = [(pk, status, paused, sorted(state for state, _ in targets)) for pk, status, paused, targets in rows]
    return {
        "live_version": _fingerprint((shown, min(every))),
        "live_ids": ",".join(str(row[0]) for row in rows),
        "live_every": min(every),
    }


@never_cache
@require_GET
@workspace_view()
def post_list_live(request, ws):
    """The posts list asks here every few seconds while a post on it can move by itself:
    ``ids`` are its rows (at most a page), ``v`` the fingerprint of what they show. 204 when
    nothing changed (two narrow queries), else each row's accounts and status cells,
    swapped in by their ids. Another workspace's ids are simply not found."""
    raw = [part for part in request.GET.get("ids", "").split(",") if part]
    if len(raw) > POSTS_PER_PAGE or not all(part.isdigit() and len(part) < 19 for part in raw):
        return HttpResponseBadRequest("ids: at most one page of post numbers, separated by commas.")
    if not raw:
        return HttpResponse(status=204)
    order = {int(part): index for index, part in enumerate(raw)}
    found = scoped(request, Post).filter(pk__in=order).order_by()
    targets = defaultdict(list)
    for post_id, state, due_at in (
        PostTarget.objects.filter(post__in=found.values("pk")).order_by().values_list("post_id", "state", "due_at")
    ):
        targets[post_id].append((state, due_at))
    rows = sorted(
        (
            (pk, status, paused, targets[pk])
            for pk, status, paused in found.values_list("pk", "status", "brand__paused")
        ),
        key=lambda row: order[row[0]],
    )
    live = _list_live(rows)
    if live["live_version"] and live["live_version"] == request.GET.get("v"):
        return HttpResponse(status=204)
    posts = sorted(found.select_related("brand").prefetch_related("targets__account"), key=lambda p: order[p.pk])
    return _live_fragment(request, "posts/_post_list_live.html", {"posts": posts, **_list_live(_list_rows(posts))})


def _history(post):
    return _history_of(post.workspace_id, post.pk).select_related("actor")


def _history_of(workspace_id: int, post_id: int):
    return (
        AuditEvent.objects.for_workspace(workspace_id)  # the id: no read of the workspace
        .filter(subject_type="posts.post", subject_id=str(post_id))
        .order_by("-created_at", "-id")
    )


# How often a page asks what changed: often while something on it is about to move by
# itself (the dispatcher, a worker, the sweeper), rarely while it only waits for a time
# further away than SOON or for its brand to be resumed (the interval is part of the
# fingerprint, so the page is told to ask often once that changes), never when everything
# on it waits for a person.
POLL_SOON, POLL_LATER = 3, 30
SOON = dt.timedelta(minutes=5)


def _poll_every(targets, paused: bool) -> int:
    """Seconds between a page's questions about these targets ((state, due) pairs); 0: none
    can move by itself."""
    every = 0
    soon = timezone.now() + SOON
    for state, due_at in targets:
        if state in (TargetState.QUEUED, TargetState.PUBLISHING):
            return POLL_SOON
        if state == TargetState.SCHEDULED:
            # held while its brand is paused: it moves once a person resumes the brand
            if not paused and (due_at is None or due_at <= soon):
                return POLL_SOON
            every = POLL_LATER
    return every


def _fingerprint(shown) -> str:
    return hashlib.blake2b(repr(shown).encode(), digest_size=8).hexdigest()


def _post_state(request, post, targets: list[PostTarget] | None = None) -> dict:
    """What the post page shows of the post's progress, and may replace while it is open:
    the head (status, buttons, banners), the targets and the history."""
    if targets is None:
        targets = list(post.targets.select_related("account"))
    for target in targets:
        # Waiting to go out, but the brand is paused: the dispatcher does not take it.
        target.held = post.brand.paused and target.state in (TargetState.SCHEDULED, TargetState.QUEUED)
    membership = request.membership
    return {
        "post": post,
        "targets": targets,
        "history": _history(post),
        "can_edit": membership.can("write_posts") and actions.can_edit(post),
        "is_waiting": any(t.state in (TargetState.SCHEDULED, TargetState.PENDING_APPROVAL) for t in targets),
        "is_pending": any(t.state == TargetState.PENDING_APPROVAL for t in targets),
        "can_cancel": any(
            t.state
            in (
                TargetState.DRAFT,
                TargetState.PENDING_APPROVAL,
                TargetState.SCHEDULED,
                TargetState.QUEUED,
                TargetState.FAILED,
            )
            for t in targets
        ),
    }


def _live(status: str, paused: bool, targets, last_event_id: int) -> dict:
    """The post page's question for post_live: a short fingerprint of what its live parts
    show (the post's status, its brand paused, its targets as (id, state, attempts, updated,
    due), the last history entry) and how often to ask; no question ("") when nothing of it
    can change by itself: the page then stops asking."""
    every = _poll_every([(state, due_at) for _, state, _, _, due_at in targets], paused)
    if not every:
        return {"live_version": "", "live_every": 0}
    shown = (status, paused, last_event_id, sorted(targets), every)
    return {"live_version": _fingerprint(shown), "live_every": every}


def _target_rows(targets) -> list[tuple]:
    return [(t.pk, t.state, t.attempts, t.updated_at, t.due_at) for t in targets]


def _last_event_id(workspace_id: int, post_id: int) -> int:
    return _history_of(workspace_id, post_id).values_list("id", flat=True).first() or 0


@workspace_view()
def post_detail(request, ws, post_id):
    post = get_object_or_404(
        scoped(request, Post).select_related("brand", "campaign", "author", "approved_by"), pk=post_id
    )
    state = _post_state(request, post)
    return render(
        request,
        "posts/post_detail.html",
        {
            **state,
            "media": post.media.order_by("postmedia__order"),
            "comments": post.comments.select_related("author"),
            "comment_form": CommentForm(),
            **_live(
                post.status,
                post.brand.paused,
                _target_rows(state["targets"]),
                _last_event_id(post.workspace_id, post.pk),
            ),
        },
    )


@never_cache
@require_GET
@workspace_view()
def post_live(request, ws, post_id):
    """The post page asks here every few seconds while its post can move by itself: 204 when
    nothing it shows changed (``v``, the page's fingerprint), else the changed parts
    (status, buttons and banners, targets, history), which htmx swaps in by their ids. The
    same right and the same template parts as the page: nothing the page would not show."""
    found = scoped(request, Post).filter(pk=post_id).values_list("workspace_id", "status", "brand__paused").first()
    if found is None:
        raise Http404("No such post")
    workspace_id, status, paused = found
    rows = (
        PostTarget.objects.filter(post_id=post_id)
        .order_by()
        .values_list("pk", "state", "attempts", "updated_at", "due_at")
    )
    live = _live(status, paused, list(rows), _last_event_id(workspace_id, post_id))
    if live["live_version"] and live["live_version"] == request.GET.get("v"):
        return HttpResponse(status=204)
    # Changed: read it all, as the page does (and the fingerprint of what is shown).
    post = get_object_or_404(scoped(request, Post).select_related("brand", "campaign", "author"), pk=post_id)
    state = _post_state(request, post)
    live = _live(
        post.status, post.brand.paused, _target_rows(state["targets"]), _last_event_id(post.workspace_id, post.pk)
    )
    return _live_fragment(request, "posts/_post_live.html", {**state, **live})


def _live_fragment(request, template: str, context: dict) -> HttpResponse:
    """A fragment rendered with only what its template uses: without the context processors
    of whole pages (menu, notices count), which would cost queries on every answer."""
    context = {
        "current_workspace": request.workspace,
        "current_membership": request.membership,
        "csrf_token": get_token(request),
        **context,
    }
    return HttpResponse(loader.get_template(template).render(context))


POST_ACTIONS = {
    # name: (right, function, success message)
    "approve": ("approve_posts", lambda p, r: actions.approve(p, r.user, r.membership), "Approved."),
    "request_changes": (
        "approve_posts",
        lambda p, r: actions.request_changes(p, r.user, r.POST.get("comment", ""), r.membership),
        "Sent back to its author with your comment.",
    ),
    "unschedule": ("schedule_posts", lambda p, r: actions.unschedule(p, r.user, r.membership), "Back to draft."),
    "cancel": ("write_posts", lambda p, r: actions.cancel(p, r.user, r.membership), "Cancelled."),
    "comment": (
        "view",
        lambda p, r: actions.add_comment(p, r.user, r.POST.get("text", ""), r.membership),
        "Comment added.",
    ),
}


@require_POST
@workspace_view()
def post_action(request, ws, post_id, name):
    post = scoped_or_404(request, Post, pk=post_id)
    if name == "duplicate":
        require(request, "write_posts")
        copy = actions.duplicate(post, request.user, request.membership)
        messages.success(request, "Duplicated: this is the copy, a draft.")
        return redirect("posts:edit", ws=ws, post_id=copy.pk)
    if name == "retry":
        require(request, "schedule_posts")
        target = scoped_or_404(request, PostTarget, pk=id_or_404(request.POST.get("target")), post=post)
        try:
            actions.retry_target(target, request.user, request.membership)
            messages.success(request, f"Trying {target.account} again now.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect(post.get_absolute_url())
    if name not in POST_ACTIONS:
        raise Http404("No such action")
    right, function, done = POST_ACTIONS[name]
    require(request, right)
    try:
        function(post, request)
        messages.success(request, done)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(post.get_absolute_url())


# --- a target whose outcome is unknown --------------------------------------------------------


def _unknown_target(request, post_id, target_id, doing):
    """The post and its target, or a redirect to the post page saying why there is nothing
    to settle (someone else settled it meanwhile, say)."""
    post = get_object_or_404(scoped(request, Post).select_related("brand"), pk=post_id)
    target = get_object_or_404(PostTarget.objects.select_related("account"), pk=target_id, post=post)
    refusal = actions.outcome_refusal(target, doing)
    if refusal:
        messages.error(request, refusal)
        return post, target, redirect(post.get_absolute_url())
    return post, target, None


@workspace_view("resolve_outcomes")
def target_on_network(request, ws, post_id, target_id):
    """The answer "It is on the network": the post page's form posts here; this page shows
    the form on its own when the link is refused, with what was typed."""
    post, target, settled = _unknown_target(request, post_id, target_id, actions.MARK_ON_NETWORK)
    if settled:
        return settled
    form = PostLinkForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            done = actions.mark_on_network(target, request.user, request.membership, url=form.cleaned_data["url"])
        except ValidationError as error:
            if not hasattr(error, "error_dict"):  # settled meanwhile: nothing to type again
                messages.error(request, " ".join(error.messages))
                return redirect(post.get_absolute_url())
            _errors_onto(form, error)
        else:
            messages.success(request, _found_message(done))
            return redirect(post.get_absolute_url())
    status = 400 if form.errors else 200
    return render(
        request, "posts/target_on_network.html", {"post": post, "target": target, "form": form}, status=status
    )


def _found_message(target) -> str:
    done = f"Marked published on {target.account}."
    if not target.remote_url:
        return f"{done} Without the post's link, SMM cannot read its figures (likes, reach)."
    if not target.remote_id:
        return f"{done} SMM could not read the post from that link, so it cannot read its figures (likes, reach)."
    return done


@workspace_view("resolve_outcomes")
def target_send_again(request, ws, post_id, target_id):
    """The answer "It is not there: send it again": a page that says what happens if it is
    there after all, and sends it again only when confirmed (its POST)."""
    post, target, settled = _unknown_target(request, post_id, target_id, actions.SEND_AGAIN)
    if settled:
        return settled
    if request.method == "POST":
        try:
            actions.send_again(target, request.user, request.membership)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if post.brand.paused:
                messages.warning(
                    request, f"Held: {post.brand.name} is paused. It is sent again to {target.account} once resumed."
                )
            else:
                messages.success(request, f"Sending it again to {target.account} now.")
        return redirect(post.get_absolute_url())
    return render(request, "posts/target_send_again.html", {"post": post, "target": target})


# --- the composer ---------------------------------------------------------------------------------


def _initial(request, post: Post | None) -> dict:
    brands = scoped(request, Brand)
    if post is not None:
        initial = {
            "brand": post.brand,
            "accounts": [
                t.account for t in post.targets.exclude(state=TargetState.CANCELLED).select_related("account")
            ],
            "text": post.text,
            "link": post.link,
            "media": list(post.media.all()),
            "campaign": post.campaign,
        }
        for target in post.targets.select_related("account"):
            if target.text != post.text:
                initial[f"variant_{target.account_id}"] = target.text
            initial.update(network_options.initial_for(target.account, target.options))
        if post.scheduled_at:
            local = post.scheduled_at.astimezone(post.brand.tz)
            initial.update(date=local.date(), time=local.time().replace(second=0, microsecond=0))
        return initial
    brand_id = get_id(request.GET, "brand")
    brand = brands.filter(pk=brand_id).first() if brand_id else None
    brand = brand or brands.first()
    initial = {"brand": brand}
    if brand is not None:
        initial["accounts"] = list(brand.accounts.filter(status=SocialAccount.Status.CONNECTED))
    for account in SocialAccount.objects.for_workspace(request.workspace).exclude(post_options={}):
        initial.update(network_options.initial_for(account, account.post_options))  # its defaults
    # A click on the calendar: the time it shows is the brand's local time.
    at = get_datetime(request.GET, "at", brand.tz) if brand is not None else None
    if at is not None:
        local = at.astimezone(brand.tz)
        initial.update(date=local.date(), time=local.time().replace(second=0, microsecond=0))
    return initial


def _errors_onto(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for key, errors in error.message_dict.items():
            field = {"when": "time"}.get(key, key)
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _buttons(request) -> dict:
    membership = request.membership
    can_schedule = membership.can("schedule_posts")
    needs_approval = request.workspace.needs_approval(membership.role)
    return {"can_schedule": can_schedule, "needs_approval": needs_approval}


@workspace_view("write_posts")
def composer(request, ws, post_id=None):
    post = scoped_or_404(request, Post, pk=post_id) if post_id else None
    if post is not None and not actions.can_edit(post):
        messages.error(request, "This post is publishing or published and can no longer be edited.")
        return redirect(post.get_absolute_url())
    notes: list[str] = []
    if request.method == "POST":
        data = request.POST.copy()
        upload_error = None
        if request.FILES.get("upload"):
            try:
                asset = store_upload(
                    request.workspace, request.FILES["upload"], alt_text=data.get("upload_alt", ""), user=request.user
                )
                data.appendlist("media", str(asset.pk))
                notes.append(f"{asset.original_name} was added to the media library.")
            except ValidationError as error:
                upload_error = error
        form = ComposerForm(data, workspace=request.workspace)
        if form.is_valid() and upload_error is None:
            try:
                post = _save_and_act(request, form, post, data.get("action", "draft"))
            except ValidationError as error:
                _errors_onto(form, error)
            else:
                return redirect(post.get_absolute_url())
        elif upload_error is not None:
            form.is_valid()
            form.add_error("upload", upload_error)
        for note in notes:
            messages.info(request, note)
    else:
        form = ComposerForm(initial=_initial(request, post), workspace=request.workspace)
    return render(request, "posts/composer.html", _composer_context(request, form, post))


def _composer_context(request, form, post):
    chosen_media = form.chosen_media_ids()
    brands = list(scoped(request, Brand))
    return {
        "form": form,
        "post": post,
        "brands": brands,
        "media_library": [(a, str(a.pk) in chosen_media) for a in scoped(request, MediaAsset)[:60]],
        "variant_rows": form.variant_rows(),
        "thread": threads.editor_context(form, post),
        "can_set_option_defaults": request.membership.can("connect_accounts"),
        "user_zone": timezone.get_current_timezone_name(),
        **_buttons(request),
    }


def _save_and_act(request, form, post, action):
    """Create or update the post, then do what the pressed button says, all or nothing:
    on a refusal nothing is saved and the form comes back as typed."""
    data = form.cleaned_data
    with transaction.atomic():
        arguments = {
            "text": data["text"],
            "accounts": list(data["accounts"]),
            "variants": form.variants(),
            "options": form.target_options(),
            "link": data["link"],
            "media": list(data["media"]),
            "campaign": data["campaign"],
        }
        if post is None:
            post = actions.create_post(
                request.workspace, data["brand"], request.user, membership=request.membership, **arguments
            )
        else:
            if data["brand"].pk != post.brand_id:
                raise ValidationError({"brand": ["A post's brand cannot change; duplicate it instead."]})
            waiting = post.status in (PostStatus.SCHEDULED, PostStatus.PENDING_APPROVAL)
            post = actions.update_post(
                post,
                request.user,
                membership=request.membership,
                keep_schedule=action not in ("schedule", "submit", "queue", "publish", "draft"),
                **arguments,
            )
            if waiting and action == "draft":
                # "Save draft" on a waiting post: the edits are kept, the post stops waiting.
                post = actions.unschedule(post, request.user, request.membership)
                action = "saved"
        threads.save_from_composer(post, request.POST)  # thread parts, first comment
        note = ""
        if action in ("schedule", "submit"):
            if not data.get("date") or not data.get("time"):
                raise ValidationError({"date": ["Pick a date and a time to schedule the post."]})
            resolved = resolve_local(data["date"], data["time"], post.brand.tz)
            note = resolved.note
            post = actions.schedule_post(post, resolved.utc, request.user, request.membership)
        elif action == "queue":
            post = actions.add_to_queue(post, request.user, request.membership)
        elif action == "publish":
            post = actions.publish_now(post, request.user, request.membership)
        may_set_defaults = request.membership.can("connect_accounts")
        for account in data["accounts"]:
            if may_set_defaults and network_options.wants_remembered(form, account):
                network_options.remember_defaults(account, arguments["options"].get(account.pk, {}), request.user)
    if note:
        messages.warning(request, note)
    for warning in getattr(post, "warnings", []):
        messages.warning(request, warning)
    if post.brand.paused and post.status in (*HELD_STATUSES, PostStatus.PENDING_APPROVAL):
        messages.warning(request, _held_message(post, action))
    else:
        messages.success(request, _done_message(post, action))
    return post


def _when(post) -> str:
    if not post.scheduled_at:
        return ""
    text, there = describe(post.scheduled_at, timezone.get_current_timezone(), post.brand)
    return f"{text} ({there})" if there else text


def _done_message(post, action):
    when = _when(post)
    if post.status == PostStatus.PENDING_APPROVAL:
        return f"Submitted for approval, for {when}."
    if action == "publish":
        return "Publishing now."
    if post.status == PostStatus.SCHEDULED:
        return f"Scheduled for {when}."
    return "Saved as a draft."


def _held_message(post, action):
    """What "Publish now", "Schedule" or "Add to queue" did for a paused brand: never a
    cheerful "Publishing now" for a post the dispatcher holds."""
    brand = post.brand.name
    if post.status == PostStatus.PENDING_APPROVAL:
        return (
            f"Submitted for approval, for {_when(post)}. {brand} is paused: "
            "once approved, it is held until the brand is resumed."
        )
    if action == "publish":
        return f"Held: {brand} is paused. This post goes out as soon as the brand is resumed."
    return f"Held: {brand} is paused. Scheduled for {_when(post)}, it goes out only once the brand is resumed."


@require_POST
@workspace_view("write_posts")
def composer_check(request, ws):
    """Live validation while typing: per chosen account, the network's own count and
    problems. Answers an htmx request with the checks panel (and the tab counters)."""
    form = ComposerForm(request.POST, workspace=request.workspace)
    form.is_valid()  # partial data is fine: use what is clean
    data = form.cleaned_data
    brand = data.get("brand")
    text = data.get("text", "") or ""
    link = data.get("link") or ""
    media = media_items(data.get("media") or [])
    checks = []
    for account in data.get("accounts") or []:
        if brand is not None and account.brand_id != brand.pk:
            continue
        variant = data.get(f"variant_{account.pk}") or ""
        checks.append(
            check_target(
                account,
                variant if variant.strip() else text,
                media,
                link,
                main_text=text,
                options=network_options.options_for(form, account),
                parts=threads.parts_from(request.POST),
                first_comment=request.POST.get("first_comment", "").strip(),
            )
        )
    media_views.convert_offers(checks, data.get("media") or [])  # "Convert it" for curable refusals
    queue_slot = next_free_slot(brand) if brand is not None else None
    return render(
        request,
        "posts/_checks.html",
        {"checks": checks, "link_error": form.errors.get("link"), "queue_slot": queue_slot, "brand": brand},
    )


# --- media library --------------------------------------------------------------------------------


@workspace_view()
def media_library(request, ws):
    form = UploadForm()
    if request.method == "POST":
        require(request, "write_posts")
        if "asset" in request.POST:
            asset = scoped_or_404(request, MediaAsset, pk=id_or_404(request.POST["asset"]))
            asset.alt_text = request.POST.get("alt_text", "").strip()[:1500]
            asset.save(update_fields=["alt_text"])
            messages.success(request, "Alt text saved.")
            return redirect("posts:media", ws=ws)
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                asset = store_upload(
                    request.workspace,
                    form.cleaned_data["file"],
                    alt_text=form.cleaned_data["alt_text"],
                    user=request.user,
                )
            except ValidationError as error:
                form.add_error("file", error)
            else:
                messages.success(request, f"{asset.original_name} is in the media library.")
                return redirect("posts:media", ws=ws)
    assets = scoped(request, MediaAsset)
    page = Paginator(assets, 48).get_page(request.GET.get("page"))
    media_views.with_conversions(page)  # each video's conversion state
    return render(request, "posts/media_library.html", {"page": page, "form": form})


# --- posting slots ----------------------------------------------------------------------------


@workspace_view()
def slots(request, ws, brand_id):
    brand = scoped_or_404(request, Brand, pk=brand_id)
    form = SlotForm()
    if request.method == "POST":
        require(request, "schedule_posts")
        if "delete" in request.POST:
            slot = scoped_or_404(request, PostingSlot, pk=id_or_404(request.POST["delete"]), brand=brand)
            slot.delete()
            messages.success(request, f"Removed the {slot} slot.")
            return redirect("posts:slots", ws=ws, brand_id=brand.pk)
        form = SlotForm(request.POST)
        if form.is_valid():
            slot = form.save(commit=False)
            slot.brand = brand
            if PostingSlot.objects.filter(brand=brand, weekday=slot.weekday, time=slot.time).exists():
                form.add_error(None, "That slot exists already.")
            else:
                slot.save()
                messages.success(request, f"Added a slot on {slot}.")
                return redirect("posts:slots", ws=ws, brand_id=brand.pk)
    by_day = {}
    for slot in brand.posting_slots.all():
        by_day.setdefault(slot.get_weekday_display(), []).append(slot)
    days = [(name, by_day.get(name, [])) for _, name in PostingSlot._meta.get_field("weekday").choices]
    return render(
        request,
        "posts/slots.html",
        {
            "brand": brand,
            "days": days,
            "form": form,
            "next_slot": next_free_slot(brand),
            "brands": scoped(request, Brand),
        },
    )


# --- campaigns ------------------------------------------------------------------------------------


@workspace_view()
def campaigns(request, ws):
    form = CampaignForm(workspace=request.workspace)
    if request.method == "POST":
        require(request, "write_posts")
        form = CampaignForm(request.POST, workspace=request.workspace)
        if form.is_valid():
            campaign = form.save(commit=False)
            campaign.workspace = request.workspace
            campaign.save()
            messages.success(request, f"Campaign “{campaign.name}” created.")
            return redirect("posts:campaigns", ws=ws)
    today = dt.date.today()
    items = scoped(request, Campaign).annotate(post_count=Count("posts")).order_by("-starts_on", "name")
    return render(request, "posts/campaigns.html", {"campaigns": items, "form": form, "today": today})


# --- notices (posts/notifications.py writes them) ---------------------------------------------


@workspace_view()
def notifications(request, ws):
    page = Paginator(notices.for_member(request.user, request.workspace), 50).get_page(request.GET.get("page"))
    unread = notices.unread_count(request.user, request.workspace)
    return render(request, "posts/notifications.html", {"page": page, "unread": unread})


@require_POST
@workspace_view()
def notifications_read_all(request, ws):
    count = notices.mark_all_read(request.user, request.workspace)
    if count:
        messages.success(request, f"Marked {count} notice{'s' if count != 1 else ''} read.")
    return redirect("posts:notifications", ws=ws)


@workspace_view()
def notification_open(request, ws, notification_id):
    """Opening a notice marks it read and goes where it points (a page of this site)."""
    notice = get_object_or_404(notices.for_member(request.user, request.workspace), pk=notification_id)
    notices.mark_read(notice)
    return redirect(local_next(request, notice.url, reverse("posts:notifications", kwargs={"ws": ws})))
