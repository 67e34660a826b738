"""The KPIs of DESIGN.md "KPIs", computed once for every page, export and email.

The database aggregates (one GROUP BY over the per-target latest metrics for both the
period and the previous one; one for published targets; one row per account for
followers); pandas turns those few rows into the per-network and total table with
deltas (``frames.kpi_table``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, ExtractHour, ExtractIsoWeekDay, TruncDate

from analytics import frames
from analytics.models import AccountDailySnapshot, PostMetricLatest
from analytics.periods import Period
from posts.models import PostTarget, TargetState
from smm.models import SocialAccount

# key, label, kind ("count" | "rate" | "duration"), "how is this computed"
KPI_DEFINITIONS = [
    (
        "impressions",
        "Impressions",
        "count",
        "Sum of impressions of the posts published in the period, each post's latest figure "
        "(post-based attribution). Networks that do not report impressions add nothing.",
    ),
    (
        "reach",
        "Reach",
        "count",
        "Sum of the reach the networks reported for the posts published in the period (latest figure per post).",
    ),
    (
        "engagements",
        "Engagements",
        "count",
        "Likes + comments + shares (reposts) + saves + link clicks, as each network reports them, "
        "summed over the posts published in the period.",
    ),
    (
        "engagement_rate",
        "Engagement rate",
        "rate",
        "Engagements ÷ impressions over the posts that report impressions. Posts without impressions "
        "(not reported, zero, or not measured yet) are left out of the rate.",
    ),
    (
        "follower_growth",
        "Follower growth",
        "count",
        "Followers at the end of the period minus followers just before it starts, from the daily "
        "account snapshots, summed over the accounts.",
    ),
    (
        "clicks",
        "Link clicks",
        "count",
        "Link clicks reported for the posts published in the period.",
    ),
    (
        "ctr",
        "Click-through rate",
        "rate",
        "Link clicks ÷ impressions, over the posts that report both.",
    ),
    (
        "posts_published",
        "Posts published",
        "count",
        "Posts published in the period (per network: one per account the post went to).",
    ),
    (
        "response_rate",
        "Response rate",
        "rate",
        "Share of inbox conversations of the period that got an answer from the team (from the inbox).",
    ),
    (
        "median_first_response",
        "Median first response",
        "duration",
        "Median time from a comment, mention or message arriving to the team's first answer (from the inbox).",
    ),
]
KPI_BY_KEY = {key: (label, kind, note) for key, label, kind, note in KPI_DEFINITIONS}
# Lower is better for these (colours of the deltas).
LOWER_IS_BETTER = {"median_first_response"}


@dataclass
class Scope:
    """What a dashboard looks at: a workspace, some of its brands, optionally some networks."""

    workspace: object
    brand_ids: list[int]
    networks: list[str] | None = None
    # what the table's rows are: "network" (dashboards) or "brand" (agency overview)
    by: str = "network"

    def dim(self, model: str):
        """The grouping column of each queried model, as an expression named "dim"."""
        fields = {
            "network": {"latest": "network", "target": "account__network", "account": "network"},
            "brand": {"latest": "brand_id", "target": "account__brand_id", "account": "brand_id"},
        }
        return F(fields[self.by][model])

    def latest(self):
        qs = PostMetricLatest.objects.for_workspace(self.workspace).filter(brand_id__in=self.brand_ids)
        return qs.filter(network__in=self.networks) if self.networks else qs

    def published_targets(self):
        qs = PostTarget.objects.for_workspace(self.workspace).filter(
            state=TargetState.PUBLISHED, account__brand_id__in=self.brand_ids
        )
        return qs.filter(account__network__in=self.networks) if self.networks else qs

    def accounts(self):
        qs = SocialAccount.objects.for_workspace(self.workspace).filter(brand_id__in=self.brand_ids)
        return qs.filter(network__in=self.networks) if self.networks else qs


def _current_flag(period: Period):
    return Case(
        When(published_at__gte=period.start_at, then=Value(True)), default=Value(False), output_field=BooleanField()
    )


def post_sums(scope: Scope, period: Period) -> list[dict]:
    """Per (current?, network): the sums every post KPI is made of. One query."""
    return list(_post_sums(scope, period))


def _post_sums(scope: Scope, period: Period):
    previous = period.previous()
    return (
        scope.latest()
        .filter(published_at__gte=previous.start_at, published_at__lt=period.end_at)
        .annotate(current=_current_flag(period))
        .values("current", dim=scope.dim("latest"))
        .annotate(
            measured=Count("pk"),
            sum_impressions=Sum("impressions"),
            sum_reach=Sum("reach"),
            sum_engagements=Sum("engagements"),
            sum_clicks=Sum("clicks"),
            rate_posts=Count("pk", filter=Q(impressions__gt=0)),
            rate_engagements=Sum("engagements", filter=Q(impressions__gt=0)),
            rate_impressions=Sum("impressions", filter=Q(impressions__gt=0)),
            ctr_clicks=Sum("clicks", filter=Q(impressions__gt=0, clicks__isnull=False)),
            ctr_impressions=Sum("impressions", filter=Q(impressions__gt=0, clicks__isnull=False)),
        )
        .order_by()
    )


def published_counts(scope: Scope, period: Period) -> tuple[list[dict], list[dict]]:
    """Published targets per (current?, network), and distinct posts per current? (totals)."""
    per_network, totals = _published_counts(scope, period)
    return list(per_network), list(totals)


def _published_counts(scope: Scope, period: Period):
    previous = period.previous()
    qs = (
        scope.published_targets()
        .filter(published_at__gte=previous.start_at, published_at__lt=period.end_at)
        .annotate(current=_current_flag(period))
    )
    per_network = qs.values("current", dim=scope.dim("target")).annotate(targets=Count("pk")).order_by()
    totals = qs.values("current").annotate(posts=Count("post", distinct=True)).order_by()
    return per_network, totals


def _followers_on_or_before(day: dt.date):
    return Subquery(
        AccountDailySnapshot.objects.filter(account=OuterRef("pk"), date__lte=day, followers__isnull=False)
        .order_by("-date")
        .values("followers")[:1]
    )


def _first_followers_within(start: dt.date, end: dt.date):
    return Subquery(
        AccountDailySnapshot.objects.filter(
            account=OuterRef("pk"), date__gte=start, date__lte=end, followers__isnull=False
        )
        .order_by("date")
        .values("followers")[:1]
    )


def follower_rows(scope: Scope, period: Period) -> list[dict]:
    """One row per account: followers just before each period starts and at each end.

    "Just before" is the last snapshot before the first day; an account first measured
    inside the period starts from its first snapshot there.
    """
    return list(_follower_rows(scope, period))


def _follower_rows(scope: Scope, period: Period):
    previous = period.previous()
    day = dt.timedelta(days=1)
    return (
        scope.accounts()
        .annotate(
            prev_start=Coalesce(
                _followers_on_or_before(previous.start - day), _first_followers_within(previous.start, previous.end)
            ),
            prev_end=_followers_on_or_before(previous.end),
            cur_start=Coalesce(
                _followers_on_or_before(period.start - day), _first_followers_within(period.start, period.end)
            ),
            cur_end=_followers_on_or_before(period.end),
        )
        .annotate(dim=scope.dim("account"))
        .values("pk", "dim", "prev_start", "prev_end", "cur_start", "cur_end")
        .order_by()
    )


def response_figures(scope: Scope, period: Period) -> dict | None:
    """Inbox response KPIs when the inbox app offers them (an optional, sideways import:
    analytics does not depend on inbox; without ``inbox.kpis`` these figures are absent)."""
    try:
        from inbox.kpis import response_kpis
    except ImportError:
        return None
    # Brand ids, not Brand rows: response_kpis limits its items to this workspace itself,
    # and the scope's brands were taken from the workspace already.
    brands = list(scope.brand_ids)
    try:
        current = response_kpis(scope.workspace, brands, period.start_at, period.end_at)
        previous = response_kpis(scope.workspace, brands, period.previous().start_at, period.previous().end_at)
    except Exception:  # the inbox is someone else's module: a failure there must not break the dashboard
        import logging

        logging.getLogger(__name__).exception("inbox.kpis.response_kpis failed")
        return None
    return {"current": current or {}, "previous": previous or {}}


def _in_one_statement(querysets: list) -> list[list[dict]]:
    """Evaluate ``.values()`` querysets in one round trip on PostgreSQL: each becomes a
    ``json_agg`` subselect of a single SELECT. Same SQL as evaluating them one by one
    (which is what happens on other databases), so the figures are the same."""
    if connection.vendor != "postgresql":
        return [list(qs) for qs in querysets]
    parts, params = [], []
    for qs in querysets:
        try:
            sql, qs_params = qs.query.sql_with_params()
        except EmptyResultSet:  # e.g. a workspace without brands: nothing to select
            parts.append("'[]'")
            continue
        # sql is the ORM's compiled query with its values left as parameters
        parts.append(f"(SELECT coalesce(json_agg(row_to_json(r)), '[]')::text FROM ({sql}) r)")  # noqa: S608
        params.extend(qs_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        return [json.loads(text) for text in cursor.fetchone()]


@dataclass
class Dashboard:
    """Figures of one scope and period: ``table`` (pandas, one row per network + "total")."""

    scope: Scope
    period: Period
    table: object
    left_out: dict = field(default_factory=dict)
    has_inbox: bool = False

    def tiles(self) -> list[dict]:
        return frames.kpi_tiles(self.table, "total", KPI_DEFINITIONS, LOWER_IS_BETTER, self.has_inbox)

    def network_rows(self, labels: dict | None = None) -> list[dict]:
        return frames.network_rows(self.table, KPI_DEFINITIONS, LOWER_IS_BETTER, self.has_inbox, labels)

    def figure(self, key: str, row: str = "total", which: str = "cur"):
        return frames.value(self.table, row, key, which)


def compute(scope: Scope, period: Period) -> Dashboard:
    sums, published, published_totals, followers = _in_one_statement(
        [_post_sums(scope, period), *_published_counts(scope, period), _follower_rows(scope, period)]
    )
    responses = response_figures(scope, period)
    table = frames.kpi_table(sums, published, published_totals, followers, responses)
    left_out = {
        "cur": int(frames.value(table, "total", "left_out", "cur") or 0),
        "prev": int(frames.value(table, "total", "left_out", "prev") or 0),
    }
    return Dashboard(scope=scope, period=period, table=table, left_out=left_out, has_inbox=responses is not None)


# --- series behind the charts (aggregated in the database, shaped in frames.py) ----------

DAILY_SUMS = ["impressions", "reach", "engagements", "clicks", "rate_engagements", "rate_impressions", "posts"]


def daily_rows(scope: Scope, period: Period) -> list[dict]:
    """Per local day and network: sums of the posts published that day."""
    rows = (
        scope.latest()
        .filter(published_at__gte=period.start_at, published_at__lt=period.end_at)
        .annotate(day=TruncDate("published_at", tzinfo=period.tz))
        .values("day", "network")
        .annotate(
            s_impressions=Sum("impressions"),
            s_reach=Sum("reach"),
            s_engagements=Sum("engagements"),
            s_clicks=Sum("clicks"),
            rate_engagements=Sum("engagements", filter=Q(impressions__gt=0)),
            rate_impressions=Sum("impressions", filter=Q(impressions__gt=0)),
            posts=Count("pk"),
        )
        .order_by()
    )
    return [_unprefix(row) for row in rows]


def _unprefix(row: dict) -> dict:
    """Annotations may not reuse a field's name; the frames want the plain names."""
    return {key.removeprefix("s_"): value for key, value in row.items()}


