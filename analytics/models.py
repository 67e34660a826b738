"""Metric time series: post snapshots, a per-target "latest" row maintained on ingest,
daily account snapshots, the per-target pull plan, per-account back-off, and weekly
report subscriptions.

The dashboards never read ``PostMetricSnapshot`` directly: period figures come from
``PostMetricLatest`` (one row per target, upserted with every ingest, denormalised with
the brand, network and publishing time the dashboards filter on), so a weekly or 90-day
dashboard is a single indexed GROUP BY on PostgreSQL and on SQLite alike.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from analytics.definitions import ENGAGEMENT_PARTS, engagements_of  # noqa: F401 (their home before)
from smm.models import Brand, SocialAccount, TenantQuerySet, Workspace

METRIC_FIELDS = ("impressions", "reach", "likes", "comments", "shares", "saves", "clicks", "video_views")
# DESIGN.md "KPIs": engagements = likes + comments + shares + saves + link clicks (analytics.definitions).


class MetricColumns(models.Model):
    impressions = models.BigIntegerField(null=True, blank=True)
    reach = models.BigIntegerField(null=True, blank=True)
    likes = models.BigIntegerField(null=True, blank=True)
    comments = models.BigIntegerField(null=True, blank=True)
    shares = models.BigIntegerField(null=True, blank=True)
    saves = models.BigIntegerField(null=True, blank=True)
    clicks = models.BigIntegerField(null=True, blank=True)
    video_views = models.BigIntegerField(null=True, blank=True)

    class Meta:
        abstract = True


class PostMetricSnapshot(MetricColumns):
    """What the network reported for one target at one moment (None: not reported)."""

    target = models.ForeignKey("posts.PostTarget", on_delete=models.CASCADE, related_name="metric_snapshots")
    captured_at = models.DateTimeField()

    tenant_path = "target__post__workspace"
    objects = TenantQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["target", "captured_at"], name="snapshot_target_time_idx")]

    def __str__(self):
        return f"metrics of target {self.target_id} at {self.captured_at:%Y-%m-%d %H:%M}"


class PostMetricLatest(MetricColumns):
    """The newest snapshot of each target, with what the dashboards group and filter by."""

    target = models.OneToOneField(
        "posts.PostTarget", on_delete=models.CASCADE, primary_key=True, related_name="metrics_latest"
    )
    post = models.ForeignKey("posts.Post", on_delete=models.CASCADE, related_name="+")
    # No single-column indexes on workspace and brand: the (brand, published_at) and
    # (workspace, published_at) indexes serve those lookups, and with a brand-only index
    # PostgreSQL may walk every row of a brand to find one period's.
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+", db_index=False)
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="+", db_index=False)
    account = models.ForeignKey(SocialAccount, on_delete=models.CASCADE, related_name="+")
    network = models.CharField(max_length=20)
    published_at = models.DateTimeField()
    captured_at = models.DateTimeField()
    # Stored so the SQL sums one column; computed by ``engagements_of`` on ingest.
    engagements = models.BigIntegerField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["brand", "published_at"], name="latest_brand_published_idx"),
            models.Index(fields=["workspace", "published_at"], name="latest_ws_published_idx"),
        ]

    def __str__(self):
        return f"latest metrics of target {self.target_id}"


class AccountDailySnapshot(models.Model):
    """An account's figures on one day (the workspace's local date)."""

    account = models.ForeignKey(SocialAccount, on_delete=models.CASCADE, related_name="daily_snapshots")
    date = models.DateField()
    captured_at = models.DateTimeField()
    followers = models.BigIntegerField(null=True, blank=True)
    following = models.BigIntegerField(null=True, blank=True)
    posts_count = models.BigIntegerField(null=True, blank=True)
    impressions = models.BigIntegerField(null=True, blank=True)
    reach = models.BigIntegerField(null=True, blank=True)

    tenant_path = "account__brand__workspace"
    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "date"], name="one_account_snapshot_per_day")]

    def __str__(self):
        return f"{self.account_id} on {self.date}"


class MetricPullPlan(models.Model):
    """When a published target's metrics are pulled next (rising intervals, then stop)."""

    target = models.OneToOneField(
        "posts.PostTarget", on_delete=models.CASCADE, primary_key=True, related_name="metric_pull_plan"
    )
    account = models.ForeignKey(SocialAccount, on_delete=models.CASCADE, related_name="+")
    published_at = models.DateTimeField()
    next_pull_at = models.DateTimeField(null=True, blank=True, help_text="Null once the last pull is done")
    pulls = models.PositiveIntegerField(default=0)
    last_pulled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["account", "next_pull_at"], name="pull_plan_due_idx")]

    def __str__(self):
        return f"plan of target {self.target_id}: next {self.next_pull_at}"


class AccountPullState(models.Model):
    """Per-account back-off: a rate limit on one account never delays the others."""

    account = models.OneToOneField(SocialAccount, on_delete=models.CASCADE, primary_key=True, related_name="+")
    backoff_until = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"pull state of account {self.account_id}"


class ReportSubscription(models.Model):
    """A weekly KPI email (Monday morning, workspace time) for a workspace or one brand."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="report_subscriptions")
    brand = models.ForeignKey(Brand, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # ISO week ("2026-W07") of the last report sent: the claim that makes sending once.
    last_sent_week = models.CharField(max_length=10, blank=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "brand", "user"], name="one_report_subscription"),
            models.UniqueConstraint(
                fields=["workspace", "user"], condition=models.Q(brand=None), name="one_workspace_report"
            ),
        ]

    def __str__(self):
        return f"weekly report of {self.brand or self.workspace} to {self.user}"
