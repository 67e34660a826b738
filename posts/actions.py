"""Every change a person makes to a post, as one named, atomic, audited function.

The composer views, the calendar and the REST API all call these, so the rules
(rights per role, approval, validation, legal target moves) live in one place.
Target states change only through ``posts.states.transition``; every action ends
with ``refresh_post_status``. Refusals are ``ValidationError`` (plain words, shown to
the person) or ``PermissionDenied`` (missing right).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from posts import events, notifications
from posts.models import (
    Campaign,
    MediaAsset,
    Post,
    PostComment,
    PostMedia,
    PostStatus,
    PostTarget,
    TargetState,
)
from posts.scheduling import next_free_slot, schedule_warnings
from posts.states import ALLOWED_TRANSITIONS, refresh_post_status, transition
from posts.validation import check_post, problem_messages
from smm.models import Membership, SocialAccount, record_event
from smm.platforms import adapter_class

# A person may pick a time a little in the past (the form took a minute to fill in);
# anything older is a mistake, not "now".
PAST_GRACE = dt.timedelta(minutes=2)

# Targets that are out of a person's hands: the engine owns them, or they are done.
ENGINE_STATES = {TargetState.QUEUED, TargetState.PUBLISHING}
FINAL_STATES = {TargetState.PUBLISHED, TargetState.UNKNOWN}
EDITABLE_STATES = {TargetState.DRAFT, TargetState.PENDING_APPROVAL, TargetState.SCHEDULED, TargetState.CANCELLED}


class ContentInvalid(ValidationError):
    """The networks' rules refuse the content; ``message_dict`` is keyed by composer field
    (``text``, ``variant_<account id>``, ``media``, ``link``)."""

    def __init__(self, messages: dict[str, list[str]]):
        super().__init__(messages)


# --- helpers ------------------------------------------------------------------------------


def membership_of(workspace, user) -> Membership:
    membership = Membership.objects.filter(workspace=workspace, user=user).first()
    if membership is None:
        raise PermissionDenied("You are not a member of this workspace.")
    return membership


def _require(membership: Membership, right: str, what: str) -> None:
    if not membership.can(right):
        raise PermissionDenied(f"Your role ({membership.get_role_display()}) cannot {what}.")


def _resolve(post_or_workspace, actor, membership):
    workspace = getattr(post_or_workspace, "workspace", post_or_workspace)
    membership = membership or membership_of(workspace, actor)
    if membership.workspace_id != workspace.pk:
        raise PermissionDenied("That membership belongs to another workspace.")
    return membership


def _locked_targets(post: Post) -> list[PostTarget]:
    """The post's targets, locked against the dispatcher for the rest of the transaction."""
    return list(PostTarget.objects.select_for_update().filter(post=post).order_by("pk"))


def _local(post: Post, when: dt.datetime) -> str:
    local = when.astimezone(post.brand.tz)
    return f"{local:%a %d %b %Y %H:%M} {post.brand.time_zone}"


def _check_accounts(brand, accounts) -> list[SocialAccount]:
    accounts = list(accounts)
    for account in accounts:
        if account.brand_id != brand.pk:
            raise ValidationError({"accounts": [f"{account} does not belong to {brand}."]})
    return accounts


def _check_media(workspace, media) -> list[MediaAsset]:
    media = list(media or [])
    for asset in media:
        if asset.workspace_id != workspace.pk:
            raise ValidationError({"media": ["That image is not in this workspace's media library."]})
    return media


def _set_media(post: Post, media: list[MediaAsset]) -> None:
    PostMedia.objects.filter(post=post).delete()
    PostMedia.objects.bulk_create([PostMedia(post=post, asset=a, order=i) for i, a in enumerate(media)])


def _variant(variants: dict | None, account, text: str) -> str:
    value = (variants or {}).get(account.pk)
    if value is None:
        value = (variants or {}).get(str(account.pk))
    return value if value and value.strip() else text


