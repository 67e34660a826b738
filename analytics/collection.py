"""Metric collection: which targets are due, one batched adapter call per account,
per-account back-off, a per-account lock, and the bulk ingest of snapshots.

A published target is measured 1 h, 6 h, 24 h, 3 d, 7 d and 30 d after publishing,
then never again. Accounts are measured once a day (their local date in the
workspace's time zone). Tasks in ``analytics.tasks`` call these functions with ids.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import uuid
from collections.abc import Iterable

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from analytics import definitions
from analytics.models import (
    METRIC_FIELDS,
    AccountDailySnapshot,
    AccountPullState,
    MetricPullPlan,
    PostMetricLatest,
    PostMetricSnapshot,
    engagements_of,
)
from posts.models import PostTarget, TargetState
from smm.models import SocialAccount
from smm.network_urls import http_url
from smm.platforms.base import AccountMetrics, AuthExpired, NotSupported, PlatformError, PostMetrics, RateLimited

log = logging.getLogger(__name__)

PULL_OFFSETS = [
    dt.timedelta(hours=1),
    dt.timedelta(hours=6),
    dt.timedelta(hours=24),
    dt.timedelta(days=3),
    dt.timedelta(days=7),
    dt.timedelta(days=30),
]
BATCH_SIZE = 100  # remote ids per adapter call
LOCK_SECONDS = 600
BACKOFF_BASE = dt.timedelta(minutes=5)
BACKOFF_MAX = dt.timedelta(hours=6)
INGEST_BATCH = 5000
# The demo's generated history (manage.py generate_history) marks its targets with this key
# in publish_state: the network never had those posts, so asking it for their figures only
# earns a 404 each.
DEMO_HISTORY = "demo_history"


def next_pull_after(published_at: dt.datetime, moment: dt.datetime) -> dt.datetime | None:
    """The first checkpoint strictly after ``moment``; None once the 30-day one is past."""
    for offset in PULL_OFFSETS:
        due = published_at + offset
        if due > moment:
            return due
    return None


# --- planning -----------------------------------------------------------------------------


def plan_new_targets(now: dt.datetime | None = None) -> int:
    """Give every published target without a plan its first checkpoint. Safe to run twice."""
    now = now or timezone.now()
    has_plan = MetricPullPlan.objects.filter(target=OuterRef("pk"))
    fresh = (
        PostTarget.objects.filter(state=TargetState.PUBLISHED, published_at__isnull=False)
        .exclude(remote_id="")
        .exclude(publish_state__has_key=DEMO_HISTORY)
        .filter(published_at__gt=now - PULL_OFFSETS[-1])
        .exclude(Exists(has_plan))
        .values_list("pk", "account_id", "published_at")
    )
    plans = [
        MetricPullPlan(target_id=pk, account_id=account_id, published_at=published_at,
                       next_pull_at=published_at + PULL_OFFSETS[0])
        for pk, account_id, published_at in fresh.iterator(chunk_size=2000)
    ]  # fmt: skip
    MetricPullPlan.objects.bulk_create(plans, ignore_conflicts=True, batch_size=2000)
    return len(plans)


def accounts_due(now: dt.datetime | None = None) -> list[int]:
    """Connected accounts with at least one target due and not backing off."""
    now = now or timezone.now()
    due = MetricPullPlan.objects.filter(account=OuterRef("pk"), next_pull_at__lte=now)
    backing_off = AccountPullState.objects.filter(account=OuterRef("pk"), backoff_until__gt=now)
    return list(
        SocialAccount.objects.filter(status=SocialAccount.Status.CONNECTED)
        .filter(Exists(due))
        .exclude(Exists(backing_off))
        .values_list("pk", flat=True)
    )


def accounts_needing_daily_snapshot(now: dt.datetime | None = None) -> list[int]:
    """Connected accounts without a snapshot for today's local date (workspace time zone)."""
    now = now or timezone.now()
    backing_off = set(AccountPullState.objects.filter(backoff_until__gt=now).values_list("account_id", flat=True))
    result = []
    rows = SocialAccount.objects.filter(status=SocialAccount.Status.CONNECTED).values_list(
        "pk", "brand__workspace__time_zone"
    )
    taken = {}
    for pk, tz_name in rows:
        if pk in backing_off:
            continue
        today = now.astimezone(_zone(tz_name)).date()
        taken.setdefault(today, []).append(pk)
    for day, ids in taken.items():
        done = set(
            AccountDailySnapshot.objects.filter(date=day, account_id__in=ids).values_list("account_id", flat=True)
        )
        result.extend(pk for pk in ids if pk not in done)
    return result


def _zone(name: str):
    from zoneinfo import ZoneInfo

    return ZoneInfo(name or "UTC")


