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

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    OuterRef,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractHour, ExtractIsoWeekDay, TruncDate

from analytics import definitions, frames
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
        "video_views",
        "Video views",
        "count",
        "Video views as each network counts them, for the videos published in the period that report "
        "views (Bluesky and Mastodon report none).",
    ),
    (
        "view_rate",
        "View rate",
        "rate",
        "Video views ÷ impressions, over the videos that report both.",
    ),
    (
        "posts_published",
        "Posts published",
        "count",
        "Posts published in the period: each post once however many accounts it went to, in the "
        "period of its first publication (weeks in the workspace's time zone); a failed account does "
        "not count. Per network or brand: the posts that went out there.",
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
# Shown only where the scope has video figures in either period (no empty "Video views" tile
# on a brand that posts no video).
VIDEO_KEYS = ("video_views", "view_rate")


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
        # Tenant filter through the accounts (SocialAccount.for_workspace): the same rows
        # as through the posts, without joining every target to its post.
        return PostTarget.objects.filter(state=TargetState.PUBLISHED, account__in=self.accounts())

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
            sum_video_views=Sum("video_views"),
            **definitions.rate_sums(),
        )
        .order_by()
    )


def published_counts(scope: Scope, period: Period) -> tuple[list[dict], list[dict]]:
    """Per (current?, dim): published targets (the base of "left out of the rates") and
    published posts; and published posts per current? (the totals). See ``definitions``
    "posts published" for which posts and which period."""
    targets, posts, totals = _published_counts(scope, period)
    return [*targets, *posts], list(totals)


def _published_counts(scope: Scope, period: Period):
    previous = period.previous()
    targets = (
        scope.published_targets()
        .filter(published_at__gte=previous.start_at, published_at__lt=period.end_at)
        .annotate(current=_current_flag(period))
        .values("current", dim=scope.dim("target"))
        .annotate(targets=Count("pk"))
        .order_by()
    )
    first = definitions.first_published_at()
    posts = (
        scope.published_targets()
        .annotate(first=first)
        .filter(first__gte=previous.start_at, first__lt=period.end_at)
        .annotate(
            current=Case(
                When(first__gte=period.start_at, then=Value(True)), default=Value(False), output_field=BooleanField()
            )
        )
    )
    per_dim = posts.values("current", dim=scope.dim("target")).annotate(posts=Count("post", distinct=True)).order_by()
    totals = posts.values("current").annotate(posts=Count("post", distinct=True)).order_by()
    return targets, per_dim, totals


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