def _options(options: dict | None, account) -> dict:
    """The account's post options as given (by account id), else its defaults; cleaned by
    its network's adapter (what the network does not take is dropped)."""
    given = (options or {}).get(account.pk)
    if given is None:
        given = (options or {}).get(str(account.pk))
    if given is None:
        given = account.post_options or {}
    return adapter_class(account.network).clean_options(given)


def _validate_content(post: Post) -> None:
    problems = problem_messages(check_post(post))
    if problems:
        raise ContentInvalid(problems)


def _move(target: PostTarget, to: str, **changes) -> None:
    """``transition``, except that staying in a state that cannot loop (a waiting post
    moved in time) only changes the fields."""
    if target.state == to and to not in ALLOWED_TRANSITIONS[to]:
        for name, value in changes.items():
            setattr(target, name, value)
        target.save(update_fields=["updated_at", *changes])
        return
    transition(target, to, **changes)


def _live_targets(targets):
    return [t for t in targets if t.state != TargetState.CANCELLED]


# --- writing --------------------------------------------------------------------------------


@transaction.atomic
def create_post(
    workspace,
    brand,
    author,
    text: str,
    accounts,
    variants: dict | None = None,
    link: str = "",
    media=(),
    campaign: Campaign | None = None,
    *,
    membership: Membership | None = None,
    options: dict | None = None,
) -> Post:
    """A draft post with one target per account; a target's text is its variant, or the
    post's text when no variant is given."""
    membership = _resolve(workspace, author, membership)
    _require(membership, "write_posts", "write posts")
    if brand.workspace_id != workspace.pk:
        raise ValidationError({"brand": ["That brand is not in this workspace."]})
    if campaign is not None and campaign.workspace_id != workspace.pk:
        raise ValidationError({"campaign": ["That campaign is not in this workspace."]})
    accounts = _check_accounts(brand, accounts)
    media = _check_media(workspace, media)
    post = Post.objects.create(
        workspace=workspace, brand=brand, author=author, text=text, link=link or "", campaign=campaign
    )
    PostTarget.objects.bulk_create(
        [
            PostTarget(
                post=post, account=account, text=_variant(variants, account, text), options=_options(options, account)
            )
            for account in accounts
        ]
    )
    _set_media(post, media)
    refresh_post_status(post)
    record_event(workspace, author, "post.created", post, f"Wrote a post for {brand}", accounts=len(accounts))
    return post


@transaction.atomic
def update_post(
    post: Post,
    actor,
    *,
    text: str | None = None,
    accounts=None,
    variants: dict | None = None,
    link: str | None = None,
    media=None,
    campaign=...,
    membership: Membership | None = None,
    keep_schedule: bool = True,
    options: dict | None = None,
) -> Post:
    """Change a post's content or accounts. Only possible while nothing of it is
    publishing or published. A scheduled post stays scheduled (re-checked against the
    networks' rules); if the editor's posts need approval, it goes back to approval.
    Callers that schedule or unschedule right after (the composer) pass
    ``keep_schedule=False`` and do that themselves."""
    membership = _resolve(post, actor, membership)
    _require(membership, "write_posts", "edit posts")
    post = Post.objects.select_for_update().get(pk=post.pk)
    targets = _locked_targets(post)
    busy = [t for t in targets if t.state not in EDITABLE_STATES]
    if busy:
        raise ValidationError("This post is publishing or published on some accounts and can no longer be edited.")
    was_live = [t for t in targets if t.state in (TargetState.SCHEDULED, TargetState.PENDING_APPROVAL)]
    old_text = post.text
    if text is not None:
        post.text = text
    if link is not None:
        post.link = link
    if campaign is not ...:
        if campaign is not None and campaign.workspace_id != post.workspace_id:
            raise ValidationError({"campaign": ["That campaign is not in this workspace."]})
        post.campaign = campaign
    post.save()
    if media is not None:
        _set_media(post, _check_media(post.workspace, media))

    by_account = {t.account_id: t for t in targets}
    chosen = _check_accounts(post.brand, accounts) if accounts is not None else [t.account for t in targets]
    chosen_ids = {a.pk for a in chosen}
    for target in targets:
        if target.account_id not in chosen_ids:
            target.delete()
    for account in chosen:
        target = by_account.get(account.pk)
        if variants is not None:
            new_text = _variant(variants, account, post.text)
        elif target is not None and target.text == old_text:
            new_text = post.text  # it followed the main text, and still does
        else:
            new_text = None
        if target is None:
            PostTarget.objects.create(
                post=post,
                account=account,
                text=_variant(variants, account, post.text),
                options=_options(options, account),
            )
        else:
            if new_text is not None and new_text != target.text:
                target.text = new_text
                target.save(update_fields=["text", "updated_at"])
            if options is not None and (account.pk in options or str(account.pk) in options):
                new_options = _options(options, account)
                if new_options != target.options:
                    target.options = new_options
                    target.save(update_fields=["options", "updated_at"])
        if target is not None and target.state == TargetState.CANCELLED:
            transition(target, TargetState.DRAFT)
    refresh_post_status(post)
    record_event(post.workspace, actor, "post.edited", post, "Edited the post")
    if keep_schedule and was_live and post.scheduled_at is not None:
        # Bring new or revived targets along and re-check the content; approval again if due.
        schedule_post(post, post.scheduled_at, actor, membership, allow_past=True)
    return post


