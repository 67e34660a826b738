"""Inbox data: what the audience wrote to us, how we answered, and the per-account poll cursor.

An ``InboxItem`` is one comment, reply, mention or direct message, unique per
(account, network id) so polling and webhooks can both deliver it without a duplicate.
Our answers are ``InboxReply`` rows (sent by a task through the network's adapter);
team-only remarks are ``InboxNote`` rows.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from smm.models import SocialAccount, TenantQuerySet, Workspace


class Kind(models.TextChoices):
    COMMENT = "comment", "Comment"
    REPLY = "reply", "Reply"
    MENTION = "mention", "Mention"
    DM = "dm", "Direct message"


class Status(models.TextChoices):
    OPEN = "open", "Open"
    SNOOZED = "snoozed", "Snoozed"
    DONE = "done", "Done"


# VADER's own thresholds for "clearly negative / positive".
NEGATIVE_BELOW = -0.05
POSITIVE_ABOVE = 0.05


def sentiment_label(score: float) -> str:
    """VADER's usual reading of a compound score: negative, neutral or positive (the inbox
    and listening both say it this way)."""
    if score < NEGATIVE_BELOW:
        return "negative"
    if score > POSITIVE_ABOVE:
        return "positive"
    return "neutral"


# The team's handling of an item: who has it, who answered it, and the priority that the
# workspace's own keywords help score. Only members with the "see_internal" right see
# these (pages, API); outgoing webhooks never carry them. Notes are internal as a whole.
INTERNAL_FIELDS = frozenset({"assignee", "responded_by", "priority", "priority_reasons"})


class InboxItemQuerySet(TenantQuerySet):
    def open(self):
        return self.filter(status=Status.OPEN)

    def wake_snoozed(self, now=None) -> int:
        """Snoozes that have run out become open again; returns how many woke."""
        now = now or timezone.now()
        return self.filter(status=Status.SNOOZED, snoozed_until__lte=now).update(
            status=Status.OPEN, snoozed_until=None, updated_at=now
        )

    def sentiment(self, label: str):
        if label == "negative":
            return self.filter(sentiment__lt=NEGATIVE_BELOW)
        if label == "positive":
            return self.filter(sentiment__gt=POSITIVE_ABOVE)
        if label == "neutral":
            return self.filter(sentiment__gte=NEGATIVE_BELOW, sentiment__lte=POSITIVE_ABOVE)
        return self


class InboxItem(models.Model):
    # Denormalised from the account so the list query filters and sorts on one index.
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="inbox_items")
    account = models.ForeignKey(SocialAccount, on_delete=models.CASCADE, related_name="inbox_items")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    remote_id = models.CharField(max_length=191)
    author_handle = models.CharField(max_length=191, blank=True)
    author_name = models.CharField(max_length=191, blank=True)
    author_avatar = models.URLField(max_length=500, blank=True)
    author_followers = models.PositiveIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)
    created_at = models.DateTimeField(help_text="When it was written, as the network says")
    url = models.URLField(max_length=1000, blank=True)
    post_target = models.ForeignKey(
        "posts.PostTarget", null=True, blank=True, on_delete=models.SET_NULL, related_name="inbox_items"
    )
    parent_remote_id = models.CharField(max_length=191, blank=True)
    # Items of one conversation share this key (the network's conversation id, else the
    # root of the reply chain as far as we know it).
    thread_key = models.CharField(max_length=191, blank=True, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbox_assigned"
    )
    snoozed_until = models.DateTimeField(null=True, blank=True)
    sentiment = models.FloatField(default=0.0, help_text="VADER compound score, -1 (negative) .. 1 (positive)")
    # The words that moved it, each with its share of the score (inbox.priority.explain_sentiment);
    # null until scored (items older than the field get theirs when re-scored).
    sentiment_words = models.JSONField(null=True, blank=True)
    priority = models.PositiveSmallIntegerField(default=0)
    # [{"points": 25, "reason": "keyword: refund"}, ...]; older items hold the reasons only
    priority_reasons = models.JSONField(default=list, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbox_responses"
    )
    source = models.CharField(max_length=10, default="poll")  # poll | webhook
    ingested_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = InboxItemQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "remote_id"], name="inbox_item_once_per_account"),
        ]
        indexes = [
            # The list's two orders, with the id tie-breaker so no sort step is needed.
            models.Index(fields=["workspace", "status", "-created_at", "-id"], name="inbox_ws_status_new_idx"),
            models.Index(
                fields=["workspace", "status", "-priority", "-created_at", "-id"], name="inbox_ws_status_prio_idx"
            ),
            models.Index(fields=["workspace", "-created_at", "-id"], name="inbox_ws_new_idx"),
            models.Index(fields=["account", "status", "-created_at"], name="inbox_account_new_idx"),
            models.Index(fields=["workspace", "first_response_at"], name="inbox_ws_response_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} from {self.author_name or self.handle_label or 'someone'}: {self.text[:40]}"

    def get_absolute_url(self):
        return reverse("inbox:item", kwargs={"ws": self.workspace.slug, "item_id": self.pk})

    @property
    def sentiment_label(self) -> str:
        return sentiment_label(self.sentiment)

    @property
    def sentiment_explained(self) -> dict:
        """The sentiment in words for the item page: its label, score, and the words that
        moved it ("“cold” −0.41"), worked out now for an item scored before they were kept."""
        from inbox.priority import EMPHASIS, explain_sentiment

        words = self.sentiment_words
        if words is None:
            words = explain_sentiment(self.text).words
        return {
            "label": self.sentiment_label.capitalize(),
            "score": signed(self.sentiment),
            "words": [
                {
                    **word,
                    "shown": signed(word.get("share", 0)),
                    "up": word.get("share", 0) > 0,
                    "quoted": word["word"] != EMPHASIS,
                }
                for word in words
                if isinstance(word, dict) and word.get("word")
            ],
        }

    @property
    def priority_factors(self) -> list[dict]:
        """Each reason with the points it added ("+25"), and the total they make."""
        factors = []
        for reason in self.priority_reasons or []:
            if isinstance(reason, dict):
                points = reason.get("points")
                factors.append({"reason": reason.get("reason", ""), "points": f"+{points}" if points else ""})
            else:  # scored before the points were kept
                factors.append({"reason": str(reason), "points": ""})
        return factors

    @property
    def priority_sum(self) -> int | None:
        """What the factors add up to (more than the score when capped at 100); None for
        an item scored before the points were kept."""
        reasons = self.priority_reasons or []
        if not reasons or not all(isinstance(r, dict) for r in reasons):
            return None
        return sum(int(r.get("points") or 0) for r in reasons)

    @property
    def handle_label(self) -> str:
        """The author's handle as people write it ("@sam@mastodon.social"), or "" where
        the network gives us only a number or a URN (Facebook, LinkedIn)."""
        handle = (self.author_handle or "").strip()
        # a bare number is an id (Facebook, an Instagram author without a username);
        # "@123" is a real X username
        if not handle.lstrip("@") or handle.startswith("urn:") or handle.isdigit():
            return ""
        return handle if handle.startswith("@") else f"@{handle}"

    @property
    def author_label(self) -> str:
        """Who wrote it, in words: the name, else the handle, else "Someone on LinkedIn"."""
        if self.author_name or self.handle_label:
            return self.author_name or self.handle_label
        return f"Someone on {self.account.get_network_display().removesuffix(' Page')}"

    @property
    def first_name(self) -> str:
        """The author's first name as best we can tell (for saved replies)."""
        name = (self.author_name or "").strip()
        if name:
            return name.split()[0]
        return self.handle_label.lstrip("@").split("@")[0] or "there"