# PostgreSQL: every figure of ``post_sums``, ``published_counts`` and ``follower_rows`` in
# one statement (one round trip, targets scanned once with GROUPING SETS for the distinct
# posts of the totals, followers looked up once per bound). Other databases run those
# three portable ORM queries; tests run both and must agree.
KPI_SQL = """
WITH p AS (
  SELECT {latest_dim} AS dim, l.published_at >= %(start)s AS current,
         count(*) AS measured, sum(l.impressions) AS sum_impressions, sum(l.reach) AS sum_reach,
         sum(l.engagements) AS sum_engagements, sum(l.clicks) AS sum_clicks,
         sum(l.video_views) AS sum_video_views,
         {rate_sums}
  FROM {latest} l
  WHERE l.workspace_id = %(workspace)s AND l.brand_id = ANY(%(brands)s) {latest_networks}
    AND l.published_at >= %(prev_start)s AND l.published_at < %(end)s
  GROUP BY 1, 2
), a AS (
  SELECT a.id, {account_dim} AS dim
  FROM {account} a JOIN {brand} b ON b.id = a.brand_id
  WHERE b.workspace_id = %(workspace)s AND a.brand_id = ANY(%(brands)s) {account_networks}
), t AS (
  SELECT a.dim, pt.published_at >= %(start)s AS current, count(*) AS targets
  FROM {target} pt JOIN a ON a.id = pt.account_id
  WHERE pt.state = %(published)s AND pt.published_at >= %(prev_start)s AND pt.published_at < %(end)s
  GROUP BY 1, 2
), fp AS (
  SELECT pt.post_id, min(pt.published_at) AS first
  FROM {target} pt
  WHERE pt.state = %(published)s AND pt.post_id IN (
    SELECT x.post_id FROM {target} x JOIN a ON a.id = x.account_id
    WHERE x.state = %(published)s AND x.published_at >= %(prev_start)s AND x.published_at < %(end)s)
  GROUP BY pt.post_id
), q AS (
  SELECT dim, current, GROUPING(dim) AS whole, count(DISTINCT post_id) AS posts
  FROM (SELECT a.dim, pt.post_id, fp.first >= %(start)s AS current
        FROM fp JOIN {target} pt ON pt.post_id = fp.post_id AND pt.state = %(published)s
        JOIN a ON a.id = pt.account_id
        WHERE fp.first >= %(prev_start)s AND fp.first < %(end)s) x
  GROUP BY GROUPING SETS ((dim, current), (current))
), f AS (
  SELECT id AS pk, dim, prev_start, prev_end,
         coalesce(prev_end, (SELECT followers FROM {daily} d WHERE d.account_id = f0.id
                             AND d.date >= %(start_date)s AND d.date <= %(end_date)s
                             AND d.followers IS NOT NULL ORDER BY d.date LIMIT 1)) AS cur_start,
         cur_end
  FROM (SELECT a.id, a.dim,
          coalesce((SELECT followers FROM {daily} d WHERE d.account_id = a.id AND d.date <= %(before_prev_date)s
                    AND d.followers IS NOT NULL ORDER BY d.date DESC LIMIT 1),
                   (SELECT followers FROM {daily} d WHERE d.account_id = a.id
                    AND d.date >= %(prev_start_date)s AND d.date <= %(prev_end_date)s
                    AND d.followers IS NOT NULL ORDER BY d.date LIMIT 1)) AS prev_start,
          (SELECT followers FROM {daily} d WHERE d.account_id = a.id AND d.date <= %(prev_end_date)s
           AND d.followers IS NOT NULL ORDER BY d.date DESC LIMIT 1) AS prev_end,
          (SELECT followers FROM {daily} d WHERE d.account_id = a.id AND d.date <= %(end_date)s
           AND d.followers IS NOT NULL ORDER BY d.date DESC LIMIT 1) AS cur_end
        FROM a) f0
)
SELECT (SELECT coalesce(json_agg(p), '[]')::text FROM p),
       (SELECT coalesce(json_agg(t), '[]')::text FROM t),
       (SELECT coalesce(json_agg(q), '[]')::text FROM q),
       (SELECT coalesce(json_agg(f), '[]')::text FROM f)
"""


