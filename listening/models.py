"""Listening data: what each brand watches for (``Monitor``), the public posts that matched
(``Mention``), where each stream consumer got to (``StreamCursor``) and the spikes found
(``SpikeAlert``).

A mention is stored once per (monitor, source, remote id): a post that matches a brand and a
competitor counts for both (share of voice), and a replayed stream adds nothing twice.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.urls import reverse
from django.utils import timezone

from inbox.models import NEGATIVE_BELOW, sentiment_label
from smm.models import Brand, SocialAccount, TenantQuerySet, Workspace


class Monitor(models.Model):
    class Kind(models.TextChoices):
        BRAND = "brand", "Our brand"
        COMPETITOR = "competitor", "Competitor"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="monitors")
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="monitors")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.BRAND)
    # Each a list of strings, kept as the user typed them; matching lowercases them.
    terms = models.JSONField(default=list, blank=True, help_text="Words; a term of several words is a phrase")
    phrases = models.JSONField(default=list, blank=True)
    hashtags = models.JSONField(default=list, blank=True)
    handles = models.JSONField(default=list, blank=True)
    exclusions = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=list, blank=True, help_text="ISO 639-1 codes; empty: every language")
    active = models.BooleanField(default=True)
    # Spike alerts: a bucket alerts when it passes mean + deviations x sigma of its baseline
    # and holds at least alert_min_count mentions.
    alert_deviations = models.FloatField(default=3.0)
    alert_min_count = models.PositiveIntegerField(default=5)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["brand__name", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "name"], name="listening_monitor_name_unique_in_brand"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("listening:dashboard", kwargs={"ws": self.workspace.slug}) + f"?brand={self.brand_id}"

    @property
    def has_rule(self) -> bool:
        return bool(self.terms or self.phrases or self.hashtags or self.handles)


class Mention(models.Model):
    class Source(models.TextChoices):
        BLUESKY = "bluesky", "Bluesky"
        MASTODON = "mastodon", "Mastodon"
        X = "x", "X"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="mentions")
    monitor = models.ForeignKey(Monitor, on_delete=models.CASCADE, related_name="mentions")
    source = models.CharField(max_length=12, choices=Source.choices)
    # Bluesky: the post's at:// URI (did + rkey), what its inbox and reply use.
    # Mastodon: the status's URI (the same post read on two instances has one URI); X: the post id.
    remote_id = models.CharField(max_length=300)
    author_id = models.CharField(max_length=191, blank=True, help_text="Bluesky DID, Mastodon account URL")
    author_handle = models.CharField(max_length=191, blank=True)
    author_followers = models.PositiveIntegerField(null=True, blank=True, help_text="Reach estimate, when known")
    text = models.TextField(blank=True)
    url = models.URLField(max_length=1000, blank=True)
    lang = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(help_text="When it was written, as its author's client says")
    seen_at = models.DateTimeField(help_text="When the stream delivered it (buckets and alerts use this)")
    sentiment = models.FloatField(default=0.0)
    sentiment_words = models.JSONField(default=list, blank=True)
    matched = models.JSONField(default=list, blank=True, help_text="The monitor's terms found in it")
    inbox_item_id = models.PositiveBigIntegerField(null=True, blank=True, help_text="Sent to the inbox as this item")
    ingested_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-seen_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["monitor", "source", "remote_id"], name="listening_mention_once"),
        ]
        indexes = [
            models.Index(fields=["monitor", "seen_at"], name="listening_mention_series_idx"),
            models.Index(fields=["workspace", "-seen_at"], name="listening_mention_ws_new_idx"),
        ]

    def __str__(self):
        return f"{self.author_handle or self.author_id}: {self.text[:40]}"

    @property
    def sentiment_label(self) -> str:
        return sentiment_label(self.sentiment)

    @property
    def author_label(self) -> str:
        if self.author_handle:
            return f"@{self.author_handle.lstrip('@')}"
        return self.author_id or "someone"


class StreamCursor(models.Model):
    """Where one stream consumer got to (Jetstream: ``time_us`` of the last event stored)
    and what it counted; written with the mentions it covers, in one transaction."""

    name = models.CharField(max_length=100, unique=True)
    cursor = models.BigIntegerField(null=True, blank=True)
    events = models.BigIntegerField(default=0)
    mentions = models.BigIntegerField(default=0)
    malformed = models.BigIntegerField(default=0)
    disconnects = models.BigIntegerField(default=0)
    connected_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.name} at {self.cursor}"


class SpikeAlert(models.Model):
    class Series(models.TextChoices):
        VOLUME = "volume", "Volume"
        NEGATIVE = "negative", "Negative volume"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="spike_alerts")
    monitor = models.ForeignKey(Monitor, on_delete=models.CASCADE, related_name="spike_alerts")
    series = models.CharField(max_length=10, choices=Series.choices)
    window_minutes = models.PositiveSmallIntegerField()
    bucket_start = models.DateTimeField()
    count = models.PositiveIntegerField()
    baseline_mean = models.FloatField()
    baseline_stddev = models.FloatField()
    threshold = models.FloatField()
    created_at = models.DateTimeField(default=timezone.now)
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-bucket_start", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["monitor", "series", "window_minutes", "bucket_start"], name="listening_spike_once"
            ),
        ]

    def __str__(self):
        return f"{self.get_series_display()} spike on {self.monitor}: {self.count} in {self.window_minutes} min"

    def get_absolute_url(self):
        return reverse("listening:alert", kwargs={"ws": self.workspace.slug, "alert_id": self.pk})

    @property
    def bucket_end(self):
        return self.bucket_start + dt.timedelta(minutes=self.window_minutes)

    def mentions(self):
        found = Mention.objects.filter(
            monitor=self.monitor, seen_at__gte=self.bucket_start, seen_at__lt=self.bucket_end
        )
        if self.series == self.Series.NEGATIVE:
            found = found.filter(sentiment__lt=NEGATIVE_BELOW)
        return found


class MentionBucket(models.Model):
    """Mentions of a monitor per clock-aligned bucket (10 minutes and an hour), counted when
    they are stored, so a spike check reads a few rows instead of a week of mentions."""

    monitor = models.ForeignKey(Monitor, on_delete=models.CASCADE, related_name="buckets")
    minutes = models.PositiveSmallIntegerField()
    start = models.DateTimeField()
    total = models.PositiveIntegerField(default=0)
    negative = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["monitor", "minutes", "start"], name="listening_bucket_once"),
        ]

    def __str__(self):
        return f"{self.monitor_id} {self.minutes} min at {self.start}: {self.total}"


class PollCursor(models.Model):
    """Where polling one source with one account got to (a Mastodon hashtag timeline or
    search, an X recent search), and what the source said the last time."""

    class Kind(models.TextChoices):
        TAG = "tag", "Hashtag timeline"
        SEARCH = "search", "Search"
        X_SEARCH = "x_search", "X recent search"

    class State(models.TextChoices):
        OK = "ok", "Read"
        OWN_ONLY = "own_only", "Searches only the account's own posts"
        REFUSED = "refused", "Refused"
        FAILED = "failed", "Failed"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(SocialAccount, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    key = models.CharField(max_length=600, help_text="The hashtag or the query")
    cursor = models.CharField(max_length=64, blank=True, help_text="The newest id read (since_id / min_id)")
    state = models.CharField(max_length=10, choices=State.choices, default=State.OK)
    note = models.CharField(max_length=300, blank=True)
    found = models.PositiveIntegerField(default=0, help_text="Posts read, all polls together")
    polled_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "key"]
        constraints = [
            models.UniqueConstraint(fields=["account", "kind", "key"], name="listening_poll_cursor_once"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.key} with {self.account_id} at {self.cursor}"


class ListeningSettings(models.Model):
    """A workspace's listening switches. X recent search costs money per post read
    (pay-per-use credits), so it is off until someone says the workspace's X API access has it."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="listening_settings")
    x_recent_search = models.BooleanField(
        "Our X API access includes recent search",
        default=False,
        help_text="X bills each post read (about $5 per 1,000 matching posts); leave off without that access.",
    )

    objects = TenantQuerySet.as_manager()

    def __str__(self):
        return f"Listening settings of {self.workspace}"

    @classmethod
    def of(cls, workspace) -> ListeningSettings:
        found = cls.objects.filter(workspace=workspace).first()
        return found or cls(workspace=workspace)


