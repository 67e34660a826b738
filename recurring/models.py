"""Repeating series and evergreen categories.

A Series holds a post's content (text, per-account variants and options, link, media,
campaign, accounts) and an RFC 5545 rule read in wall-clock time of a zone. Its
occurrences become ordinary posts (through posts.actions, so approval, audit, webhooks
and network options apply), one SeriesOccurrence row per local date and time under a
unique key: a re-run finds the row and creates nothing.

An evergreen Category holds posts that recycle into the brand's free posting slots.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from posts.models import Campaign, Post
from smm.models import Brand, SocialAccount, TenantQuerySet, Workspace, validate_time_zone


class Series(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="series")
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="series")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # the content every occurrence gets (as create_post takes it)
    text = models.TextField(blank=True)
    link = models.URLField(max_length=1000, blank=True)
    variants = models.JSONField(default=dict, blank=True, help_text="Adapted texts by account id")
    options = models.JSONField(default=dict, blank=True, help_text="Network options by account id")
    media_ids = models.JSONField(default=list, blank=True, help_text="Media asset ids, in order")
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    accounts = models.ManyToManyField(SocialAccount, blank=True, related_name="+")
    # when: RRULE without DTSTART (e.g. FREQ=WEEKLY;BYDAY=MO,TH;COUNT=12), from starts_on at `at`
    rule = models.CharField(max_length=300)
    starts_on = models.DateField()
    at = models.TimeField(help_text="Wall-clock time in time_zone")
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    paused = models.BooleanField(default=False)
    stopped_at = models.DateTimeField(null=True, blank=True)
    # Occurrences at or before this instant are never created (set on creation, edit, resume).
    window_start = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "series"

    def __str__(self):
        return (self.text[:60] or "(no text)").replace("\n", " ")

    def get_absolute_url(self):
        return reverse("recurring:detail", kwargs={"ws": self.workspace.slug, "series_id": self.pk})

    @property
    def active(self) -> bool:
        return not self.paused and self.stopped_at is None


class SeriesOccurrence(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        SKIPPED = "skipped", "Skipped"
        NOT_CREATED = "not_created", "Could not be created"
        WITHDRAWN = "withdrawn", "Withdrawn"
        KEPT = "kept", "Edited by hand, kept"

    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="occurrences")
    # the key: the occurrence's wall-clock date and time in the series' zone
    local_date = models.DateField()
    local_time = models.TimeField()
    due_at = models.DateTimeField(help_text="UTC")
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)
    note = models.CharField(max_length=500, blank=True)
    # what the post looked like when the series wrote it: a different post was edited by hand
    fingerprint = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_path = "series__workspace"
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["local_date", "local_time"]
        constraints = [
            models.UniqueConstraint(fields=["series", "local_date", "local_time"], name="series_occurrence_once")
        ]

    def __str__(self):
        return f"{self.series_id} @ {self.local_date} {self.local_time:%H:%M}"


class Category(models.Model):
    """An evergreen library of a brand: its posts recycle into free posting slots."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="evergreen_categories")
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="evergreen_categories")
    name = models.CharField(max_length=80)
    min_gap_hours = models.PositiveIntegerField(
        default=48, help_text="At least this long between two posts of the category on one network"
    )
    duplicate_days = models.PositiveIntegerField(
        default=30, help_text="The same text never twice on one network within this many days"
    )
    # {"x": {"gap_hours": 72, "duplicate_days": 60}}: a network's own values, where it needs others
    network_rules = models.JSONField(default=dict, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["brand__name", "name"]
        constraints = [models.UniqueConstraint(fields=["brand", "name"], name="evergreen_category_name_once")]

    def __str__(self):
        return self.name

    def gap_hours(self, network: str) -> int:
        return int((self.network_rules.get(network) or {}).get("gap_hours", self.min_gap_hours))

    def duplicate_days_on(self, network: str) -> int:
        return int((self.network_rules.get(network) or {}).get("duplicate_days", self.duplicate_days))


class EvergreenEntry(models.Model):
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="entries")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)
    last_recycled_at = models.DateTimeField(null=True, blank=True, help_text="The slot of its latest copy (UTC)")
    times_recycled = models.PositiveIntegerField(default=0)

    tenant_path = "category__workspace"
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["last_recycled_at", "added_at"]
        constraints = [models.UniqueConstraint(fields=["category", "post"], name="evergreen_entry_once")]


class EvergreenCopy(models.Model):
    """One recycle: the copy of an entry's post scheduled into a slot."""

    entry = models.ForeignKey(EvergreenEntry, on_delete=models.CASCADE, related_name="copies")
    post = models.ForeignKey(Post, null=True, on_delete=models.SET_NULL, related_name="+")
    networks = models.JSONField(default=list)
    scheduled_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_path = "entry__category__workspace"
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-scheduled_at"]
        constraints = [models.UniqueConstraint(fields=["entry", "scheduled_at"], name="evergreen_copy_once")]
