"""The inbox explains its order: each priority factor with the points it added and the
total, and the sentiment as a label with the words that moved it, not just "-0.42"."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from vaderSentiment.vaderSentiment import normalize

from inbox import priority
from inbox.actions import rescore
from inbox.models import InboxItem, InboxKeyword
from tests.inbox.conftest import network_item

pytestmark = pytest.mark.django_db


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self.skip -= tag in ("script", "style")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The page's text as a person reads it: no markup, one space between words."""
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


ANGRY = "My coffee arrived cold and I want a refund. Terrible service!"


# --- the sentiment's words ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        ANGRY,
        "I absolutely love this place, the baristas are wonderful!",
        "The food was great but the service was awful",
        "not good at all",
        "I HATE waiting 😡 so SO bad!!!",
        "Kind of nice, I guess? 😍",
        "The shop opens at 9.",
    ],
)
def test_the_words_share_out_vaders_own_score(text):
    # given VADER's compound score of a text
    expected = priority.sentiment(text)
    # when it is explained
    felt = priority.explain_sentiment(text)
    # then the score is VADER's, its valences add up to it through VADER's own squash,
    # and the words' shares add up to the score, each with the sign of what it did
    assert felt.compound == expected
    valences, emphasis = priority._valences(text)
    total = sum(v for _, v, _ in valences)
    if total:
        total += emphasis if total > 0 else -emphasis
    assert normalize(total) == pytest.approx(expected, abs=1e-4)
    if len(felt.words) < priority.MAX_SENTIMENT_WORDS:
        assert sum(w["share"] for w in felt.words) == pytest.approx(expected, abs=0.02 * (1 + len(felt.words)))


def test_an_angry_message_names_its_angry_words():
    felt = priority.explain_sentiment("This mug broke, I am thinking of a lawsuit now.")
    words = {w["word"]: w["share"] for w in felt.words}
    assert felt.compound < -0.05
    assert words["broke"] < 0 and words["lawsuit"] < 0
    assert abs(words["broke"]) > abs(words["lawsuit"])  # listed strongest first
    assert [w["word"] for w in felt.words][0] == "broke"


def test_a_negated_word_says_so_and_an_emoji_shows_as_itself():
    negated = priority.explain_sentiment("The coffee was not good")
    assert negated.words == [{"word": "good", "share": round(negated.compound, 2), "negated": True}]
    assert negated.compound < 0
    happy = priority.explain_sentiment("See you tomorrow 😍")
    assert [w["word"] for w in happy.words] == ["😍"] and happy.words[0]["share"] > 0


def test_neutral_text_has_no_words():
    assert priority.explain_sentiment("The shop opens at 9.").words == []
    assert priority.explain_sentiment("").words == []


# --- the item page -----------------------------------------------------------------------


@pytest.fixture
def angry_item(shop, add_items):
    InboxKeyword.objects.create(workspace=shop["ws"], word="refund", weight=25)
    (item,) = add_items(shop["account"], network_item(text=ANGRY, minutes_ago=5 * 60 + 10, author_followers=12_400))
    return item


def test_the_team_reads_what_each_factor_added_and_the_total(client, shop, angry_item):
    client.force_login(shop["owner"])
    page = client.get(angry_item.get_absolute_url())
    text = visible_text(page.content.decode())
    sentiment_points = round(-angry_item.sentiment * priority.SENTIMENT_POINTS)
    minus = f"−{abs(angry_item.sentiment):.2f}"

    # each factor with its points
    assert f"+{sentiment_points} negative sentiment" in text
    assert "+25 keyword: refund" in text
    assert "+20 author has 12k followers" in text
    assert "+10 unanswered for 5 h" in text
    # and what they make
    assert angry_item.priority == sentiment_points + 25 + 20 + 10
    assert f"Why priority {angry_item.priority}" in text
    assert f"= {angry_item.priority} of 100" in text
    # the sentiment: a label, the score, and the words that moved it
    assert f"Sentiment: Negative {minus}" in text
    words = {w["word"]: w for w in angry_item.sentiment_words}
    assert words["Terrible"]["share"] < 0
    assert f"“Terrible” −{abs(words['Terrible']['share']):.2f}" in text


def test_a_capped_score_says_what_the_factors_added_up_to(client, shop, add_items):
    InboxKeyword.objects.create(workspace=shop["ws"], word="lawsuit", weight=60)
    InboxKeyword.objects.create(workspace=shop["ws"], word="broken", weight=40)
    (item,) = add_items(shop["account"], network_item(text="Broken and awful. Lawsuit!", kind="dm"))
    client.force_login(shop["owner"])
    text = visible_text(client.get(item.get_absolute_url()).content.decode())
    assert item.priority == 100
    assert f"the factors add up to {item.priority_sum}; the score stops at 100" in text
    assert item.priority_sum > 100


def test_the_list_shows_the_points_and_the_sentiment_words(client, shop, angry_item):
    client.force_login(shop["owner"])
    body = client.get(reverse("inbox:list", kwargs={"ws": shop["ws"].slug})).content.decode()
    text = visible_text(body)
    assert "+25 keyword: refund" in text
    assert f"Negative −{abs(angry_item.sentiment):.2f}: “Terrible”" in text


def test_a_client_sees_the_sentiment_words_but_no_priority_reasons(client, shop, angry_item, make_member):
    client_user = make_member(shop["ws"], "client", username="cora")
    client.force_login(client_user)
    for url in (angry_item.get_absolute_url(), reverse("inbox:list", kwargs={"ws": shop["ws"].slug})):
        body = client.get(url).content.decode()
        text = visible_text(body)
        # the sentiment is not the team's: shown as the sentiment figure is (API, list colour)
        assert "“Terrible”" in text
        # the priority and its factors are
        assert "keyword: refund" not in body and "Why priority" not in body
        assert "12k followers" not in body and "unanswered for" not in body
        assert 'class="prio"' not in body and 'class="chip"' not in body


def test_an_item_scored_before_the_words_were_kept_is_explained_and_backfilled(client, shop, angry_item):
    # given an item stored before this change: reasons without points, no sentiment words
    InboxItem.objects.filter(pk=angry_item.pk).update(
        sentiment_words=None, priority_reasons=["negative sentiment (-0.61)", "keyword: refund"]
    )
    client.force_login(shop["owner"])
    # the page still explains it (the words worked out on the spot, the old reasons as they are)
    text = visible_text(client.get(angry_item.get_absolute_url()).content.decode())
    assert "“Terrible” −" in text and "keyword: refund" in text
    # when the re-score runs, the words and points are stored
    rescore(InboxItem.objects.filter(pk=angry_item.pk), now=angry_item.created_at + dt.timedelta(hours=5, minutes=1))
    angry_item.refresh_from_db()
    assert any(w["word"] == "Terrible" for w in angry_item.sentiment_words)
    assert {"points": 25, "reason": "keyword: refund"} in angry_item.priority_reasons
    assert {"points": 10, "reason": "unanswered for 5 h"} in angry_item.priority_reasons