def signed(value: float) -> str:
    """-0.42 -> "−0.42", 0.3 -> "+0.30": a score as people write it (a real minus sign)."""
    if not value:
        return "0.00"
    return f"{'+' if value > 0 else '−'}{abs(value):.2f}"


class InboxCursor(models.Model):
    """Where polling of one account stands: the adapter's cursor and when to poll next."""

    account = models.OneToOneField(SocialAccount, on_delete=models.CASCADE, related_name="inbox_cursor")
    cursor = models.CharField(max_length=500, blank=True)
    next_poll_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveSmallIntegerField(default=0, help_text="Consecutive failed polls (for back-off)")
    last_error = models.CharField(max_length=500, blank=True)

    tenant_path = "account__brand__workspace"
    objects = TenantQuerySet.as_manager()

    def __str__(self):
        return f"{self.account}: {self.cursor or '(start)'}"


class InboundWebhook(models.Model):
    """A signed delivery a network pushed to us, kept until its items are in the inbox.

    The receiver only checks the signature and stores the delivery, so the network gets
    its 200 at once whatever the batch size; a task ingests it, and a periodic sweep
    retries what a lost wake-up or a failed attempt left pending. Not tenant data yet:
    the accounts it concerns are found when it is processed.
    """

    source = models.CharField(max_length=20)
    received_at = models.DateTimeField(default=timezone.now)
    payload = models.JSONField()
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    new_items = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(processed_at__isnull=True),
                name="inbound_webhook_pending",
            ),
        ]

    def __str__(self):
        state = "processed" if self.processed_at else "pending"
        return f"{self.source} delivery {self.pk} ({state})"


