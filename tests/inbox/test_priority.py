"""Priority: VADER sentiment, keywords, reach, waiting time; reasons in plain words."""

from __future__ import annotations

import datetime as dt

import pytest

from inbox import priority
from inbox.ingest import ingest
from inbox.models import InboxItem, InboxKeyword
from inbox.tasks import rescore_open_items
from tests.inbox.conftest import network_item

NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


def score(text="", *, followers=None, kind="mention", hours=0, answered=False, keywords=()):
    return priority.score(
        text=text,
        compound=priority.sentiment(text),
        keywords=[priority.Keyword(word, weight) for word, weight in keywords],
        followers=followers,
        kind=kind,
        created_at=NOW - dt.timedelta(hours=hours),
        answered=answered,
        now=NOW,
    )


@pytest.mark.parametrize(
    "text,label",
    [
        ("This is the worst coffee I have ever had. Terrible service, I am furious.", "negative"),
        ("I absolutely love this place, the baristas are wonderful!", "positive"),
        ("The shop opens at 9.", "neutral"),
        ("", "neutral"),
    ],
)
def test_sentiment_on_clear_cases(text, label):
    compound = priority.sentiment(text)
    actual = "negative" if compound < -0.05 else "positive" if compound > 0.05 else "neutral"
    assert actual == label


def test_an_angry_message_outranks_a_happy_one_and_says_why():
    angry = score("Terrible, my order is broken and nobody answers. Awful.")
    happy = score("Lovely coffee, thank you!")

    assert angry.total > happy.total
    assert angry.reasons[0].startswith("negative sentiment (-0.")
    assert happy.reasons == []


def test_keywords_match_whole_words_case_insensitively():
    result = score("REFUND please.", keywords=[("refund", 25), ("lawsuit", 40)])
    assert "keyword: refund" in result.reasons
    assert "keyword: lawsuit" not in result.reasons
    assert "keyword: refund" not in score("refunded already", keywords=[("refund", 25)]).reasons


def test_reach_tiers_are_shown_in_compact_numbers():
    assert score("hi", followers=12_400).reasons == ["author has 12k followers"]
    assert score("hi", followers=1_250_000).reasons == ["author has 1.2M followers"]
    assert score("hi", followers=200).reasons == []
    assert score("hi", followers=12_400).total > score("hi", followers=1_500).total


def test_waiting_time_counts_until_answered():
    assert "unanswered for 5 h" in score("hi", hours=5).reasons
    assert score("hi", hours=5).total == 10
    assert score("hi", hours=5, answered=True).reasons == []
    assert "unanswered for 3 days" in score("hi", hours=80).reasons
    assert score("hi", hours=500).total == priority.WAIT_POINTS_MAX


def test_score_is_capped_at_100():
    result = score(
        "Terrible, awful, broken, I hate this. Lawsuit!",
        followers=500_000,
        kind="dm",
        hours=48,
        keywords=[("lawsuit", 60), ("broken", 40)],
    )
    assert result.total == 100
    assert "direct message" in result.reasons


@pytest.mark.django_db
def test_ingestion_scores_with_the_workspace_keywords_and_rescoring_adds_waiting_time(shop):
    InboxKeyword.objects.create(workspace=shop["ws"], word="Refund", weight=30)
    ingest(shop["account"], [network_item("1", text="I want a refund", minutes_ago=10)])
    item = InboxItem.objects.get()
    assert item.priority_reasons == [{"points": 30, "reason": "keyword: refund"}]

    InboxItem.objects.filter(pk=item.pk).update(created_at=item.created_at - dt.timedelta(hours=6))
    rescore_open_items()

    item.refresh_from_db()
    assert item.priority_reasons == [
        {"points": 30, "reason": "keyword: refund"},
        {"points": 12, "reason": "unanswered for 6 h"},
    ]
    assert item.priority == 30 + 12
