"""The post KPIs of DESIGN.md "KPIs", defined once, as ORM aggregates, SQL fragments and plain arithmetic.

Every path that computes them (the ORM queries and the PostgreSQL fast path of
``analytics.kpis``, the frames of ``analytics.frames``, the charts, the post previews
and the CSV export, ingestion in ``analytics.collection``) takes them from here, so they
cannot drift apart:

- engagements = likes + comments + shares + saves + link clicks, as reported; unknown
  (None) only when the network reported none of them;
- a post is *rated* when it reports impressions > 0; only rated posts enter the
  engagement rate, their missing engagements counting as none; a post without
  impressions is left out of the rate (and the dashboard says how many were);
- engagement rate = engagements / impressions over the rated posts;
- click-through rate = link clicks / impressions over the rated posts that report clicks;
- video views = views as each network counts them (a play of a few seconds, see the
  adapters), summed over the posts that report them; view rate = video views / impressions
  over the rated posts that report views (videos whose network gives both);
- posts published = distinct posts (not targets: a post sent to three accounts is one post)
  with at least one published target, each in the period of its *first* publication, so a
  post counts in exactly one period; a failed target adds nothing. A network's or brand's row
  counts the posts that went out there (brands partition posts, so their rows add up to the
  total; a post on two networks is in both networks' rows and once in the total). The
  engagement figures above stay per target (each post-on-a-network is measured on its own).

The response rate (answered / received) is the inbox's figure, defined in ``inbox.kpis``.

The campaign money and click figures (own clicks, unique clicks, CTR on own clicks,
conversions, conversion rate, revenue, spend, CPC, CPA, ROAS, ROI = (revenue - spend) /
spend) are defined in ``posts.roi_definitions`` (the links app computes them too, and may not
import analytics) and listed here as MONEY_FIGURES with their definitions.
"""

from __future__ import annotations

from django.db.models import Count, ExpressionWrapper, F, FloatField, Min, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from posts.models import PostTarget, TargetState
from posts.roi_definitions import DEFINITIONS as MONEY_DEFINITIONS  # noqa: F401 - listed here
from posts.roi_definitions import FIGURES as MONEY_FIGURES  # noqa: F401
from posts.roi_definitions import LABELS as MONEY_LABELS  # noqa: F401
from posts.roi_definitions import display as money_display  # noqa: F401
from posts.roi_definitions import figures_for as money_figures_for  # noqa: F401
from posts.roi_definitions import plain as money_plain  # noqa: F401

ENGAGEMENT_PARTS = ("likes", "comments", "shares", "saves", "clicks")


def engagements_of(values: dict) -> int | None:
    """The sum of the engagement parts the network reported; None when it reported none."""
    reported = [values.get(name) for name in ENGAGEMENT_PARTS if values.get(name) is not None]
    return sum(reported) if reported else None


def engagements_sql(alias: str) -> str:
    """``engagements_of`` over the parts columns of table ``alias``."""
    all_null = " AND ".join(f"{alias}.{name} IS NULL" for name in ENGAGEMENT_PARTS)
    parts = " + ".join(f"coalesce({alias}.{name}, 0)" for name in ENGAGEMENT_PARTS)
    return f"CASE WHEN {all_null} THEN NULL ELSE {parts} END"


# --- which posts enter the rates ------------------------------------------------------------

RATED = Q(impressions__gt=0)
CLICKS_RATED = Q(impressions__gt=0, clicks__isnull=False)
VIEWS_RATED = Q(impressions__gt=0, video_views__isnull=False)


def rated_sql(alias: str) -> str:
    return f"{alias}.impressions > 0"


def views_rated_sql(alias: str) -> str:
    return f"({alias}.impressions > 0 AND {alias}.video_views IS NOT NULL)"


def clicks_rated_sql(alias: str) -> str:
    return f"{alias}.impressions > 0 AND {alias}.clicks IS NOT NULL"


def is_rated(impressions) -> bool:
    return impressions is not None and impressions > 0


# --- which period a published post belongs to ------------------------------------------------


def first_published_at():
    """The moment a post (``post`` of the outer target row) first went out: the earliest
    published_at of its published targets, whatever the scope (a network filter does not move
    a post to another period). The SQL fast path of ``analytics.kpis`` computes the same."""
    return Subquery(
        PostTarget.objects.filter(post=OuterRef("post"), state=TargetState.PUBLISHED)
        .order_by()
        .values("post")
        .annotate(first=Min("published_at"))
        .values("first")[:1]
    )


# --- the sums a period's rates are made of (one row per group) --------------------------------


def rate_sums() -> dict:
    """ORM aggregates: rated posts, their engagements and impressions, the CTR pair and the
    view-rate pair."""
    return {
        "rate_posts": Count("pk", filter=RATED),
        "rate_engagements": Sum("engagements", filter=RATED),
        "rate_impressions": Sum("impressions", filter=RATED),
        "ctr_clicks": Sum("clicks", filter=CLICKS_RATED),
        "ctr_impressions": Sum("impressions", filter=CLICKS_RATED),
        "view_views": Sum("video_views", filter=VIEWS_RATED),
        "view_impressions": Sum("impressions", filter=VIEWS_RATED),
    }


def rate_sums_sql(alias: str) -> str:
    """The same aggregates as ``rate_sums`` for a SELECT list over table ``alias``."""
    rated, clicks_rated, views_rated = rated_sql(alias), clicks_rated_sql(alias), views_rated_sql(alias)
    return (
        f"count(*) FILTER (WHERE {rated}) AS rate_posts, "
        f"sum({alias}.engagements) FILTER (WHERE {rated}) AS rate_engagements, "
        f"sum({alias}.impressions) FILTER (WHERE {rated}) AS rate_impressions, "
        f"sum({alias}.clicks) FILTER (WHERE {clicks_rated}) AS ctr_clicks, "
        f"sum({alias}.impressions) FILTER (WHERE {clicks_rated}) AS ctr_impressions, "
        f"sum({alias}.video_views) FILTER (WHERE {views_rated}) AS view_views, "
        f"sum({alias}.impressions) FILTER (WHERE {views_rated}) AS view_impressions"
    )


def ratio(numerator, denominator) -> float | None:
    """A rate from its sums: None when the denominator is unknown or not positive; a
    missing numerator over rated posts is none of it (their engagements count as 0)."""
    if denominator is None or not denominator > 0:
        return None
    return float(numerator or 0) / float(denominator)


# --- one post's engagement rate --------------------------------------------------------------


def post_rate(engagements, impressions) -> float | None:
    """One post's engagement rate; None for a post without impressions."""
    if not is_rated(impressions):
        return None
    return float(engagements or 0) / float(impressions)


def post_rate_expression() -> ExpressionWrapper:
    """``post_rate`` as an ORM expression, for rows already filtered by ``RATED``."""
    return ExpressionWrapper(Coalesce(F("engagements"), 0) * 1.0 / F("impressions"), output_field=FloatField())


def post_rate_sql(alias: str, *, as_float: bool = False) -> str:
    """``post_rate`` in SQL, for rows already filtered by ``rated_sql``; numeric (exact, for
    ordering) unless ``as_float`` (double precision, for medians in Python)."""
    if as_float:
        return f"coalesce({alias}.engagements, 0)::double precision / {alias}.impressions::double precision"
    return f"(coalesce({alias}.engagements, 0) * 1.0) / {alias}.impressions"
