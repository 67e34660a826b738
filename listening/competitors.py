"""Competitors' public accounts (Mastodon and Bluesky), one snapshot a day each, compared on
their page with the brand's own accounts (analytics' daily account snapshots).

A snapshot holds: followers and posts count (the profile), public posts in the 7 days
before (from their latest 40-50 posts; "40+" means at least that), and the average
engagement of those recent posts: favourites + boosts + replies on Mastodon, likes +
reposts + replies on Bluesky (boosts/reposts of others' posts and replies left out).
A Mastodon account is looked up on its own server (the handle's domain), where its counts
are current. Instagram business discovery is left out: it needs Meta's app review.
"""

from __future__ import annotations

import datetime as dt
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Avg, F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from analytics.models import AccountDailySnapshot
from listening.models import Competitor, CompetitorSnapshot
from smm.accounts import network_adapter
from smm.models import SocialAccount
from smm.platforms.base import PlatformError
from smm.platforms.bluesky_public import APPVIEW, BlueskyPublic
from smm.platforms.mastodon_public import MastodonPublic

log = logging.getLogger(__name__)

WEEK = dt.timedelta(days=7)


def mastodon_server(handle: str, workspace_id: int) -> tuple[str, str]:
    """("https://server", "user") of "@user@server". Where one of the workspace's connected
    accounts lives on that server, its address is used (it may sit under a path: the
    sandbox's is ``.../sandbox``)."""
    user, _, domain = handle.lstrip("@").partition("@")
    domain = domain.lower()
    for base in SocialAccount.objects.filter(brand__workspace_id=workspace_id, network="mastodon").values_list(
        "base_url", flat=True
    ):
        parts = urlsplit(base)
        if domain and domain in ((parts.netloc or "").lower(), (parts.hostname or "").lower()):
            return base.rstrip("/"), user
    return f"https://{domain}", user


def snapshot(
    competitor: Competitor, now: dt.datetime | None = None, *, mastodon=None, bluesky=None
) -> CompetitorSnapshot:
    now = now or timezone.now()
    if competitor.network == Competitor.Network.MASTODON:
        reader = mastodon or MastodonPublic(http=network_adapter("mastodon", keep_alive=True).http)
        base, user = mastodon_server(competitor.handle, competitor.workspace_id)
        account = reader.lookup(base, user)
        posts = reader.recent_posts(base, account.id)
        followers, count = account.followers, account.posts_count
    else:
        reader = bluesky or BlueskyPublic(
            http=network_adapter("bluesky", keep_alive=True).http,
            base=getattr(settings, "BLUESKY_APPVIEW_URL", "") or APPVIEW,
        )
        handle = competitor.handle.lstrip("@")
        profile = reader.profile(handle)
        posts = reader.recent_posts(handle)
        followers, count = profile.followers, profile.posts_count
    recent = [p for p in posts if p.created_at and now - p.created_at <= WEEK]
    average = sum(p.engagement for p in posts) / len(posts) if posts else None
    row, _ = CompetitorSnapshot.objects.update_or_create(
        competitor=competitor,
        date=now.date(),
        defaults={
            "followers": followers,
            "posts_count": count,
            "posts_7d": len(recent),
            "avg_engagement": round(average, 2) if average is not None else None,
            "posts_read": len(posts),
            "captured_at": now,
        },
    )
    return row


def snapshot_all(now: dt.datetime | None = None) -> dict:
    done = failed = 0
    for competitor in Competitor.objects.all():
        try:
            snapshot(competitor, now)
        except PlatformError as error:
            failed += 1
            Competitor.objects.filter(pk=competitor.pk).update(last_error=error.user_message[:300])
            continue
        done += 1
        if competitor.last_error:
            Competitor.objects.filter(pk=competitor.pk).update(last_error="")
    return {"done": done, "failed": failed}


def comparison(brand, days: int = 30, now: dt.datetime | None = None) -> dict:
    """The page's rows: the brand's own Mastodon and Bluesky accounts (from analytics'
    daily snapshots) and its competitors (their snapshots), latest figures and the
    followers series over ``days``."""
    now = now or timezone.now()
    since = (now - dt.timedelta(days=days)).date()
    rows = []
    for account in SocialAccount.objects.filter(brand=brand, network__in=["mastodon", "bluesky"]).order_by("network"):
        snaps = list(AccountDailySnapshot.objects.filter(account=account, date__gte=since).order_by("date"))
        latest = snaps[-1] if snaps else None
        week_posts = None
        if latest and latest.posts_count is not None:
            before = next(
                (s for s in reversed(snaps) if s.date <= latest.date - WEEK and s.posts_count is not None), None
            )
            week_posts = latest.posts_count - before.posts_count if before else None
        rows.append(
            {
                "own": True,
                "name": brand.name,
                "network": account.get_network_display(),
                "handle": account.handle,
                "followers": latest.followers if latest else None,
                "posts_count": latest.posts_count if latest else None,
                "posts_7d": week_posts,
                "avg_engagement": _own_engagement(account, now),
                "series": [(s.date, s.followers) for s in snaps if s.followers is not None],
                "error": "",
            }
        )
    for competitor in Competitor.objects.filter(brand=brand):
        snaps = list(competitor.snapshots.filter(date__gte=since).order_by("date"))
        latest = snaps[-1] if snaps else None
        rows.append(
            {
                "own": False,
                "competitor": competitor,
                "name": competitor.name,
                "network": competitor.get_network_display(),
                "handle": competitor.handle,
                "followers": latest.followers if latest else None,
                "posts_count": latest.posts_count if latest else None,
                "posts_7d": latest.posts_7d if latest else None,
                "avg_engagement": latest.avg_engagement if latest else None,
                "series": [(s.date, s.followers) for s in snaps if s.followers is not None],
                "error": competitor.last_error,
            }
        )
    peak = max([1, *(value for row in rows for _, value in row["series"])])
    for row in rows:
        row["bars"] = [{"date": d, "value": v, "height": round(100 * v / peak)} for d, v in row["series"]]
    return {"rows": rows, "days": days}


def _own_engagement(account, now) -> float | None:
    """The mean likes + shares + comments of the account's posts of the last 30 days, as
    analytics stored them (the competitors' definition, saves and clicks left out)."""
    from analytics.models import PostMetricLatest

    zero = Value(0)
    found = PostMetricLatest.objects.filter(account=account, published_at__gte=now - dt.timedelta(days=30)).aggregate(
        mean=Avg(Coalesce(F("likes"), zero) + Coalesce(F("shares"), zero) + Coalesce(F("comments"), zero))
    )["mean"]
    return round(float(found), 2) if found is not None else None