# --- scheduling -----------------------------------------------------------------------------


@transaction.atomic
def schedule_post(
    post: Post, when_utc: dt.datetime, actor, membership: Membership | None = None, *, allow_past: bool = False
) -> Post:
    """Schedule every live target for ``when_utc`` after checking it with its network's
    rules. If the workspace wants approval for the actor's role, the targets wait for
    approval instead. ``post.warnings`` lists what deserves a second look."""
    membership = _resolve(post, actor, membership)
    _require(membership, "schedule_posts", "schedule posts")
    if timezone.is_naive(when_utc):
        raise ValueError("schedule_post needs an aware datetime")
    if not allow_past and when_utc < timezone.now() - PAST_GRACE:
        raise ValidationError({"when": [f"{_local(post, when_utc)} has already passed: pick a later time."]})
    post = Post.objects.select_for_update().select_related("brand", "workspace").get(pk=post.pk)
    targets = _live_targets(_locked_targets(post))
    if not targets:
        raise ValidationError({"accounts": ["Pick at least one account to post to."]})
    busy = [
        t for t in targets if t.state not in (TargetState.DRAFT, TargetState.PENDING_APPROVAL, TargetState.SCHEDULED)
    ]
    if busy:
        raise ValidationError("Part of this post is publishing or published already; it cannot be scheduled again.")
    _validate_content(post)
    needs_approval = post.workspace.needs_approval(membership.role)
    newly_waiting = needs_approval and any(t.state != TargetState.PENDING_APPROVAL for t in targets)
    to = TargetState.PENDING_APPROVAL if needs_approval else TargetState.SCHEDULED
    for target in targets:
        _move(target, to, due_at=when_utc)
    post.scheduled_at = when_utc
    post.publish_by = None  # a time chosen now: no earlier "not after" stands
    if needs_approval:
        post.approved_by, post.approved_at = None, None
    post.save(update_fields=["scheduled_at", "publish_by", "approved_by", "approved_at", "updated_at"])
    refresh_post_status(post)
    if needs_approval:
        record_event(
            post.workspace, actor, "post.submitted", post, f"Submitted for approval, for {_local(post, when_utc)}"
        )
        events.post_needs_approval(post)
        if newly_waiting:  # a post already waiting that only moved does not ask again
            notifications.post_submitted(post, actor)
    else:
        record_event(post.workspace, actor, "post.scheduled", post, f"Scheduled for {_local(post, when_utc)}")
    post.warnings = schedule_warnings(post, when_utc)
    return post


