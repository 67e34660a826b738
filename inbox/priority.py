"""How urgent an inbox item is: a 0-100 score and the reasons for it, in plain words.

Points come from negative sentiment (VADER), the workspace's keywords, the author's
reach and how long the item has waited without an answer. Pure functions: the
ingestion and the periodic re-scoring call ``score`` with what they know.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cache

MAX_SCORE = 100
# Compound score -1 gives this many points; -0.05 (VADER's "negative" line) a couple.
SENTIMENT_POINTS = 50
NEGATIVE_BELOW = -0.05
# Followers -> points: the biggest matching tier wins.
REACH_TIERS = ((100_000, 30), (10_000, 20), (1_000, 10))
# Two points per hour unanswered, from the first hour, up to 30.
WAIT_POINTS_PER_HOUR = 2
WAIT_POINTS_MAX = 30
DM_POINTS = 10


@cache
def _analyzer():
    # Loading the lexicon takes a moment; do it once per process.
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def sentiment(text: str) -> float:
    """VADER's compound score, -1 (very negative) .. 1 (very positive); 0 for no text."""
    if not text or not text.strip():
        return 0.0
    return round(_analyzer().polarity_scores(text)["compound"], 4)


@dataclass
class Keyword:
    word: str
    weight: int = 25


@dataclass
class Score:
    total: int
    reasons: list[str] = field(default_factory=list)


def compact_number(n: int) -> str:
    """12345 -> "12k", 1_250_000 -> "1.2M", 950 -> "950"."""
    if n >= 1_000_000:
        value = f"{n / 1_000_000:.1f}".rstrip("0").rstrip(".")
        return f"{value}M"
    if n >= 1_000:
        return f"{n // 1_000}k"
    return str(n)


def waited(seconds: float) -> str:
    hours = int(seconds // 3600)
    if hours >= 48:
        return f"{hours // 24} days"
    return f"{hours} h"


@cache
def _keyword_pattern(word: str) -> re.Pattern:
    # Whole words only: "refund" matches "Refund!" but not "refunded", which a
    # workspace adds itself if it wants it.
    return re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE)


def matched_keywords(text: str, keywords: list[Keyword]) -> list[Keyword]:
    return [keyword for keyword in keywords if keyword.word and _keyword_pattern(keyword.word).search(text or "")]


def score(
    *,
    text: str,
    compound: float,
    keywords: list[Keyword],
    followers: int | None,
    kind: str,
    created_at: dt.datetime,
    answered: bool,
    now: dt.datetime,
) -> Score:
    points = 0
    reasons: list[str] = []
    if compound < NEGATIVE_BELOW:
        points += max(1, round(-compound * SENTIMENT_POINTS))
        reasons.append(f"negative sentiment ({compound:.2f})")
    for keyword in matched_keywords(text, keywords):
        points += keyword.weight
        reasons.append(f"keyword: {keyword.word}")
    if followers:
        for threshold, tier_points in REACH_TIERS:
            if followers >= threshold:
                points += tier_points
                reasons.append(f"author has {compact_number(followers)} followers")
                break
    if kind == "dm":
        points += DM_POINTS
        reasons.append("direct message")
    if not answered:
        age = (now - created_at).total_seconds()
        if age >= 3600:
            points += min(WAIT_POINTS_MAX, int(age // 3600) * WAIT_POINTS_PER_HOUR)
            reasons.append(f"waiting {waited(age)}")
    return Score(total=max(0, min(MAX_SCORE, points)), reasons=reasons)
