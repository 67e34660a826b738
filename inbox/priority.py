"""How urgent an inbox item is: a 0-100 score and the reasons for it, in plain words.

Points come from negative sentiment (VADER), the workspace's keywords, the author's
reach and how long the item has waited without an answer; each reason keeps the points
it added, and ``explain_sentiment`` names the words that moved the sentiment. Pure
functions: the ingestion and the periodic re-scoring call them with what they know.
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


# How many of the words that moved the sentiment are kept (the strongest).
MAX_SENTIMENT_WORDS = 6
EMPHASIS = "! and ? marks"  # VADER adds a little for them; shown as a reason of its own


@dataclass
class Sentiment:
    """A compound score and the words that made it, each with its share of the score."""

    compound: float
    words: list[dict] = field(default_factory=list)  # {"word", "share", "negated"}


def explain_sentiment(text: str) -> Sentiment:
    """VADER's compound score with the words that moved it.

    VADER gives each word a valence (from its lexicon, changed by the words around it:
    "very", "not", "but", capitals), adds them up (plus a little for "!" and "?") and
    squashes the sum into -1..1. Each word's share here is the compound score split in
    proportion to its valence, so the shares add up to the score and keep their signs:
    "“cold” −0.41, “refund” −0.30" reads as what each word did."""
    compound = sentiment(text)
    if not compound:
        return Sentiment(0.0)
    valences, emphasis = _valences(text)
    total = sum(v for _, v, _ in valences)
    if total:
        total += emphasis if total > 0 else -emphasis
    if not total or (total > 0) != (compound > 0):  # (never seen: VADER's own steps differ)
        return Sentiment(compound)
    ratio = compound / total
    merged: dict[tuple[str, bool], float] = {}
    for word, valence, negated in valences:
        if valence:
            merged[(word, negated)] = merged.get((word, negated), 0.0) + valence * ratio
    if emphasis:
        merged[(EMPHASIS, False)] = (emphasis if total > 0 else -emphasis) * ratio
    strongest = sorted(merged.items(), key=lambda entry: -abs(entry[1]))[:MAX_SENTIMENT_WORDS]
    words = [
        {"word": word, "share": round(share, 2), "negated": negated}
        for (word, negated), share in strongest
        if round(share, 2)
    ]
    return Sentiment(compound, words)


def _valences(text: str) -> tuple[list[tuple[str, float, bool]], float]:
    """(word as shown, valence, negated) for each token as VADER scores it, and the
    punctuation's emphasis. Uses the analyzer's own steps so the sum is VADER's sum; an
    emoji is scored through its description and shown as itself."""
    from vaderSentiment.vaderSentiment import BOOSTER_DICT, SentiText

    analyzer = _analyzer()
    described, emoji_of = [], {}
    for char in text:
        description = analyzer.emojis.get(char)
        if description is None:
            described.append(char)
            continue
        described.append(f" {description} ")
        for word in description.lower().split():
            emoji_of.setdefault(word, char)
    plain = "".join(described)
    # polarity_scores puts one space around a description; spacing does not change tokens
    sentitext = SentiText(" ".join(plain.split()))
    tokens = sentitext.words_and_emoticons
    scores: list[float] = []
    for index, token in enumerate(tokens):
        lower = token.lower()
        if lower in BOOSTER_DICT or (lower == "kind" and index + 1 < len(tokens) and tokens[index + 1].lower() == "of"):
            scores.append(0)
            continue
        scores = analyzer.sentiment_valence(0, sentitext, token, index, scores)
    scores = analyzer._but_check(tokens, scores)
    own_words = {word.lower() for word in re.findall(r"[\w']+", text)}
    out = []
    for token, valence in zip(tokens, scores, strict=True):
        lower = token.lower()
        shown = token if lower in own_words or lower not in emoji_of else emoji_of[lower]
        lexicon = analyzer.lexicon.get(lower, 0)
        negated = bool(valence and lexicon and (valence > 0) != (lexicon > 0))
        out.append((shown, float(valence), negated))
    return out, analyzer._punctuation_emphasis(text)


@dataclass
class Keyword:
    word: str
    weight: int = 25


@dataclass
class Score:
    total: int
    reasons: list[str] = field(default_factory=list)
    points: list[int] = field(default_factory=list)  # what each reason added, in order

    @property
    def factors(self) -> list[dict]:
        """What is stored on the item (``priority_reasons``): each reason and its points."""
        return [{"points": p, "reason": r} for p, r in zip(self.points, self.reasons, strict=True)]


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
    parts: list[tuple[int, str]] = []
    if compound < NEGATIVE_BELOW:
        parts.append((max(1, round(-compound * SENTIMENT_POINTS)), f"negative sentiment ({compound:.2f})"))
    for keyword in matched_keywords(text, keywords):
        parts.append((keyword.weight, f"keyword: {keyword.word}"))
    if followers:
        for threshold, tier_points in REACH_TIERS:
            if followers >= threshold:
                parts.append((tier_points, f"author has {compact_number(followers)} followers"))
                break
    if kind == "dm":
        parts.append((DM_POINTS, "direct message"))
    if not answered:
        age = (now - created_at).total_seconds()
        if age >= 3600:
            parts.append(
                (min(WAIT_POINTS_MAX, int(age // 3600) * WAIT_POINTS_PER_HOUR), f"unanswered for {waited(age)}")
            )
    points = sum(p for p, _ in parts)
    return Score(total=max(0, min(MAX_SCORE, points)), reasons=[r for _, r in parts], points=[p for p, _ in parts])