class InboxReply(models.Model):
    """An answer written in the app; a task sends it through the adapter exactly once.

    ``unknown``: it may have gone out (the network's answer was lost or unreadable, or the
    sender died mid-send) and a lookup could not find it; a person checks on the network
    and says whether it is there. It is never sent again on its own.
    """

    class State(models.TextChoices):
        QUEUED = "queued", "Sending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        UNKNOWN = "unknown", "Not confirmed"

    item = models.ForeignKey(InboxItem, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    locked_until = models.DateTimeField(null=True, blank=True)
    remote_id = models.CharField(max_length=191, blank=True)
    url = models.URLField(max_length=1000, blank=True)
    error_message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    tenant_path = "item__workspace"
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"Reply to {self.item_id}: {self.text[:40]}"


class InboxNote(models.Model):
    """An internal remark on an item; never leaves the app."""

    item = models.ForeignKey(InboxItem, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    tenant_path = "item__workspace"
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]


class InboxKeyword(models.Model):
    """A word the workspace wants to hear about first ("refund", "broken", "lawsuit")."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="inbox_keywords")
    word = models.CharField(max_length=60)
    weight = models.PositiveSmallIntegerField(default=25, help_text="Points added to an item's priority")

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["word"]
        constraints = [models.UniqueConstraint(fields=["workspace", "word"], name="inbox_keyword_once")]

    def __str__(self):
        return self.word

    def save(self, *args, **kwargs):
        self.word = self.word.strip().lower()
        super().save(*args, **kwargs)


PLACEHOLDER = re.compile(r"\{(first_name|name|handle|brand)\}")


class SavedReply(models.Model):
    """A canned answer with placeholders: {first_name}, {name}, {handle}, {brand}."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="saved_replies")
    title = models.CharField(max_length=80)
    text = models.TextField(help_text="Placeholders: {first_name}, {name}, {handle}, {brand}")
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        constraints = [models.UniqueConstraint(fields=["workspace", "title"], name="saved_reply_title_once")]

    def __str__(self):
        return self.title

    def render(self, item: InboxItem) -> str:
        """The text for ``item``. Only the known placeholders are replaced (no
        ``str.format``: a stray ``{0.__class__}`` in a saved reply must stay text)."""
        values = {
            "first_name": item.first_name,
            "name": item.author_name or item.first_name,
            "handle": item.handle_label or item.author_name,
            "brand": item.account.brand.name,
        }
        return PLACEHOLDER.sub(lambda match: values[match.group(1)], self.text)