def follower_daily_rows(scope: Scope, period: Period) -> list[dict]:
    """Per date and network: followers summed over the accounts (one GROUP BY)."""
    day = dt.timedelta(days=1)
    return list(
        AccountDailySnapshot.objects.filter(
            account__in=scope.accounts(), date__gte=period.start - day, date__lte=period.end, followers__isnull=False
        )
        .values("date", network=F("account__network"))
        .annotate(followers=Sum("followers"))
        .order_by()
    )


HEATMAP_DAYS = 90


def heatmap_rows(scope: Scope, period: Period) -> list[dict]:
    """Per post with impressions, published in the 90 days up to the period's end:
    local weekday (1 = Monday), local hour, engagements, impressions."""
    since = min(period.start_at, period.end_at - dt.timedelta(days=HEATMAP_DAYS))
    return list(
        scope.latest()
        .filter(published_at__gte=since, published_at__lt=period.end_at, impressions__gt=0)
        .annotate(
            weekday=ExtractIsoWeekDay("published_at", tzinfo=period.tz),
            hour=ExtractHour("published_at", tzinfo=period.tz),
        )
        .values("weekday", "hour", "engagements", "impressions")
        .order_by()
    )


def heatmap_cells(scope: Scope, period: Period) -> list[tuple[int, int, list[float]]]:
    """Per local weekday (1 = Monday) and hour: the engagement rates, sorted, of the posts
    with impressions published in the 90 days up to the period's end. On PostgreSQL the
    database groups them (one row per cell instead of one per post)."""
    if connection.vendor != "postgresql":
        return frames.heatmap_rates(heatmap_rows(scope, period))
    from django.contrib.postgres.aggregates import ArrayAgg

    since = min(period.start_at, period.end_at - dt.timedelta(days=HEATMAP_DAYS))
    rate = Cast(Coalesce(F("engagements"), 0), FloatField()) / Cast(F("impressions"), FloatField())
    rows = (
        scope.latest()
        .filter(published_at__gte=since, published_at__lt=period.end_at, impressions__gt=0)
        .annotate(
            weekday=ExtractIsoWeekDay("published_at", tzinfo=period.tz),
            hour=ExtractHour("published_at", tzinfo=period.tz),
        )
        .values("weekday", "hour")
        .annotate(rates=ArrayAgg(rate, order_by=rate))
        .order_by()
        .values_list("weekday", "hour", "rates")
    )
    return [(int(weekday), int(hour), rates) for weekday, hour, rates in rows]