@transaction.atomic
def reschedule_post(post: Post, when_utc: dt.datetime, actor, membership: Membership | None = None) -> Post:
    """Move a post to another time (the calendar's drag and drop). Published or
    publishing posts stay where they are; a move by someone whose posts need approval
    goes back to approval. A draft just takes the new planned time."""
    membership = _resolve(post, actor, membership)
    _require(membership, "schedule_posts", "move posts")
    if timezone.is_naive(when_utc):
        raise ValueError("reschedule_post needs an aware datetime")
    post = Post.objects.select_for_update().select_related("brand", "workspace").get(pk=post.pk)
    targets = _live_targets(_locked_targets(post))
    if not targets and post.targets.exists():
        raise ValidationError("This post was cancelled; duplicate it to post it again.")
    if any(t.state in ENGINE_STATES | FINAL_STATES for t in targets):
        raise ValidationError("This post is publishing or published already, so it cannot move.")
    if when_utc < timezone.now() - PAST_GRACE:
        raise ValidationError(f"{_local(post, when_utc)} has already passed: a post can only move to the future.")
    waiting = [t for t in targets if t.state in (TargetState.SCHEDULED, TargetState.PENDING_APPROVAL)]
    needs_approval = post.workspace.needs_approval(membership.role)
    newly_waiting = needs_approval and any(t.state != TargetState.PENDING_APPROVAL for t in waiting)
    for target in waiting:
        to = TargetState.PENDING_APPROVAL if needs_approval else target.state
        _move(target, to, due_at=when_utc)
    old = post.scheduled_at
    post.scheduled_at = when_utc
    post.publish_by = None  # a person moved it: their time stands, however late it goes
    if waiting and needs_approval:
        post.approved_by, post.approved_at = None, None
    post.save(update_fields=["scheduled_at", "publish_by", "approved_by", "approved_at", "updated_at"])
    refresh_post_status(post)
    if waiting and needs_approval:
        events.post_needs_approval(post)
    if newly_waiting:
        notifications.post_submitted(post, actor)
    record_event(
        post.workspace,
        actor,
        "post.rescheduled",
        post,
        f"Moved to {_local(post, when_utc)}" + (" (back to approval)" if waiting and needs_approval else ""),
        previous=old.isoformat() if old else None,
    )
    post.warnings = schedule_warnings(post, when_utc) if waiting else []
    return post


def publish_now(post: Post, actor, membership: Membership | None = None) -> Post:
    """Schedule for right now: the dispatcher picks it up on its next tick. Someone whose
    posts need approval submits it instead."""
    membership = _resolve(post, actor, membership)
    if post.workspace.needs_approval(membership.role):
        raise ValidationError("Your posts need approval before they go out: submit this one for approval.")
    return schedule_post(post, timezone.now(), actor, membership)


def add_to_queue(post: Post, actor, membership: Membership | None = None) -> Post:
    """Schedule the post into the brand's next free posting slot."""
    membership = _resolve(post, actor, membership)
    _require(membership, "schedule_posts", "schedule posts")
    when = next_free_slot(post.brand, timezone.now(), exclude_post=post)
    if when is None:
        if not post.brand.posting_slots.exists():
            raise ValidationError(f"{post.brand} has no posting slots yet: add some on its posting slots page.")
        raise ValidationError(f"Every posting slot of {post.brand} is taken for the coming weeks.")
    return schedule_post(post, when, actor, membership)


@transaction.atomic
def unschedule(post: Post, actor, membership: Membership | None = None) -> Post:
    """Back to draft: waiting targets stop waiting. The planned time is kept."""
    membership = _resolve(post, actor, membership)
    _require(membership, "schedule_posts", "unschedule posts")
    targets = _locked_targets(post)
    if any(t.state in ENGINE_STATES for t in targets):
        raise ValidationError("This post is being published right now and cannot be unscheduled.")
    waiting = [t for t in targets if t.state in (TargetState.SCHEDULED, TargetState.PENDING_APPROVAL)]
    if not waiting:
        raise ValidationError("This post is not scheduled.")
    for target in waiting:
        transition(target, TargetState.DRAFT, due_at=None)
    refresh_post_status(post)
    record_event(post.workspace, actor, "post.unscheduled", post, "Unscheduled (back to draft)")
    return post