# --- the per-account lock and back-off ----------------------------------------------------


class account_lock:  # noqa: N801 (a context manager used like a function)
    """``cache.add`` lock: never two pulls of the same account at once (across workers)."""

    def __init__(self, account_id: int):
        self.key = f"analytics:pull-lock:{account_id}"
        self.token = uuid.uuid4().hex
        self.acquired = False

    def __enter__(self):
        self.acquired = cache.add(self.key, self.token, timeout=LOCK_SECONDS)
        return self.acquired

    def __exit__(self, *exc):
        if self.acquired and cache.get(self.key) == self.token:
            cache.delete(self.key)
        return False


def _backoff(account_id: int, exc: PlatformError, now: dt.datetime) -> dt.datetime:
    state, _ = AccountPullState.objects.get_or_create(account_id=account_id)
    state.failures += 1
    if isinstance(exc, RateLimited) and exc.retry_after:
        wait = dt.timedelta(seconds=float(exc.retry_after))
    else:
        wait = min(BACKOFF_BASE * (2 ** (state.failures - 1)), BACKOFF_MAX)
        wait += dt.timedelta(seconds=random.uniform(0, wait.total_seconds() * 0.1))
    state.backoff_until = now + wait
    state.last_error = str(exc)[:500]
    state.save()
    return state.backoff_until


def _succeeded(account_id: int, now: dt.datetime) -> None:
    AccountPullState.objects.update_or_create(
        account_id=account_id,
        defaults={"failures": 0, "backoff_until": None, "last_error": "", "last_success_at": now},
    )


def in_backoff(account_id: int, now: dt.datetime) -> bool:
    return AccountPullState.objects.filter(account_id=account_id, backoff_until__gt=now).exists()


# --- pulls --------------------------------------------------------------------------------


def pull_post_metrics(account_id: int, now: dt.datetime | None = None) -> dict:
    """Pull the due targets of one account, in batches of ``BATCH_SIZE`` per adapter call.

    Returns what happened (for logs and tests): {"status": ..., "measured": n, ...}.
    """
    now = now or timezone.now()
    with account_lock(account_id) as acquired:
        if not acquired:
            return {"status": "locked"}
        if in_backoff(account_id, now):
            return {"status": "backing_off"}
        account = SocialAccount.objects.filter(pk=account_id, status=SocialAccount.Status.CONNECTED).first()
        if account is None:
            return {"status": "not_connected"}
        plans = list(
            MetricPullPlan.objects.filter(account_id=account_id, next_pull_at__lte=now)
            .select_related("target")
            .order_by("next_pull_at")[:1000]
        )
        # Plans made for generated history before it was skipped when planning: stop them.
        demo = [plan for plan in plans if DEMO_HISTORY in (plan.target.publish_state or {})]
        if demo:
            _finish_plans(demo, now, measured=False)
            plans = [plan for plan in plans if plan not in demo]
        if not plans:
            return {"status": "nothing_due"}
        adapter = account.adapter()
        if not adapter.supports_post_metrics:
            _finish_plans(plans, now, measured=False)
            return {"status": "not_supported"}
        context = account.context()
        measured = 0
        for start in range(0, len(plans), BATCH_SIZE):
            batch = plans[start : start + BATCH_SIZE]
            remote_ids = [plan.target.remote_id for plan in batch]
            try:
                metrics = adapter.fetch_post_metrics(context, remote_ids)
            except NotSupported:
                _finish_plans(plans[start:], now, measured=False)
                return {"status": "not_supported", "measured": measured}
            except AuthExpired as exc:
                account.mark_needs_reconnect(exc.user_message)
                return {"status": "auth_expired", "measured": measured}
            except PlatformError as exc:
                until = _backoff(account_id, exc, now)
                log.info("metrics pull of account %s backs off until %s: %s", account_id, until, exc)
                return {"status": "backing_off", "until": until, "measured": measured}
            by_target = {plan.target_id: metrics.get(plan.target.remote_id) for plan in batch}
            ingest_post_metrics([(tid, now, m) for tid, m in by_target.items() if m is not None])
            _finish_plans(batch, now, measured=True)
            measured += sum(1 for m in by_target.values() if m is not None)
        _succeeded(account_id, now)
        return {"status": "ok", "measured": measured}


def _finish_plans(plans: Iterable[MetricPullPlan], now: dt.datetime, *, measured: bool) -> None:
    """Move each plan to its next checkpoint (or stop). A deleted post (missing from the
    answer) moves on too: asking again will not bring it back."""
    plans = list(plans)
    for plan in plans:
        plan.next_pull_at = next_pull_after(plan.published_at, now) if measured else None
        plan.pulls += 1
        plan.last_pulled_at = now
    MetricPullPlan.objects.bulk_update(plans, ["next_pull_at", "pulls", "last_pulled_at"], batch_size=1000)