def ranked_posts(scope: Scope, period: Period, *, limit: int = 5, best: bool = True) -> list[PostMetricLatest]:
    """Top (or bottom) posts of the period by engagement rate; where no post of the scope
    reports impressions, by engagements."""
    qs = scope.latest().filter(published_at__gte=period.start_at, published_at__lt=period.end_at)
    with_rate = qs.filter(impressions__gt=0)
    if with_rate.exists():
        qs = with_rate.annotate(
            rate=ExpressionWrapper(Coalesce(F("engagements"), 0) * 1.0 / F("impressions"), output_field=FloatField())
        )
        order = ["-rate", "-engagements"] if best else ["rate", "engagements"]
    else:
        qs = qs.filter(engagements__isnull=False)
        order = ["-engagements"] if best else ["engagements"]
    return list(qs.select_related("post", "target", "account", "brand").order_by(*order, "-published_at", "pk")[:limit])


def campaign_rows(scope: Scope, period: Period) -> list[dict]:
    """Per campaign: posts, impressions, engagements, rate sums (posts published in the period)."""
    rows = (
        scope.latest()
        .filter(published_at__gte=period.start_at, published_at__lt=period.end_at, post__campaign__isnull=False)
        .values("post__campaign__name", "post__campaign__colour")
        .annotate(
            posts=Count("post", distinct=True),
            s_impressions=Sum("impressions"),
            s_engagements=Sum("engagements"),
            s_clicks=Sum("clicks"),
            rate_engagements=Sum("engagements", filter=Q(impressions__gt=0)),
            rate_impressions=Sum("impressions", filter=Q(impressions__gt=0)),
        )
        .order_by("post__campaign__name")
    )
    return [_unprefix(row) for row in rows]


def post_metric_rows(scope: Scope, period: Period):
    """Per-post metrics of the period, for the CSV export (latest figure per target)."""
    return (
        scope.latest()
        .filter(published_at__gte=period.start_at, published_at__lt=period.end_at)
        .select_related("post", "target", "account", "brand", "post__campaign")
        .order_by("published_at", "pk")
    )