class Competitor(models.Model):
    """A competitor's public account, watched by a daily snapshot."""

    class Network(models.TextChoices):
        MASTODON = "mastodon", "Mastodon"
        BLUESKY = "bluesky", "Bluesky"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="competitors")
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="competitors")
    name = models.CharField(max_length=120)
    network = models.CharField(max_length=10, choices=Network.choices)
    handle = models.CharField(max_length=191, help_text="Mastodon: user@server.example; Bluesky: name.bsky.social")
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["name", "network"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "network", "handle"], name="listening_competitor_once"),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_network_display()} {self.handle})"


class CompetitorSnapshot(models.Model):
    competitor = models.ForeignKey(Competitor, on_delete=models.CASCADE, related_name="snapshots")
    date = models.DateField()
    followers = models.PositiveIntegerField(null=True, blank=True)
    posts_count = models.PositiveIntegerField(null=True, blank=True)
    posts_7d = models.PositiveIntegerField(null=True, blank=True, help_text="Public posts in the 7 days before")
    avg_engagement = models.FloatField(
        null=True, blank=True, help_text="Mean likes + shares + replies of the recent public posts read"
    )
    posts_read = models.PositiveIntegerField(default=0)
    captured_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(fields=["competitor", "date"], name="listening_competitor_snapshot_daily"),
        ]

    def __str__(self):
        return f"{self.competitor} on {self.date}"
