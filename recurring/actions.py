"""Series: create, edit (future occurrences only), pause, resume, stop, and materialise
the coming occurrences as ordinary posts through posts.actions (so the creator's rights,
the workspace's approval policy, the networks' rules, audit and webhooks all apply).

Idempotence: each occurrence is a SeriesOccurrence row keyed by (series, local date,
local time) under a unique constraint, written in the same transaction as its post, with
the series row locked: a second run (or a concurrent one) finds the row and does nothing.

Downtime: an occurrence whose time passed more than ``RECURRING_GRACE_MINUTES`` ago when
it is materialised is not posted late; its row says it was skipped and why.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from posts import actions as post_actions
from posts.models import MediaAsset, Post, PostStatus, PostTarget, TargetState
from recurring import rules
from recurring.models import Series, SeriesOccurrence
from smm.models import Membership, SocialAccount, record_event

logger = logging.getLogger(__name__)

Status = SeriesOccurrence.Status
# Posts of an occurrence that nobody may change any more: the series leaves them alone.
GONE_OUT = {
    PostStatus.PUBLISHING,
    PostStatus.PUBLISHED,
    PostStatus.PARTIALLY_PUBLISHED,
    PostStatus.FAILED,
    PostStatus.NEEDS_ATTENTION,
}


def horizon() -> dt.timedelta:
    return dt.timedelta(days=getattr(settings, "RECURRING_HORIZON_DAYS", 14))


def grace() -> dt.timedelta:
    return dt.timedelta(minutes=getattr(settings, "RECURRING_GRACE_MINUTES", 15))


def _membership(series: Series, actor) -> Membership:
    membership = Membership.objects.filter(workspace=series.workspace, user=actor).first()
    if membership is None:
        raise PermissionDenied("You are not a member of this workspace.")
    return membership


def _require(membership: Membership, right: str, what: str) -> None:
    if not membership.can(right):
        raise PermissionDenied(f"Your role ({membership.get_role_display()}) cannot {what}.")


def fingerprint(post: Post) -> str:
    """What a person could change on an occurrence's post: text, link, accounts with
    their texts and options, media, time. A different fingerprint means edited by hand."""
    targets = sorted(
        (t.account_id, t.text, json.dumps(t.options, sort_keys=True))
        for t in PostTarget.objects.filter(post=post).exclude(state=TargetState.CANCELLED)
    )
    media = list(post.media.order_by("postmedia__order").values_list("pk", flat=True))
    when = post.scheduled_at.isoformat() if post.scheduled_at else ""
    blob = json.dumps([post.text, post.link, targets, media, when, post.campaign_id])
    return hashlib.sha256(blob.encode()).hexdigest()


def _content_from(series: Series, data: dict) -> None:
    series.text = data.get("text", "")
    series.link = data.get("link", "") or ""
    series.variants = {str(k): v for k, v in (data.get("variants") or {}).items()}
    series.options = {str(k): v for k, v in (data.get("options") or {}).items()}
    series.media_ids = [m.pk for m in data.get("media") or []]
    series.campaign = data.get("campaign")


def _check(series: Series, rec: rules.Recurrence, accounts) -> None:
    rules.check(rec)
    if not accounts:
        raise ValidationError({"accounts": ["Pick at least one account to post to."]})
    for account in accounts:
        if account.brand_id != series.brand_id:
            raise ValidationError({"accounts": [f"{account} does not belong to {series.brand}."]})
    first = rules.next_dates(rec.rule(), rec.starts_on, rec.at, rec.zone, after=timezone.now(), n=1)
    if not first:
        raise ValidationError({"repeat": ["This rule has no date left in the future: change its start or end."]})


@transaction.atomic
def create_series(workspace, brand, actor, content: dict, rec: rules.Recurrence, *, membership=None) -> Series:
    """A series from the composer's content (as ``create_post`` takes it) and rule. Its
    first occurrences are written at once."""
    membership = membership or Membership.objects.filter(workspace=workspace, user=actor).first()
    if membership is None or membership.workspace_id != workspace.pk:
        raise PermissionDenied("You are not a member of this workspace.")
    _require(membership, "schedule_posts", "schedule repeating posts")
    if brand.workspace_id != workspace.pk:
        raise ValidationError({"brand": ["That brand is not in this workspace."]})
    series = Series(
        workspace=workspace,
        brand=brand,
        created_by=actor,
        rule=rec.rule(),
        starts_on=rec.starts_on,
        at=rec.at,
        time_zone=rec.zone,
        window_start=timezone.now() - grace(),
    )
    accounts = list(content.get("accounts") or [])
    _check(series, rec, accounts)
    _content_from(series, content)
    series.save()
    series.accounts.set(accounts)
    record_event(workspace, actor, "series.created", series, f"Repeating post: {rules.summary(rec)}")
    materialise(series)
    return series


@transaction.atomic
def edit_series(series: Series, actor, content: dict, rec: rules.Recurrence, *, membership=None) -> dict:
    """New content and rule for the occurrences still to come. Past and published ones are
    untouched; a coming one whose post was edited by hand is kept as it is (and noted);
    the others are withdrawn and written again from the new content and rule.
    Returns counts: {"withdrawn": n, "kept": n, "planned": n}."""
    membership = membership or _membership(series, actor)
    _require(membership, "schedule_posts", "edit repeating posts")
    series = Series.objects.select_for_update().get(pk=series.pk)
    if series.stopped_at is not None:
        raise ValidationError("This series was stopped; start a new one instead.")
    accounts = list(content.get("accounts") or [])
    _check(series, rec, accounts)
    now = timezone.now()
    counts = _withdraw_future(series, actor, membership, now, reason="the series was edited")
    _content_from(series, content)
    series.rule, series.starts_on, series.at, series.time_zone = rec.rule(), rec.starts_on, rec.at, rec.zone
    series.window_start = now
    series.version += 1
    series.save()
    series.accounts.set(accounts)
    record_event(
        series.workspace, actor, "series.edited", series, f"Edited (from now on): {rules.summary(rec)}", **counts
    )
    counts["planned"] = materialise(series)
    return counts


def _withdraw_future(series: Series, actor, membership, now, *, reason: str) -> dict:
    """Cancel the posts of coming occurrences the series wrote and nobody touched since."""
    counts = {"withdrawn": 0, "kept": 0}
    future = series.occurrences.select_related("post").filter(status=Status.PLANNED, due_at__gt=now)
    for occurrence in future:
        post = occurrence.post
        if post is None or post.status in GONE_OUT or post.status == PostStatus.CANCELLED:
            continue
        if fingerprint(post) != occurrence.fingerprint:
            occurrence.status = Status.KEPT
            occurrence.note = f"Edited by hand, so kept as it is when {reason}."
            occurrence.save(update_fields=["status", "note"])
            counts["kept"] += 1
            continue
        post_actions.cancel(post, actor, membership)
        occurrence.status = Status.WITHDRAWN
        occurrence.note = f"Withdrawn: {reason}."
        occurrence.save(update_fields=["status", "note"])
        counts["withdrawn"] += 1
    return counts


@transaction.atomic
def pause(series: Series, actor, *, membership=None) -> dict:
    membership = membership or _membership(series, actor)
    _require(membership, "schedule_posts", "pause repeating posts")
    series = Series.objects.select_for_update().get(pk=series.pk)
    if series.paused or series.stopped_at:
        raise ValidationError("This series is not running.")
    counts = _withdraw_future(series, actor, membership, timezone.now(), reason="the series was paused")
    series.paused = True
    series.save(update_fields=["paused", "updated_at"])
    record_event(series.workspace, actor, "series.paused", series, "Paused", **counts)
    return counts


@transaction.atomic
def resume(series: Series, actor, *, membership=None) -> int:
    """Running again from now: what fell in the pause is not posted late."""
    membership = membership or _membership(series, actor)
    _require(membership, "schedule_posts", "resume repeating posts")
    series = Series.objects.select_for_update().get(pk=series.pk)
    if not series.paused or series.stopped_at:
        raise ValidationError("This series is not paused.")
    series.paused = False
    series.window_start = timezone.now()
    series.save(update_fields=["paused", "window_start", "updated_at"])
    record_event(series.workspace, actor, "series.resumed", series, "Resumed")
    return materialise(series)


@transaction.atomic
def stop(series: Series, actor, *, membership=None) -> dict:
    """For good: coming occurrences the series wrote are cancelled; published ones stay."""
    membership = membership or _membership(series, actor)
    _require(membership, "schedule_posts", "stop repeating posts")
    series = Series.objects.select_for_update().get(pk=series.pk)
    if series.stopped_at:
        raise ValidationError("This series is already stopped.")
    counts = _withdraw_future(series, actor, membership, timezone.now(), reason="the series was stopped")
    series.stopped_at = timezone.now()
    series.save(update_fields=["stopped_at", "updated_at"])
    record_event(series.workspace, actor, "series.stopped", series, "Stopped", **counts)
    return counts


# --- materialising -----------------------------------------------------------------------


def _when_text(resolved) -> str:
    return f"{resolved.local:%a %d %b %Y %H:%M}"


def materialise(series: Series, now: dt.datetime | None = None) -> int:
    """Write the occurrences due up to now + the horizon that have no row yet. Returns how
    many posts it planned. Safe to run twice and concurrently (series row lock + unique key)."""
    now = now or timezone.now()
    planned = 0
    with transaction.atomic():
        series = Series.objects.select_for_update(of=("self",)).select_related("workspace", "brand").get(pk=series.pk)
        if not series.active:
            return 0
        taken = {
            (o.local_date, o.local_time): o
            for o in series.occurrences.all().only("local_date", "local_time", "status", "post")
        }
        due = rules.occurrences(
            series.rule,
            series.starts_on,
            series.at,
            series.time_zone,
            after=series.window_start,
            before=now + horizon(),
        )
        actor = series.created_by
        membership = Membership.objects.filter(workspace=series.workspace, user=actor).first() if actor else None
        for wall, resolved in due:
            key = (wall.date(), wall.time())
            existing = taken.get(key)
            if existing is not None and existing.status != Status.WITHDRAWN:
                continue
            occurrence = existing or SeriesOccurrence(series=series, local_date=key[0], local_time=key[1])
            occurrence.due_at = resolved.utc
            occurrence.post = None
            occurrence.fingerprint = ""
            if resolved.utc < now - grace():
                occurrence.status = Status.SKIPPED
                occurrence.note = (
                    f"Skipped {_when_text(resolved)}: SMM was not running at that time, "
                    "and a late post is worse than none."
                )
            elif membership is None or not membership.can("schedule_posts"):
                occurrence.status = Status.NOT_CREATED
                occurrence.note = "Its author can no longer schedule posts in this workspace: edit the series."
            else:
                try:
                    with transaction.atomic():
                        post = _write_post(series, actor, membership, resolved)
                except (ValidationError, PermissionDenied) as error:
                    occurrence.status = Status.NOT_CREATED
                    messages = getattr(error, "messages", None) or [str(error)]
                    occurrence.note = ("Not created: " + " ".join(messages))[:500]
                else:
                    occurrence.post = post
                    occurrence.status = Status.PLANNED
                    occurrence.fingerprint = fingerprint(post)
                    occurrence.note = resolved.note[:500]
                    planned += 1
            occurrence.save()
    return planned


def _write_post(series: Series, actor, membership, resolved) -> Post:
    accounts = list(series.accounts.exclude(status=SocialAccount.Status.DISCONNECTED))
    by_id = {a.pk: a for a in MediaAsset.objects.for_workspace(series.workspace).filter(pk__in=series.media_ids)}
    post = post_actions.create_post(
        series.workspace,
        series.brand,
        actor,
        series.text,
        accounts,
        variants={int(k): v for k, v in series.variants.items()},
        options={int(k): v for k, v in series.options.items()},
        link=series.link,
        media=[by_id[i] for i in series.media_ids if i in by_id],
        campaign=series.campaign,
        membership=membership,
    )
    post = post_actions.schedule_post(post, resolved.utc, actor, membership, allow_past=True)
    # Sent on time or not at all: an occurrence still waiting when its grace has passed
    # (SMM was down, the brand paused) is skipped by the dispatcher, not sent late.
    post.publish_by = resolved.utc + grace()
    post.save(update_fields=["publish_by"])
    return post


def materialise_all(now: dt.datetime | None = None) -> dict:
    """Every running series; one that fails is logged and the others go on."""
    done = {"series": 0, "planned": 0, "errors": 0}
    ids = Series.objects.filter(paused=False, stopped_at__isnull=True).values_list("pk", flat=True)
    for pk in ids:
        try:
            done["planned"] += materialise(Series(pk=pk), now)
            done["series"] += 1
        except Exception:
            logger.exception("Could not materialise series %s", pk)
            done["errors"] += 1
    return done