def _kpi_rows_postgresql(scope: Scope, period: Period) -> tuple[list, list, list, list]:
    """(post sums, published per dim, distinct posts per period, follower rows) in one statement."""
    previous = period.previous()
    dims = {"network": ("l.network", "a.network"), "brand": ("l.brand_id", "a.brand_id")}[scope.by]
    sql = KPI_SQL.format(
        latest=PostMetricLatest._meta.db_table,
        account=SocialAccount._meta.db_table,
        brand=SocialAccount._meta.get_field("brand").related_model._meta.db_table,
        target=PostTarget._meta.db_table,
        daily=AccountDailySnapshot._meta.db_table,
        rate_sums=definitions.rate_sums_sql("l"),
        latest_dim=dims[0],
        account_dim=dims[1],
        latest_networks="AND l.network = ANY(%(networks)s)" if scope.networks else "",
        account_networks="AND a.network = ANY(%(networks)s)" if scope.networks else "",
    )
    params = {
        "workspace": scope.workspace.pk,
        "brands": list(scope.brand_ids),
        "networks": list(scope.networks or []),
        "published": TargetState.PUBLISHED,
        "start": period.start_at,
        "end": period.end_at,
        "prev_start": previous.start_at,
        "start_date": period.start,
        "end_date": period.end,
        "prev_start_date": previous.start,
        "prev_end_date": previous.end,
        "before_prev_date": previous.start - dt.timedelta(days=1),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        sums, targets, posts, followers = (json.loads(text) for text in cursor.fetchone())
    published = targets + [row for row in posts if not row["whole"]]
    totals = [row for row in posts if row["whole"]]
    return sums, published, totals, followers


@dataclass
class Dashboard:
    """Figures of one scope and period: ``table`` (pandas, one row per network + "total")."""

    scope: Scope
    period: Period
    table: object
    left_out: dict = field(default_factory=dict)
    has_inbox: bool = False

    @property
    def has_video(self) -> bool:
        return any(frames.value(self.table, "total", "video_views", which) is not None for which in ("cur", "prev"))

    def definitions(self) -> list[tuple]:
        """The KPIs this scope shows: the video ones only where it has video figures."""
        if self.has_video:
            return KPI_DEFINITIONS
        return [d for d in KPI_DEFINITIONS if d[0] not in VIDEO_KEYS]

    def table_columns(self) -> list[tuple]:
        """The columns of the per-network (or per-brand) table."""
        return [d for d in self.definitions() if d[0] not in ("response_rate", "median_first_response")]

    def tiles(self) -> list[dict]:
        return frames.kpi_tiles(self.table, "total", self.definitions(), LOWER_IS_BETTER, self.has_inbox)

    def network_rows(self, labels: dict | None = None) -> list[dict]:
        return frames.network_rows(self.table, self.definitions(), LOWER_IS_BETTER, self.has_inbox, labels)

    def figure(self, key: str, row: str = "total", which: str = "cur"):
        return frames.value(self.table, row, key, which)


def compute(scope: Scope, period: Period) -> Dashboard:
    if connection.vendor == "postgresql":
        sums, published, published_totals, followers = _kpi_rows_postgresql(scope, period)
    else:
        sums = post_sums(scope, period)
        published, published_totals = published_counts(scope, period)
        followers = follower_rows(scope, period)
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
            **_engagement_rate_sums(),
            posts=Count("pk"),
        )
        .order_by()
    )
    return [_unprefix(row) for row in rows]


def _engagement_rate_sums() -> dict:
    sums = definitions.rate_sums()
    return {"rate_engagements": sums["rate_engagements"], "rate_impressions": sums["rate_impressions"]}


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
        .filter(definitions.RATED, published_at__gte=since, published_at__lt=period.end_at)
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
    where, params = _latest_filter(scope)
    since = min(period.start_at, period.end_at - dt.timedelta(days=HEATMAP_DAYS))
    params.update(since=since, end=period.end_at, tz=str(period.tz))
    # The local time converted once per post; date_part (a float) groups faster than EXTRACT (numeric).
    sql = f"""
        SELECT date_part('isodow', local)::int, date_part('hour', local)::int, array_agg(rate ORDER BY rate)
        FROM (SELECT l.published_at AT TIME ZONE %(tz)s AS local,
                     {definitions.post_rate_sql("l", as_float=True)} AS rate
              FROM {PostMetricLatest._meta.db_table} l
              WHERE {where} AND {definitions.rated_sql("l")}
                AND l.published_at >= %(since)s AND l.published_at < %(end)s) s
        GROUP BY 1, 2
    """  # noqa: S608 (table name and filter built here, every value a parameter)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(weekday, hour, rates) for weekday, hour, rates in cursor.fetchall()]


def _latest_filter(scope: Scope) -> tuple[str, dict]:
    """``Scope.latest()`` as SQL on the latest table aliased ``l``, with its parameters."""
    where = "l.workspace_id = %(workspace)s AND l.brand_id = ANY(%(brands)s)"
    if scope.networks:
        where += " AND l.network = ANY(%(networks)s)"
    return where, {"workspace": scope.workspace.pk, "brands": list(scope.brand_ids), "networks": scope.networks or []}


