"""Generate a seeded metric history for the demo workspaces (or the ones named).

    manage.py generate_history --seed 42 [--scale N] [--days 120] [--workspace SLUG ...] [--replace]

Creates months of published posts with their targets, metric snapshots at the
collection checkpoints (1 h ... 30 d), each target's latest figures, and daily follower
counts. Mastodon accounts report what Mastodon reports (no impressions); unless
``--no-extra-networks`` is given, each brand also gets an Instagram and a LinkedIn
account, paused with the reason "Demo account: shows history only" so the dashboards show impressions, rates
and the best-time heatmap. Runs once per brand; ``--replace`` regenerates.
"""

from __future__ import annotations

import datetime as dt
import time
import zlib

import numpy as np
import pandas as pd
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from analytics import history
from analytics.collection import ACCOUNT_FIELDS, DEMO_HISTORY
from analytics.models import AccountDailySnapshot, PostMetricLatest, PostMetricSnapshot
from posts.models import Campaign, Post, PostTarget, TargetState
from smm.models import Brand, SocialAccount, Workspace
from smm.platforms import registry

MARK = DEMO_HISTORY  # metric pulls skip these targets: the network never had them
CAMPAIGNS = [("Spring launch", "#16a34a"), ("Summer stories", "#f59e0b"), ("Holiday gifts", "#dc2626")]
EXTRA_NETWORKS = [("instagram", 5200), ("linkedin", 2400), ("tiktok", 8800), ("youtube", 3100), ("pinterest", 1500)]
# Shown wherever such an account's state is (account rows, the composer's account picker).
HISTORY_ONLY_REASON = "Demo account: shows history only; the sandbox cannot publish to {network}."


def history_only_reason(network: str) -> str:
    return HISTORY_ONLY_REASON.format(network=registry.label(network))


def _none(value):
    return None if pd.isna(value) else int(value)


def brand_seed(seed: int, workspace, brand) -> int:
    """The brand's random stream, from its names rather than its row id: the same history
    whatever rows were made before (ids differ between runs, databases and tests)."""
    return seed * 1000 + zlib.crc32(f"{workspace.slug}/{brand.name}".encode()) % 1000