def pull_account_metrics(account_id: int, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    with account_lock(account_id) as acquired:
        if not acquired:
            return {"status": "locked"}
        if in_backoff(account_id, now):
            return {"status": "backing_off"}
        account = (
            SocialAccount.objects.filter(pk=account_id, status=SocialAccount.Status.CONNECTED)
            .select_related("brand__workspace")
            .first()
        )
        if account is None:
            return {"status": "not_connected"}
        adapter = account.adapter()
        try:
            figures = adapter.fetch_account_metrics(account.context())
        except NotSupported:
            return {"status": "not_supported"}
        except AuthExpired as exc:
            account.mark_needs_reconnect(exc.user_message)
            return {"status": "auth_expired"}
        except PlatformError as exc:
            until = _backoff(account_id, exc, now)
            return {"status": "backing_off", "until": until}
        day = now.astimezone(account.brand.workspace.tz).date()
        upsert_account_snapshots(
            [
                AccountDailySnapshot(
                    account_id=account_id,
                    date=day,
                    captured_at=now,
                    followers=figures.followers,
                    following=figures.following,
                    posts_count=figures.posts_count,
                    impressions=figures.impressions,
                    reach=figures.reach,
                )
            ]
        )
        _succeeded(account_id, now)
        _refresh_profile(account, figures)
        _refresh_limits(adapter, account)
        return {"status": "ok", "date": day}


def _refresh_profile(account: SocialAccount, figures: AccountMetrics) -> None:
    """The name and picture the network shows now, where its answer said them."""
    changes = {}
    if figures.display_name and figures.display_name[:191] != account.display_name:
        changes["display_name"] = figures.display_name[:191]
    if figures.avatar_url is not None:
        avatar = http_url(figures.avatar_url, max_length=500)
        if avatar != account.avatar_url:
            changes["avatar_url"] = avatar
    if changes:
        SocialAccount.objects.filter(pk=account.pk).update(**changes)


def _refresh_limits(adapter, account: SocialAccount) -> None:
    """Once a day with the account's figures: the content limits its server announces
    (an instance admin may raise or lower them). Best effort: the old ones stay on error."""
    try:
        limits = adapter.account_limits(account.context())
    except PlatformError as exc:
        log.info("Could not read the limits of account %s: %s", account.pk, exc.message)
        return
    if limits and limits != account.limits:
        SocialAccount.objects.filter(pk=account.pk).update(limits=limits)
        account.limits = limits


# --- ingest -------------------------------------------------------------------------------

ACCOUNT_FIELDS = ["captured_at", "followers", "following", "posts_count", "impressions", "reach"]


def upsert_account_snapshots(rows: list[AccountDailySnapshot]) -> None:
    AccountDailySnapshot.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["account", "date"],
        update_fields=ACCOUNT_FIELDS,
        batch_size=INGEST_BATCH,
    )


def ingest_post_metrics(rows: list[tuple[int, dt.datetime, PostMetrics]]) -> int:
    """Store snapshots (target id, captured at, metrics) and upsert each target's latest row.

    None stays None. Rows may come in any order; the latest row of a target is the one
    with the newest ``captured_at`` among this call's rows (the last one given on a tie),
    and it never replaces a stored latest row captured later.
    """
    if not rows:
        return 0
    # Each row as the flat tuple COPY writes: (target id, captured at, *METRIC_FIELDS).
    snapshot_rows = []
    newest: dict[int, tuple] = {}
    for target_id, captured_at, metrics in rows:
        row = (
            target_id,
            _aware(captured_at),
            *[_int_or_none(getattr(metrics, name)) for name in METRIC_FIELDS],
        )
        snapshot_rows.append(row)
        seen = newest.get(target_id)
        if seen is None or row[1] >= seen[1]:
            newest[target_id] = row
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _ingest_postgresql(snapshot_rows, newest.values())
        else:
            PostMetricSnapshot.objects.bulk_create(
                [
                    PostMetricSnapshot(target_id=t, captured_at=c, **_metrics(figures))
                    for t, c, *figures in snapshot_rows
                ],
                batch_size=INGEST_BATCH,
            )
            _upsert_latest({t: (c, _metrics(figures)) for t, c, *figures in newest.values()})
    return len(snapshot_rows)


def _int_or_none(value):
    return value if value is None or type(value) is int else int(value)


def _metrics(figures) -> dict:
    return dict(zip(METRIC_FIELDS, figures, strict=True))