@transaction.atomic
def cancel(post: Post, actor, membership: Membership | None = None) -> Post:
    """Stop every target that has not gone out; what is published stays published."""
    membership = _resolve(post, actor, membership)
    _require(membership, "write_posts", "cancel posts")
    targets = _locked_targets(post)
    if any(t.state == TargetState.PUBLISHING for t in targets):
        raise ValidationError("Part of this post is being published right now; try again in a minute.")
    stoppable = [
        t
        for t in targets
        if t.state
        in (
            TargetState.DRAFT,
            TargetState.PENDING_APPROVAL,
            TargetState.SCHEDULED,
            TargetState.QUEUED,
            TargetState.FAILED,
        )
    ]
    if not stoppable and targets:
        raise ValidationError("Nothing of this post is left to cancel.")
    for target in stoppable:
        transition(target, TargetState.CANCELLED, due_at=None, locked_until=None)
    refresh_post_status(post)
    record_event(post.workspace, actor, "post.cancelled", post, "Cancelled", targets=len(stoppable))
    return post


@transaction.atomic
def duplicate(post: Post, actor, membership: Membership | None = None) -> Post:
    """A new draft with the same text, variants, media, link, campaign and accounts."""
    membership = _resolve(post, actor, membership)
    _require(membership, "write_posts", "write posts")
    targets = list(post.targets.select_related("account").exclude(account__status=SocialAccount.Status.DISCONNECTED))
    copy = create_post(
        post.workspace,
        post.brand,
        actor,
        post.text,
        [t.account for t in targets],
        variants={t.account_id: t.text for t in targets},
        options={t.account_id: t.options for t in targets},
        link=post.link,
        media=list(post.media.order_by("postmedia__order")),
        campaign=post.campaign,
        membership=membership,
    )
    # a thread's parts and a first comment are the target's too (posts/threads.py)
    by_account = {t.account_id: t for t in targets}
    copied = []
    for new in copy.targets.all():
        old = by_account.get(new.account_id)
        if old is not None and (old.parts or old.first_comment):
            new.parts, new.first_comment = list(old.parts or []), old.first_comment
            copied.append(new)
    PostTarget.objects.bulk_update(copied, ["parts", "first_comment"])
    record_event(post.workspace, actor, "post.duplicated", post, f"Duplicated as post #{copy.pk}", copy=copy.pk)
    return copy


# --- approval -----------------------------------------------------------------------------


@transaction.atomic
def approve(post: Post, approver, membership: Membership | None = None, comment: str = "") -> Post:
    """Let a post waiting for approval go out at its time."""
    membership = _resolve(post, approver, membership)
    _require(membership, "approve_posts", "approve posts")
    post = Post.objects.select_for_update().select_related("brand", "workspace").get(pk=post.pk)
    waiting = [t for t in _locked_targets(post) if t.state == TargetState.PENDING_APPROVAL]
    if not waiting:
        raise ValidationError("This post is not waiting for approval.")
    if post.scheduled_at and post.scheduled_at < timezone.now() - PAST_GRACE:
        raise ValidationError(
            f"The time this post was planned for ({_local(post, post.scheduled_at)}) has passed. "
            "Ask for a new time with “Request changes”."
        )
    for target in waiting:
        transition(target, TargetState.SCHEDULED, due_at=post.scheduled_at or timezone.now())
    post.approved_by, post.approved_at = approver, timezone.now()
    post.save(update_fields=["approved_by", "approved_at", "updated_at"])
    if comment.strip():
        PostComment.objects.create(post=post, author=approver, text=comment.strip(), kind="approval")
    refresh_post_status(post)
    record_event(post.workspace, approver, "post.approved", post, "Approved")
    notifications.post_approved(post, approver, comment)
    return post


