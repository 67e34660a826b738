"""What happens on the sandbox network: posting (with Idempotency-Key), favourites,
boosts, follows, and the notifications they raise."""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from sandbox.entities import mentioned_usernames
from sandbox.models import (
    SandboxAccount,
    SandboxIdempotency,
    SandboxInteraction,
    SandboxMedia,
    SandboxNotification,
    SandboxStatus,
)
from smm.platforms.text import mastodon_length

MAX_CHARACTERS = 500
MAX_MEDIA = 4
# Mastodon's words (media_attachments.validations), answered as 422 without a prefix.
NOT_READY = "Cannot attach files that have not finished processing. Try again in a moment!"
VIDEO_WITH_IMAGES = "Cannot attach a video to a post that already contains images"
# Mastodon's stock poll limits (configuration.polls of /api/v2/instance).
POLL_MAX_OPTIONS = 4
POLL_MAX_CHARACTERS = 50
POLL_MIN_EXPIRATION = 300  # seconds
POLL_MAX_EXPIRATION = 2629746
_LANGUAGE = re.compile(r"[a-z]{2,3}")


class ValidationFailed(Exception):
    """Answered as 422 with Mastodon's "Validation failed: ..." wording."""

    def __init__(self, detail: str):
        super().__init__(f"Validation failed: {detail}")


class NotFound(Exception):
    pass


class Refused(Exception):
    """Answered as 422 with the bare message, as Mastodon's own ``ValidationError`` is
    (no "Validation failed:" prefix): a poll together with media, say."""


@dataclass
class NewStatus:
    text: str = ""
    visibility: str = SandboxStatus.Visibility.PUBLIC
    in_reply_to_id: str | None = None
    media_ids: tuple[str, ...] = ()
    spoiler_text: str = ""
    sensitive: bool = False
    language: str = ""
    # {"options": [...], "expires_in": seconds, "multiple": bool}, as the API received it
    poll: dict | None = field(default=None)


def post_status(
    account: SandboxAccount, new: NewStatus, idempotency_key: str = "", *, now=None
) -> tuple[SandboxStatus, bool]:
    """Store a status; returns (status, created).

    With an Idempotency-Key seen from this account in the last hour, the first status
    is returned instead of a new one. Two requests racing with the same key both try to
    insert the (account, key) row in the transaction that stores their status; the
    unique constraint lets exactly one commit, and the loser reads the winner's status.
    """
    key = (idempotency_key or "").strip()[:191]
    stale_claim = False
    if key:
        claim = _claim_for_key(account, key)
        if claim is not None and claim.is_fresh:
            return claim.status, False
        stale_claim = claim is not None
    _check(account, new)
    try:
        with transaction.atomic():
            if stale_claim:
                # An expired key (over an hour old) is free to be used again.
                SandboxIdempotency.objects.filter(
                    account=account, key=key, created_at__lt=timezone.now() - _ttl()
                ).delete()
            status = _store(account, new, now=now)
            if key:
                SandboxIdempotency.objects.create(account=account, key=key, status=status)
    except IntegrityError:
        if not key:
            raise
        return _winner(account, key), False
    return status, True


def _winner(account, key) -> SandboxStatus:
    """The status of the request that won the race for ``key``. PostgreSQL reports the
    conflict only once the winner committed; SQLite can report it a moment before its
    row is visible to us, so look again briefly."""
    for _ in range(100):
        existing = _status_for_key(account, key)
        if existing is not None:
            return existing
        time.sleep(0.02)
    raise IntegrityError(f"Idempotency-Key {key!r} is taken but its status cannot be read")


def _ttl():
    from sandbox.models import IDEMPOTENCY_TTL

    return IDEMPOTENCY_TTL


def _claim_for_key(account, key) -> SandboxIdempotency | None:
    return SandboxIdempotency.objects.filter(account=account, key=key).select_related("status").first()


def _status_for_key(account, key) -> SandboxStatus | None:
    claim = _claim_for_key(account, key)
    if claim is not None and claim.is_fresh:
        return claim.status
    return None


def _check(account: SandboxAccount, new: NewStatus) -> None:
    if not new.text.strip() and not new.media_ids:  # a poll alone is not enough, as in Mastodon
        raise ValidationFailed("Text can't be blank")
    # As Mastodon's StatusLengthValidator: the content warning counts with the text.
    if len(new.spoiler_text) + mastodon_length(new.text) > MAX_CHARACTERS:
        raise ValidationFailed(f"Text character limit of {MAX_CHARACTERS} exceeded")
    if len(new.media_ids) > MAX_MEDIA:
        raise ValidationFailed(f"Media attachments can't have more than {MAX_MEDIA} attachments")
    if new.visibility not in SandboxStatus.Visibility.values:
        raise ValidationFailed("Visibility is not included in the list")
    if new.poll is not None:
        if new.media_ids:
            raise Refused("Cannot attach files to a post with a poll")
        _check_poll(new.poll)