def _aware(moment: dt.datetime) -> dt.datetime:
    """As the ORM stores a naive datetime: in the default time zone."""
    return timezone.make_aware(moment, timezone.get_default_timezone()) if timezone.is_naive(moment) else moment


# PostgreSQL: snapshots through COPY, then every target's newest row through one
# INSERT ... SELECT ... ON CONFLICT DO UPDATE from a staging table (the facts the
# dashboards filter on joined in by the database, older captures never winning).
STAGE_TABLE = "analytics_ingest_stage"
LATEST_UPSERT_SQL = """
INSERT INTO {latest} (target_id, post_id, workspace_id, brand_id, account_id, network, published_at,
                      captured_at, engagements, {metrics})
SELECT s.target_id, t.post_id, p.workspace_id, a.brand_id, t.account_id, a.network, t.published_at,
       s.captured_at,
       {engagements},
       {stage_metrics}
FROM {stage} s
JOIN {target} t ON t.id = s.target_id
JOIN {post} p ON p.id = t.post_id
JOIN {account} a ON a.id = t.account_id
WHERE t.published_at IS NOT NULL
ON CONFLICT (target_id) DO UPDATE SET
  {updates}, captured_at = EXCLUDED.captured_at, engagements = EXCLUDED.engagements,
  published_at = EXCLUDED.published_at
WHERE {latest}.captured_at <= EXCLUDED.captured_at
"""


def _latest_upsert_sql() -> str:
    from posts.models import Post

    return LATEST_UPSERT_SQL.format(
        latest=PostMetricLatest._meta.db_table,
        stage=STAGE_TABLE,
        target=PostTarget._meta.db_table,
        post=Post._meta.db_table,
        account=SocialAccount._meta.db_table,
        metrics=", ".join(METRIC_FIELDS),
        stage_metrics=", ".join(f"s.{name}" for name in METRIC_FIELDS),
        engagements=definitions.engagements_sql("s"),
        updates=", ".join(f"{name} = EXCLUDED.{name}" for name in METRIC_FIELDS),
    )


def _ingest_postgresql(snapshot_rows: list[tuple], newest_rows) -> None:
    columns = ", ".join(METRIC_FIELDS)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        snapshots = PostMetricSnapshot._meta.db_table
        with raw.copy(f"COPY {snapshots} (target_id, captured_at, {columns}) FROM STDIN") as copy:
            for row in snapshot_rows:
                copy.write_row(row)
        metric_types = ", ".join(f"{name} bigint" for name in METRIC_FIELDS)
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {STAGE_TABLE} "
            f"(target_id bigint, captured_at timestamptz, {metric_types}) ON COMMIT DROP"
        )
        cursor.execute(f"TRUNCATE {STAGE_TABLE}")  # a caller's outer transaction may have used it
        with raw.copy(f"COPY {STAGE_TABLE} (target_id, captured_at, {columns}) FROM STDIN") as copy:
            for row in newest_rows:
                copy.write_row(row)
        cursor.execute(_latest_upsert_sql())


def _upsert_latest(newest: dict[int, tuple[dt.datetime, dict]]) -> None:
    ids = list(newest)
    facts = {}
    for start in range(0, len(ids), INGEST_BATCH):
        chunk = ids[start : start + INGEST_BATCH]
        for pk, post_id, ws_id, brand_id, account_id, network, published_at in PostTarget.objects.filter(
            pk__in=chunk
        ).values_list(
            "pk", "post_id", "post__workspace_id", "account__brand_id", "account_id", "account__network", "published_at"
        ):
            facts[pk] = (post_id, ws_id, brand_id, account_id, network, published_at)
    # Never let an older capture (a late, replayed task) overwrite a newer one.
    current = dict(
        PostMetricLatest.objects.filter(pk__in=list(facts)).values_list("pk", "captured_at").iterator(chunk_size=5000)
    )
    latest_rows = []
    for target_id, (captured_at, values) in newest.items():
        if target_id not in facts or facts[target_id][5] is None:
            continue
        if target_id in current and current[target_id] > captured_at:
            continue
        post_id, ws_id, brand_id, account_id, network, published_at = facts[target_id]
        latest_rows.append(
            PostMetricLatest(
                target_id=target_id,
                post_id=post_id,
                workspace_id=ws_id,
                brand_id=brand_id,
                account_id=account_id,
                network=network,
                published_at=published_at,
                captured_at=captured_at,
                engagements=engagements_of(values),
                **values,
            )
        )
    PostMetricLatest.objects.bulk_create(
        latest_rows,
        update_conflicts=True,
        unique_fields=["target"],
        update_fields=[*METRIC_FIELDS, "captured_at", "engagements", "published_at"],
        batch_size=INGEST_BATCH,
    )