def _ranked_ids(scope: Scope, period: Period, limit: int, best: bool) -> list[int]:
    """Ids of the top (or bottom) posts, ordered: the ordering runs on the latest table
    alone (a top-N sort), without the joins the entries need."""
    qs = scope.latest().filter(published_at__gte=period.start_at, published_at__lt=period.end_at)
    rate = definitions.post_rate_expression()
    order = ["-rate", "-engagements"] if best else ["rate", "engagements"]
    ids = list(
        qs.filter(definitions.RATED)
        .annotate(rate=rate)
        .order_by(*order, "-published_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    if ids or not limit:
        return ids
    # No post of the scope reports impressions: by engagements.
    order = ["-engagements"] if best else ["engagements"]
    by_engagements = qs.filter(engagements__isnull=False).order_by(*order, "-published_at", "pk")
    return list(by_engagements.values_list("pk", flat=True)[:limit])


def _entries(ids: list[int]) -> dict[int, PostMetricLatest]:
    rows = PostMetricLatest.objects.filter(pk__in=ids).select_related("post", "target", "account", "brand")
    return {row.pk: row for row in rows} if ids else {}


# PostgreSQL: top and bottom ids from one scan, the rate computed once per post (the same
# numeric expression and order as ``_ranked_ids``); each part keeps its own order.
RANKED_SQL = """
WITH r AS MATERIALIZED (
  SELECT l.target_id, l.engagements, l.published_at, {rate} AS rate
  FROM {latest} l
  WHERE {where} AND {rated} AND l.published_at >= %(start)s AND l.published_at < %(end)s
)
SELECT part, target_id FROM (
  (SELECT 1 AS part, * FROM r ORDER BY rate DESC, engagements DESC, published_at DESC, target_id LIMIT %(limit)s)
  UNION ALL
  (SELECT 2 AS part, * FROM r ORDER BY rate, engagements, published_at DESC, target_id LIMIT %(limit)s)
) x
ORDER BY part, CASE WHEN part = 1 THEN rate END DESC, CASE WHEN part = 1 THEN engagements END DESC,
         CASE WHEN part = 2 THEN rate END, CASE WHEN part = 2 THEN engagements END, published_at DESC, target_id
"""


def _ranked_id_pair(scope: Scope, period: Period, limit: int) -> tuple[list[int], list[int]]:
    """(top ids, bottom ids), each in its order."""
    if connection.vendor != "postgresql" or not limit:
        return _ranked_ids(scope, period, limit, True), _ranked_ids(scope, period, limit, False)
    where, params = _latest_filter(scope)
    params.update(start=period.start_at, end=period.end_at, limit=limit)
    with connection.cursor() as cursor:
        cursor.execute(
            RANKED_SQL.format(
                latest=PostMetricLatest._meta.db_table,
                where=where,
                rate=definitions.post_rate_sql("l"),
                rated=definitions.rated_sql("l"),
            ),
            params,
        )
        rows = cursor.fetchall()
    if not rows:  # no post of the scope reports impressions: by engagements
        return _ranked_ids(scope, period, limit, True), _ranked_ids(scope, period, limit, False)
    return [pk for part, pk in rows if part == 1], [pk for part, pk in rows if part == 2]


def ranked_posts(scope: Scope, period: Period, *, limit: int = 5, best: bool = True) -> list[PostMetricLatest]:
    """Top (or bottom) posts of the period by engagement rate; where no post of the scope
    reports impressions, by engagements."""
    ids = _ranked_id_pair(scope, period, limit)[0 if best else 1]
    entries = _entries(ids)
    return [entries[pk] for pk in ids if pk in entries]


def top_and_bottom_posts(scope: Scope, period: Period, *, limit: int = 5) -> tuple[list, list]:
    """``ranked_posts`` best and worst, with one fetch of the entries for both."""
    top, bottom = _ranked_id_pair(scope, period, limit)
    entries = _entries(list(dict.fromkeys(top + bottom)))
    return [entries[pk] for pk in top if pk in entries], [entries[pk] for pk in bottom if pk in entries]


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
            **_engagement_rate_sums(),
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