class Command(BaseCommand):
    help = "Generate a seeded, realistic metric history for the demo brands."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--scale", type=float, default=1.0, help="Multiplies the number of posts")
        parser.add_argument("--days", type=int, default=120, help="How far back the history goes")
        parser.add_argument("--workspace", action="append", help="Workspace slug (default: all)")
        parser.add_argument("--replace", action="store_true", help="Delete this command's earlier history first")
        parser.add_argument("--no-extra-networks", action="store_true")

    def handle(self, *args, **options):
        started = time.monotonic()
        workspaces = Workspace.objects.all()
        if options["workspace"]:
            workspaces = workspaces.filter(slug__in=options["workspace"])
        now = timezone.now()
        totals = {"posts": 0, "targets": 0, "snapshots": 0, "daily": 0}
        for workspace in workspaces.order_by("pk"):
            for brand in Brand.objects.for_workspace(workspace).order_by("pk"):
                done = PostTarget.objects.filter(post__brand=brand, publish_state__has_key=MARK).exists()
                if done and not options["replace"]:
                    continue
                with transaction.atomic():
                    if done:
                        self._delete(brand)
                    counts = self._brand(
                        workspace, brand, options, now, seed=brand_seed(options["seed"], workspace, brand)
                    )
                for key in totals:
                    totals[key] += counts[key]
        if totals["posts"] and connection.vendor == "postgresql":
            # Statistics for the planner now: until autovacuum gets to the freshly filled
            # tables PostgreSQL plans the dashboards' KPI statement as if they were empty
            # (the demo's agency overview took 11 s instead of 0.16 s).
            models = (Post, PostTarget, PostMetricSnapshot, PostMetricLatest, AccountDailySnapshot)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models))
        self.stdout.write(
            self.style.SUCCESS(
                "History: {posts} posts, {targets} targets, {snapshots} snapshots, {daily} daily account rows "
                "in {secs:.1f} s".format(**totals, secs=time.monotonic() - started)
            )
        )

    def _delete(self, brand):
        Post.objects.filter(brand=brand, targets__publish_state__has_key=MARK).delete()
        AccountDailySnapshot.objects.filter(account__brand=brand).delete()

    def _brand(self, workspace, brand, options, now, seed):
        accounts = list(SocialAccount.objects.filter(brand=brand).order_by("pk"))
        if not options["no_extra_networks"]:
            for network, _followers in EXTRA_NETWORKS:
                if not any(a.network == network for a in accounts):
                    handle = f"@{brand.name.lower().replace(' ', '')}"
                    accounts.append(
                        SocialAccount.objects.create(
                            brand=brand,
                            network=network,
                            handle=handle,
                            remote_id=f"demo-{network}-{brand.pk}",
                            display_name=brand.name,
                            credentials={},
                            status=SocialAccount.Status.PAUSED,
                            status_reason=history_only_reason(network),
                        )
                    )
        campaigns = []
        for name, colour in CAMPAIGNS:
            campaign, _ = Campaign.objects.get_or_create(workspace=workspace, name=name, defaults={"colour": colour})
            campaigns.append(campaign.pk)
        rng = np.random.default_rng(seed)
        specs = []
        for account in accounts:
            base = dict(EXTRA_NETWORKS).get(account.network, 1800)
            specs.append(
                history.AccountSpec(
                    id=account.pk,
                    brand_id=brand.pk,
                    workspace_id=workspace.pk,
                    network=account.network,
                    tz=workspace.time_zone,
                    followers=int(base * rng.uniform(0.6, 1.6)),
                )
            )
        today = now.astimezone(workspace.tz).date()
        data = history.generate(
            specs,
            start=today - dt.timedelta(days=options["days"]),
            end=today,
            now=now,
            posts_per_brand_day=1.1 * options["scale"],
            seed=seed,
            campaigns={workspace.pk: campaigns},
        )
        posts, targets, snapshots, daily = data["posts"], data["targets"], data["snapshots"], data["daily"]
        counts = {"posts": len(posts), "targets": len(targets), "snapshots": len(snapshots), "daily": len(daily)}
        if not len(posts):
            return counts
        post_objs = [
            Post(
                workspace=workspace,
                brand=brand,
                text=history.post_text(brand.name, row.text_index, row.topic_index),
                scheduled_at=row.published_at.to_pydatetime(),
                status="published",
                campaign_id=None if row.campaign_id < 0 else int(row.campaign_id),
            )
            for row in posts.itertuples()
        ]
        Post.objects.bulk_create(post_objs, batch_size=1000)
        post_ids = pd.Series([p.pk for p in post_objs], index=posts.index)
        target_objs = [
            PostTarget(
                post_id=int(post_ids[row.post_key]),
                account_id=int(row.account_id),
                state=TargetState.PUBLISHED,
                due_at=row.published_at.to_pydatetime(),
                published_at=row.published_at.to_pydatetime(),
                remote_id=f"demo-{seed}-{i}",
                publish_state={MARK: True},
            )
            for i, row in enumerate(targets.itertuples())
        ]
        PostTarget.objects.bulk_create(target_objs, batch_size=1000)
        target_ids = np.array([t.pk for t in target_objs])
        metric_cols = history.METRICS
        snap_objs = [
            PostMetricSnapshot(
                target_id=int(target_ids[row[0]]),
                captured_at=row[1].to_pydatetime(),
                **{name: _none(value) for name, value in zip(metric_cols, row[2:], strict=True)},
            )
            for row in snapshots[["target_key", "captured_at", *metric_cols]].itertuples(index=False)
        ]
        PostMetricSnapshot.objects.bulk_create(snap_objs, batch_size=2000)
        latest = history.latest_of(snapshots).copy()
        latest["engagements"] = history.engagements_column(latest)
        latest_objs = []
        for row in latest.itertuples(index=False):
            key = row.target_key
            latest_objs.append(
                PostMetricLatest(
                    target_id=int(target_ids[key]),
                    post_id=int(post_ids[targets.at[key, "post_key"]]),
                    workspace_id=workspace.pk,
                    brand_id=brand.pk,
                    account_id=int(targets.at[key, "account_id"]),
                    network=targets.at[key, "network"],
                    published_at=targets.at[key, "published_at"].to_pydatetime(),
                    captured_at=row.captured_at.to_pydatetime(),
                    engagements=_none(row.engagements),
                    **{name: _none(getattr(row, name)) for name in metric_cols},
                )
            )
        PostMetricLatest.objects.bulk_create(latest_objs, batch_size=2000)
        daily_objs = [
            AccountDailySnapshot(
                account_id=int(row.account_id),
                date=row.date,
                captured_at=dt.datetime.combine(row.date, dt.time(6), dt.UTC),
                followers=_none(row.followers),
                following=_none(row.following),
                posts_count=_none(row.posts_count),
            )
            for row in daily.itertuples(index=False)
        ]
        AccountDailySnapshot.objects.bulk_create(
            daily_objs, update_conflicts=True, unique_fields=["account", "date"], update_fields=ACCOUNT_FIELDS,
            batch_size=2000,
        )  # fmt: skip
        return counts
