"""A seeded, realistic metric history: posts, targets, snapshots at the collection
checkpoints, and daily follower counts, generated with numpy (vectorised).

Used by ``manage.py generate_history`` (demo, through the ORM) and by
``bench/dashboard.py`` (millions of rows, through COPY). The curves: each post has a
lognormal "quality"; its figures grow towards their final value (about 80 % after a
day); engagement rate depends on the local weekday and hour (mornings and early
evenings on weekdays do best), so the best-time heatmap has something to find.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from analytics.collection import PULL_OFFSETS

# what each network reports (None elsewhere), mirroring the adapters
REPORTS = {
    "mastodon": {"likes", "comments", "shares"},
    "bluesky": {"likes", "comments", "shares"},
    "x": {"impressions", "likes", "comments", "shares", "clicks", "saves"},
    "linkedin": {"impressions", "reach", "likes", "comments", "shares", "clicks"},
    "facebook": {"impressions", "reach", "likes", "comments", "shares", "clicks"},
    "instagram": {"impressions", "reach", "likes", "comments", "shares", "saves", "video_views"},
    "threads": {"impressions", "likes", "comments", "shares"},
    # video networks: views, not impressions (TikTok's Display API and YouTube's statistics)
    "tiktok": {"likes", "comments", "shares", "video_views"},
    "youtube": {"likes", "comments", "video_views"},
    "pinterest": {"impressions", "saves", "clicks", "video_views"},
}
METRICS = ["impressions", "reach", "likes", "comments", "shares", "saves", "clicks", "video_views"]
SPLIT = {"likes": 0.62, "comments": 0.1, "shares": 0.09, "saves": 0.07, "clicks": 0.12}
TEXTS = [
    "New this week: {topic}. Tell us what you think!",
    "Behind the scenes at {brand}: {topic}.",
    "{topic} — five things we learned.",
    "Weekend plans? {topic} is back.",
    "Quick tip: {topic}.",
    "Thank you for 10 years of {brand}! {topic}.",
    "We asked our team about {topic}. Here is what they said.",
    "Limited edition: {topic}. Only this month.",
]
TOPICS = [
    "the autumn collection",
    "our new roast",
    "trail running gear",
    "the studio redesign",
    "cold brew season",
    "a family hike guide",
    "sustainable packaging",
    "the community meetup",
    "a customer story",
    "our summer playlist",
]


@dataclass
class AccountSpec:
    id: int
    brand_id: int
    workspace_id: int
    network: str
    tz: str
    followers: int


def _local_hours(rng, n):
    """Posting hours, local time: mostly office hours, a bump in the evening."""
    hours = np.concatenate([np.arange(7, 22)])
    weights = np.array([2, 5, 8, 9, 8, 7, 8, 6, 5, 5, 6, 7, 6, 4, 2], dtype=float)
    return rng.choice(hours, size=n, p=weights / weights.sum())


def _rate_factor(weekday: np.ndarray, hour: np.ndarray) -> np.ndarray:
    """How the engagement rate depends on when a post went out (weekday 0 = Monday)."""
    morning = 0.55 * np.exp(-((hour - 9.5) ** 2) / 6.0)
    evening = 0.45 * np.exp(-((hour - 19.0) ** 2) / 5.0)
    weekend = np.where(weekday >= 5, -0.2, 0.0) + np.where(weekday == 1, 0.12, 0.0)
    return 0.75 + morning + evening + weekend


def _growth(hours_since: np.ndarray) -> np.ndarray:
    return 1 - np.exp(-((np.maximum(hours_since, 0) / 12.0) ** 0.7))


def generate(
    accounts: list[AccountSpec],
    *,
    start: dt.date,
    end: dt.date,
    now: dt.datetime,
    posts_per_brand_day: float,
    seed: int,
    target_share: float = 0.75,
    campaigns: dict[int, list[int]] | None = None,
) -> dict[str, pd.DataFrame]:
    """Frames ``posts``, ``targets``, ``snapshots`` and ``daily`` (keys are 0-based row
    numbers: targets.post_key -> posts row, snapshots.target_key -> targets row)."""
    rng = np.random.default_rng(seed)
    days = (end - start).days + 1
    by_brand: dict[int, list[AccountSpec]] = {}
    for account in accounts:
        by_brand.setdefault(account.brand_id, []).append(account)
    post_frames, target_frames = [], []
    post_offset = 0
    for brand_id, brand_accounts in sorted(by_brand.items()):
        tz = ZoneInfo(brand_accounts[0].tz)
        n = rng.poisson(posts_per_brand_day * days)
        if n == 0:
            continue
        day_index = rng.integers(0, days, n)
        hour = _local_hours(rng, n)
        minute = rng.integers(0, 60, n)
        local = (
            pd.to_datetime(start) + pd.to_timedelta(day_index, unit="D") + pd.to_timedelta(hour * 60 + minute, unit="m")
        )
        published = local.tz_localize(tz, nonexistent="shift_forward", ambiguous=True).tz_convert("UTC")
        keep = published <= pd.Timestamp(now)
        published, local, hour = published[keep], local[keep], hour[keep]
        n = len(published)
        campaign_ids = (campaigns or {}).get(brand_accounts[0].workspace_id) or []
        campaign = np.full(n, -1)
        if campaign_ids:
            chosen = rng.random(n) < 0.35
            campaign[chosen] = rng.choice(campaign_ids, size=int(chosen.sum()))
        text_index = rng.integers(0, len(TEXTS), n)
        topic_index = rng.integers(0, len(TOPICS), n)
        quality = rng.lognormal(0.0, 0.55, n)
        posts = pd.DataFrame(
            {
                "brand_id": brand_id,
                "workspace_id": brand_accounts[0].workspace_id,
                "published_at": published,
                "campaign_id": campaign,
                "text_index": text_index,
                "topic_index": topic_index,
            }
        )
        posts.index = np.arange(post_offset, post_offset + n)
        post_frames.append(posts)
        # which accounts each post went to (at least one)
        member = rng.random((n, len(brand_accounts))) < target_share
        member[np.arange(n), rng.integers(0, len(brand_accounts), n)] = True
        rate = _rate_factor(local.day_of_week.to_numpy(), hour)
        for j, account in enumerate(brand_accounts):
            rows = np.flatnonzero(member[:, j])
            if not len(rows):
                continue
            target_frames.append(
                pd.DataFrame(
                    {
                        "post_key": rows + post_offset,
                        "account_id": account.id,
                        "brand_id": brand_id,
                        "workspace_id": account.workspace_id,
                        "network": account.network,
                        "published_at": published[rows],
                        "quality": quality[rows] * rng.uniform(0.75, 1.3, len(rows)),
                        "rate_factor": rate[rows],
                        "followers": account.followers,
                    }
                )
            )
        post_offset += n
    posts = pd.concat(post_frames) if post_frames else pd.DataFrame()
    targets = pd.concat(target_frames, ignore_index=True) if target_frames else pd.DataFrame()
    snapshots = _snapshots(rng, targets, now) if len(targets) else pd.DataFrame()
    daily = _daily(rng, accounts, start, end, now)
    return {"posts": posts, "targets": targets, "snapshots": snapshots, "daily": daily}


def _snapshots(rng, targets: pd.DataFrame, now: dt.datetime) -> pd.DataFrame:
    n = len(targets)
    impressions = targets["followers"].to_numpy() * 0.45 * targets["quality"].to_numpy() + rng.integers(20, 120, n)
    engagement_rate = 0.028 * targets["rate_factor"].to_numpy() * targets["quality"].to_numpy() ** 0.35
    engagements = impressions * engagement_rate
    published = targets["published_at"].to_numpy()
    now64 = np.datetime64(pd.Timestamp(now).tz_convert("UTC").tz_localize(None), "ns")
    published_naive = pd.DatetimeIndex(published).tz_convert("UTC").tz_localize(None).to_numpy()
    frames = []
    for offset in PULL_OFFSETS:
        captured = published_naive + np.timedelta64(int(offset.total_seconds()), "s")
        taken = captured <= now64
        if not taken.any():
            continue
        idx = np.flatnonzero(taken)
        jitter = rng.integers(0, 600, len(idx)).astype("timedelta64[s]")
        hours_since = offset.total_seconds() / 3600
        f = _growth(np.full(len(idx), hours_since)) * rng.uniform(0.95, 1.0, len(idx))
        frame = {"target_key": idx, "captured_at": captured[idx] + jitter}
        frame["impressions"] = np.round(impressions[idx] * f)
        frame["reach"] = np.round(impressions[idx] * f * 0.72)
        for name, share in SPLIT.items():
            frame[name] = np.round(engagements[idx] * share * f * rng.uniform(0.8, 1.2, len(idx)))
        # views: a share of the people reached (videos only on most networks: see REPORTS)
        frame["video_views"] = np.round(impressions[idx] * f * rng.uniform(0.35, 0.7, len(idx)))
        frames.append(pd.DataFrame(frame))
    snapshots = pd.concat(frames, ignore_index=True)
    # Networks that do not report a figure leave it None.
    networks = targets["network"].to_numpy()[snapshots["target_key"].to_numpy()]
    for name in METRICS:
        reported = np.isin(networks, [net for net, names in REPORTS.items() if name in names])
        snapshots.loc[~reported, name] = np.nan
    snapshots["captured_at"] = pd.to_datetime(snapshots["captured_at"]).dt.tz_localize("UTC")
    return snapshots.sort_values(["target_key", "captured_at"], ignore_index=True)


def _daily(rng, accounts: list[AccountSpec], start: dt.date, end: dt.date, now: dt.datetime) -> pd.DataFrame:
    """One row per account and day: followers growing with noise and occasional bumps."""
    dates = pd.date_range(start, min(end, now.date()), freq="D")
    frames = []
    for account in accounts:
        n = len(dates)
        trend = rng.normal(account.followers * 0.0012, account.followers * 0.0009, n)
        bumps = rng.random(n) < 0.04
        trend[bumps] += account.followers * rng.uniform(0.005, 0.02, int(bumps.sum()))
        followers = np.maximum(0, account.followers + np.cumsum(trend) - trend.sum()).round()
        frames.append(
            pd.DataFrame(
                {
                    "account_id": account.id,
                    "date": dates.date,
                    "followers": followers,
                    "following": np.full(n, 180 + account.id % 50),
                    "posts_count": np.arange(n) + 100,
                }
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def latest_of(snapshots: pd.DataFrame) -> pd.DataFrame:
    """The newest snapshot per target (snapshots are sorted by target and time)."""
    return snapshots.drop_duplicates("target_key", keep="last")


def engagements_column(frame: pd.DataFrame) -> pd.Series:
    parts = frame[["likes", "comments", "shares", "saves", "clicks"]]
    return parts.sum(axis=1, min_count=1)


def post_text(brand_name: str, text_index: int, topic_index: int) -> str:
    text = TEXTS[text_index].format(brand=brand_name, topic=TOPICS[topic_index])
    return text[:1].upper() + text[1:]