@transaction.atomic
def request_changes(post: Post, approver, comment: str, membership: Membership | None = None) -> Post:
    """Send a waiting (or scheduled, not yet published) post back to its author with a comment."""
    membership = _resolve(post, approver, membership)
    _require(membership, "approve_posts", "review posts")
    if not comment or not comment.strip():
        raise ValidationError({"comment": ["Say what should change, so the author knows."]})
    post = Post.objects.select_for_update().get(pk=post.pk)
    waiting = [t for t in _locked_targets(post) if t.state in (TargetState.PENDING_APPROVAL, TargetState.SCHEDULED)]
    if not waiting:
        raise ValidationError("Only a post waiting for approval or scheduled can be sent back.")
    for target in waiting:
        transition(target, TargetState.DRAFT, due_at=None)
    PostComment.objects.create(post=post, author=approver, text=comment.strip(), kind="changes_requested")
    post.approved_by, post.approved_at = None, None
    post.status = PostStatus.CHANGES_REQUESTED
    post.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    refresh_post_status(post)
    record_event(
        post.workspace, approver, "post.changes_requested", post, f"Requested changes: {comment.strip()[:300]}"
    )
    notifications.post_sent_back(post, approver, comment)
    return post


# --- after publishing -------------------------------------------------------------------------


def _back_in_line(post: Post, target: PostTarget, **fields) -> None:
    """A person sends the target (locked by the caller) again: scheduled, due now, with a
    fresh count of attempts and no error left over."""
    transition(
        target,
        TargetState.SCHEDULED,
        due_at=timezone.now(),
        attempts=0,
        locked_until=None,
        error_kind="",
        error_message="",
        error_user_message="",
        **fields,
    )
    if post.publish_by is not None:  # a person sends it now: no "not after" stands
        post.publish_by = None
        post.save(update_fields=["publish_by"])
    refresh_post_status(post)


@transaction.atomic
def retry_target(target: PostTarget, actor, membership: Membership | None = None) -> PostTarget:
    """A person sends a failed target again, now. Not a target of unknown outcome: it may
    be on the network already, so a person says which (``mark_on_network``, ``send_again``)."""
    post = target.post
    membership = _resolve(post, actor, membership)
    _require(membership, "schedule_posts", "retry posts")
    target = PostTarget.objects.select_for_update().select_related("account").get(pk=target.pk)
    if target.state == TargetState.UNKNOWN:
        raise ValidationError(
            f"We could not confirm whether this post reached {target.account.network_label}, and retrying "
            f"could post it twice. {_what_to_check(target)}"
        )
    if target.state != TargetState.FAILED:
        raise ValidationError("Only a failed post can be retried.")
    previous = {"state": target.state, "attempts": target.attempts, "error": target.error_message[:300]}
    _back_in_line(post, target)
    record_event(post.workspace, actor, "post.retried", post, f"Retried on {target.account}", **previous)
    return target


# --- an unknown outcome, settled by a person --------------------------------------------------

_web_address = URLValidator(schemes=["http", "https"])
MARK_ON_NETWORK, SEND_AGAIN = "marked as on the network", "sent again"


def _what_to_check(target: PostTarget) -> str:
    network = target.account.network_label
    return (
        f"Look at {target.account.handle} on {network}: if the post is there, choose “It is on {network}”; "
        "if it is not, “It is not there: send it again”."
    )


def outcome_refusal(target: PostTarget, doing: str) -> str:
    """Why a person cannot settle this target's outcome ("" when its outcome is unknown):
    ``doing`` is "marked as on the network" or "sent again"."""
    where = target.account
    if target.state == TargetState.UNKNOWN:
        return ""
    if target.state == TargetState.PUBLISHED:
        why = f"This post is already published on {where}."
    elif target.state == TargetState.FAILED:
        why = f"This post failed on {where}: use Retry to send it again."
    elif target.state in ENGINE_STATES:
        why = f"This post is being sent to {where} right now."
    elif target.state == TargetState.CANCELLED:
        why = f"This post was cancelled on {where}."
    else:
        why = f"This post has not been sent to {where} yet (it is {target.get_state_display().lower()})."
    return f"{why} Only a post whose outcome is unknown can be {doing}."