def _check_poll(poll: dict) -> None:
    """Mastodon's PollValidator, with its wording."""
    options = poll.get("options")
    if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
        raise ValidationFailed("Poll options are invalid")
    if len(options) < 2:
        raise ValidationFailed("Poll must have more than one item")
    if len(options) > POLL_MAX_OPTIONS:
        raise ValidationFailed(f"Poll cannot contain more than {POLL_MAX_OPTIONS} items")
    if any(not o.strip() or len(o) > POLL_MAX_CHARACTERS for o in options):
        raise ValidationFailed(f"Poll contains an item longer than {POLL_MAX_CHARACTERS} characters or empty")
    if len({o.strip() for o in options}) != len(options):
        raise ValidationFailed("Poll contains duplicate items")
    try:
        expires_in = int(poll.get("expires_in"))
    except (TypeError, ValueError):
        raise ValidationFailed("Poll expires at can't be blank") from None
    if expires_in < POLL_MIN_EXPIRATION:
        raise ValidationFailed("Poll duration too short")
    if expires_in > POLL_MAX_EXPIRATION:
        raise ValidationFailed("Poll duration too long")


def _store(account: SandboxAccount, new: NewStatus, *, now=None) -> SandboxStatus:
    parent = None
    if new.in_reply_to_id:
        parent = SandboxStatus.objects.filter(pk=_as_int(new.in_reply_to_id)).first()
        if parent is None:
            raise NotFound("Record not found")
    media = []
    for media_id in new.media_ids:
        item = SandboxMedia.objects.filter(pk=_as_int(media_id), account=account).first()
        if item is None or (item.status_id is not None):
            raise ValidationFailed("Media attachments are invalid")
        media.append(item)
    if any(item.is_video for item in media) and len(media) > 1:
        raise Refused(VIDEO_WITH_IMAGES)
    if not all(item.processed for item in media):
        raise Refused(NOT_READY)
    created_at = now or timezone.now()
    poll = new.poll or {}
    status = SandboxStatus.objects.create(
        account=account,
        text=new.text,
        visibility=new.visibility,
        # Mastodon marks a status with a content warning sensitive, whatever was asked.
        spoiler_text=new.spoiler_text,
        sensitive=bool(new.sensitive or new.spoiler_text),
        # An unknown language is not refused: Mastodon falls back to the account's own.
        language=new.language if _LANGUAGE.fullmatch(new.language or "") else "",
        poll_options=[{"title": o, "votes_count": 0} for o in poll.get("options", [])],
        poll_expires_at=created_at + dt.timedelta(seconds=int(poll["expires_in"])) if poll else None,
        poll_multiple=bool(poll.get("multiple")),
        in_reply_to=parent,
        created_at=created_at,
    )
    for item in media:
        item.status = status
        item.save(update_fields=["status"])
    notified = set()
    if parent is not None:
        SandboxStatus.objects.filter(pk=parent.pk).update(replies_count=F("replies_count") + 1)
        if parent.account_id != account.pk:
            # Mastodon's clients put the parent's author in a reply; it arrives as a mention.
            _notify(parent.account, SandboxNotification.Type.MENTION, account, status)
            notified.add(parent.account_id)
    for username in dict.fromkeys(mentioned_usernames(new.text)):
        mentioned = SandboxAccount.objects.filter(username=username).first()
        if mentioned and mentioned.pk != account.pk and mentioned.pk not in notified:
            _notify(mentioned, SandboxNotification.Type.MENTION, account, status)
            notified.add(mentioned.pk)
    return status


def _as_int(value) -> int:
    try:
        return int(str(value))
    except ValueError:
        return -1


def _notify(account, kind, from_account, status=None, *, now=None) -> SandboxNotification:
    return SandboxNotification.objects.create(
        account=account, type=kind, from_account=from_account, status=status, created_at=now or timezone.now()
    )


def interact(account: SandboxAccount, status: SandboxStatus, kind: str, *, now=None) -> bool:
    """Favourite or boost ``status`` as ``account``; False when it already did."""
    counter = "favourites_count" if kind == SandboxInteraction.Kind.FAVOURITE else "reblogs_count"
    try:
        with transaction.atomic():
            SandboxInteraction.objects.create(
                kind=kind, account=account, status=status, created_at=now or timezone.now()
            )
            SandboxStatus.objects.filter(pk=status.pk).update(**{counter: F(counter) + 1})
            if status.account_id != account.pk:
                _notify(status.account, kind, account, status, now=now)
    except IntegrityError:
        return False
    return True


def follow(follower: SandboxAccount, followed: SandboxAccount, *, now=None) -> None:
    with transaction.atomic():
        SandboxAccount.objects.filter(pk=followed.pk).update(followers_count=F("followers_count") + 1)
        SandboxAccount.objects.filter(pk=follower.pk).update(following_count=F("following_count") + 1)
        _notify(followed, SandboxNotification.Type.FOLLOW, follower, now=now)