def _locked_unknown(target: PostTarget, doing: str) -> PostTarget:
    """The target, locked, if its outcome is still unknown; otherwise a refusal saying why."""
    target = (
        PostTarget.objects.select_for_update(of=("self",))
        .select_related("post__workspace", "post__brand", "account")
        .get(pk=target.pk)
    )
    refusal = outcome_refusal(target, doing)
    if refusal:
        raise ValidationError(refusal)
    return target


def _checked_link(url: str) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    if len(url) > 1000:
        raise ValidationError({"url": ["That link is longer than 1,000 characters: paste the post's own address."]})
    try:
        _web_address(url)
    except ValidationError:
        raise ValidationError({"url": ["Paste the post's web address, starting with https://."]}) from None
    return url


@transaction.atomic
def mark_on_network(target: PostTarget, actor, membership: Membership | None = None, *, url: str = "") -> PostTarget:
    """A person found the post of unknown outcome on its network: it is published, with its
    link when given and the remote id the network's adapter reads from that link."""
    membership = _resolve(target.post, actor, membership)
    _require(membership, "resolve_outcomes", "say whether a post reached its network")
    url = _checked_link(url)
    target = _locked_unknown(target, MARK_ON_NETWORK)
    post = target.post
    evidence = target.error_message
    remote_id = ""
    if url:
        adapter = adapter_class(target.account.network)
        remote_id = adapter.remote_id_from_url(url, target.account.context()) or ""
    transition(
        target,
        TargetState.PUBLISHED,
        remote_id=remote_id[:255],
        remote_url=url,
        # It reached the network during the attempt whose answer was lost; that attempt
        # began when the dispatcher claimed it, the closest time we know (on-time rate).
        published_at=target.queued_at or timezone.now(),
        locked_until=None,
        error_kind="",
        error_message="",
        error_user_message="",
    )
    refresh_post_status(post)
    events.target_published(target)
    record_event(
        post.workspace,
        actor,
        "post.marked_published",
        post,
        f"Found it on {target.account}" + (f": {url}" if url else " (no link given)"),
        target=target.pk,
        url=url,
        remote_id=remote_id,
        evidence=evidence[:1000],
    )
    notifications.outcome_settled(post)
    return target


@transaction.atomic
def send_again(target: PostTarget, actor, membership: Membership | None = None) -> PostTarget:
    """A person looked and the post of unknown outcome is not on its network: it goes back
    in line, due now. It keeps its idempotency key and what its publish remembered, so a
    network that can tell it already has the post still answers with that one."""
    membership = _resolve(target.post, actor, membership)
    _require(membership, "resolve_outcomes", "send a post again")
    target = _locked_unknown(target, SEND_AGAIN)
    post = target.post
    evidence = target.error_message
    remembered = {key: value for key, value in (target.publish_state or {}).items() if key != "lookups"}
    _back_in_line(post, target, queued_at=None, publish_state=remembered)
    record_event(
        post.workspace,
        actor,
        "post.sent_again",
        post,
        f"Not found on {target.account}: sent it again",
        target=target.pk,
        evidence=evidence[:1000],
    )
    notifications.outcome_settled(post)
    return target


@transaction.atomic
def add_comment(post: Post, author, text: str, membership: Membership | None = None) -> PostComment:
    membership = _resolve(post, author, membership)
    _require(membership, "view", "comment")
    if not text or not text.strip():
        raise ValidationError({"text": ["Write a comment first."]})
    comment = PostComment.objects.create(post=post, author=author, text=text.strip())
    record_event(post.workspace, author, "post.commented", post, "Commented")
    return comment


def can_edit(post: Post) -> bool:
    return not post.targets.exclude(state__in=EDITABLE_STATES).exists()
