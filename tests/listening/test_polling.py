"""Polled listening sources: Mastodon hashtag timelines and search (with the account's token,
a cursor per instance and tag, own-posts-only search detected and said), X recent search
only with the workspace's capability flag; each through the matcher into mentions, once."""

from __future__ import annotations

import datetime as dt

import pytest
import responses
from django.core.cache import cache

from listening import polling
from listening.models import ListeningSettings, Mention, MentionBucket, Monitor, PollCursor
from smm.platforms.x_search import query_for

pytestmark = pytest.mark.django_db

SERVER = "https://social.example"
NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _no_lock():
    cache.delete(polling.LOCK)


@pytest.fixture
def world(make_workspace, make_member, make_brand, make_account):
    ws = make_workspace("Acme")
    owner = make_member(ws, "owner", username="olive")
    brand = make_brand(ws, "Acme Coffee")
    account = make_account(
        brand, handle="@acme@social.example", base_url=SERVER, credentials={"access_token": "tok-acme"}
    )
    monitor = Monitor.objects.create(
        workspace=ws,
        brand=brand,
        name="Acme",
        terms=["acme"],
        phrases=["cold brew"],
        hashtags=["AcmeCoffee"],
        exclusions=["giveaway"],
    )
    return {"ws": ws, "owner": owner, "brand": brand, "account": account, "monitor": monitor}


def status(n, text, *, acct="maya@other.example", minutes_ago=5, followers=120, lang="en"):
    return {
        "id": str(n),
        "uri": f"https://other.example/users/maya/statuses/{n}",
        "url": f"https://other.example/@maya/{n}",
        "created_at": (NOW - dt.timedelta(minutes=minutes_ago)).isoformat().replace("+00:00", "Z"),
        "language": lang,
        "content": f"<p>{text}</p>",
        "account": {
            "id": "9",
            "acct": acct,
            "url": f"https://other.example/@{acct.split('@')[0]}",
            "followers_count": followers,
        },
        "favourites_count": 1,
        "reblogs_count": 0,
        "replies_count": 0,
    }


TAG_URL = f"{SERVER}/api/v1/timelines/tag/acmecoffee"
SEARCH_URL = f"{SERVER}/api/v2/search"


@responses.activate
def test_hashtag_timeline_and_search_become_mentions_once_with_the_accounts_token(world):
    # given: the tag timeline has two posts (one excluded), search finds the first again and another
    responses.get(
        TAG_URL,
        json=[status(102, "Giveaway! #AcmeCoffee"), status(101, "Morning with #AcmeCoffee, lovely")],
    )
    responses.get(
        SEARCH_URL,
        json={"accounts": [], "hashtags": [], "statuses": [status(101, "Morning with #AcmeCoffee, lovely")]},
        match=[responses.matchers.query_param_matcher({"q": "acme", "type": "statuses", "limit": "40"})],
    )
    responses.get(
        SEARCH_URL,
        json={"accounts": [], "hashtags": [], "statuses": [status(103, "The cold-brew here is awful")]},
        match=[responses.matchers.query_param_matcher({"q": "cold brew", "type": "statuses", "limit": "40"})],
    )

    # when
    assert polling.poll_all(NOW) == {"mastodon": 2, "x": 0}

    # then: two mentions (the excluded giveaway left out; the post read twice stored once, by its URI)
    mentions = {m.remote_id: m for m in Mention.objects.all()}
    assert set(mentions) == {
        "https://other.example/users/maya/statuses/101",
        "https://other.example/users/maya/statuses/103",
    }
    morning = mentions["https://other.example/users/maya/statuses/101"]
    assert morning.source == "mastodon" and morning.author_handle == "maya@other.example"
    assert morning.author_followers == 120 and morning.sentiment > 0 and morning.matched == ["#acmecoffee"]
    assert morning.seen_at == NOW - dt.timedelta(minutes=5)
    assert mentions["https://other.example/users/maya/statuses/103"].sentiment < 0
    # every request carried the account's own token
    assert {c.request.headers["Authorization"] for c in responses.calls} == {"Bearer tok-acme"}
    # the cursors: the newest id per instance and tag / query; search reads full text here
    cursors = {(c.kind, c.key): c for c in PollCursor.objects.all()}
    assert cursors[("tag", "acmecoffee")].cursor == "102"
    assert cursors[("search", "acme")].state == "ok"
    # and the mentions are counted in their buckets for the spike check
    assert sum(MentionBucket.objects.filter(minutes=10).values_list("total", flat=True)) == 2


@responses.activate
def test_the_next_poll_asks_only_for_what_is_newer(world):
    responses.get(TAG_URL, json=[status(101, "#acmecoffee one")])
    responses.get(SEARCH_URL, json={"statuses": []})
    polling.poll_all(NOW)
    responses.calls.reset()
    responses.replace(responses.GET, TAG_URL, json=[status(105, "#acmecoffee two")])
    polling.poll_all(NOW + dt.timedelta(minutes=1))
    tag_calls = [c for c in responses.calls if "/timelines/tag/" in c.request.url]
    assert "min_id=101" in tag_calls[0].request.url
    assert Mention.objects.count() == 2


@responses.activate
def test_a_server_without_full_text_search_is_said_on_the_monitor_page(world, client):
    # given: search answers with the account's own posts only (no Elasticsearch)
    responses.get(TAG_URL, json=[])
    mine = status(7, "acme news from us", acct="acme")
    responses.get(SEARCH_URL, json={"statuses": [mine]})

    polling.poll_all(NOW)

    cursor = PollCursor.objects.get(kind="search", key="acme")
    assert cursor.state == "own_only"
    client.force_login(world["owner"])
    page = client.get(f"/w/{world['ws'].slug}/listening/monitors/{world['monitor'].pk}/").content.decode()
    assert "searches only your own posts" in page and "social.example" in page
    # and it is asked again only after an hour
    responses.calls.reset()
    polling.poll_all(NOW + dt.timedelta(minutes=5))
    assert not [c for c in responses.calls if "/api/v2/search" in c.request.url]
    polling.poll_all(NOW + dt.timedelta(minutes=61))
    assert [c for c in responses.calls if "/api/v2/search" in c.request.url]


@responses.activate
def test_a_rate_limit_is_noted_and_the_poll_goes_on(world):
    reset = (NOW + dt.timedelta(minutes=3)).isoformat().replace("+00:00", "Z")
    responses.get(TAG_URL, status=429, json={"error": "Too many requests"}, headers={"X-RateLimit-Reset": reset})
    responses.get(SEARCH_URL, json={"statuses": [status(103, "acme is fine")]})
    polling.poll_all(NOW)
    tag = PollCursor.objects.get(kind="tag")
    assert tag.state == "failed" and "slow down" in tag.note and tag.cursor == ""
    assert Mention.objects.count() == 1


@responses.activate
def test_a_refused_token_marks_the_account_for_reconnection(world):
    responses.get(TAG_URL, status=401, json={"error": "The access token is invalid"})
    polling.poll_all(NOW)
    world["account"].refresh_from_db()
    assert world["account"].status == "needs_reconnect"


@responses.activate
def test_without_a_mastodon_account_nothing_is_asked_and_the_page_says_why(world, client):
    world["account"].delete()
    assert polling.poll_all(NOW) == {"mastodon": 0, "x": 0}
    assert len(responses.calls) == 0
    client.force_login(world["owner"])
    page = client.get(f"/w/{world['ws'].slug}/listening/").content.decode()
    assert "Mastodon is not read: connect a Mastodon account" in page


# --- X -------------------------------------------------------------------------------------------

X_URL = "https://api.x.com/2/tweets/search/recent"


def test_a_monitor_becomes_an_x_query():
    query, left_out = query_for(["acme", "cold brew"], ["AcmeCoffee"], ["@acme"], ["giveaway"], ["en", "de"])
    assert (
        query == '(acme OR "cold brew" OR #AcmeCoffee OR @acme OR from:acme) -giveaway (lang:en OR lang:de) -is:retweet'
    )
    assert left_out == []
    long_terms = [f"term{n:03d}xxxxxxxxxxxxxxxxxxxx" for n in range(40)]
    query, left_out = query_for(long_terms, [], [], [], [])
    assert len(query) <= 512 and left_out and left_out[-1] == long_terms[-1]


@pytest.fixture
def x_world(world, make_account):
    x = make_account(
        world["brand"], network="x", handle="@acme", credentials={"access_token": "x-token", "refresh_token": "r"}
    )
    world["account"].delete()  # X only, in these tests
    return {**world, "x": x}


def x_answer(*ids, newest=None):
    return {
        "data": [
            {
                "id": i,
                "text": f"acme post {i}, love it",
                "lang": "en",
                "author_id": "u1",
                "created_at": "2026-12-07T11:58:00.000Z",
            }
            for i in ids
        ],
        "includes": {"users": [{"id": "u1", "username": "maya", "public_metrics": {"followers_count": 3400}}]},
        "meta": {"newest_id": newest or (ids[0] if ids else None), "result_count": len(ids)},
    }


@responses.activate
def test_x_is_not_searched_without_the_capability_and_the_page_says_why(x_world, client):
    assert polling.poll_all(NOW) == {"mastodon": 0, "x": 0}
    assert len(responses.calls) == 0
    client.force_login(x_world["owner"])
    page = client.get(f"/w/{x_world['ws'].slug}/listening/").content.decode()
    assert "X is not searched" in page and "billed per post read" in page


@responses.activate
def test_x_recent_search_with_the_capability_reads_mentions_and_polls_from_the_newest(x_world, client):
    ListeningSettings.objects.create(workspace=x_world["ws"], x_recent_search=True)
    responses.get(X_URL, json=x_answer("1002", "1001"))
    polling.poll_all(NOW)
    first = responses.calls[0].request
    assert first.headers["Authorization"] == "Bearer x-token"
    assert "since_id" not in first.url and "max_results=100" in first.url
    assert "query=%28acme+OR+%22cold+brew%22+OR+%23AcmeCoffee%29+-giveaway+-is%3Aretweet" in first.url
    mentions = list(Mention.objects.order_by("remote_id"))
    assert [m.remote_id for m in mentions] == ["1001", "1002"]
    assert mentions[0].source == "x" and mentions[0].author_followers == 3400
    assert mentions[0].url == "https://x.com/maya/status/1001"

    responses.replace(responses.GET, X_URL, json={"meta": {"result_count": 0}})
    polling.poll_all(NOW + dt.timedelta(minutes=1))
    assert "since_id=1002" in responses.calls[-1].request.url
    client.force_login(x_world["owner"])
    page = client.get(f"/w/{x_world['ws'].slug}/listening/monitors/{x_world['monitor'].pk}/").content.decode()
    assert "X is not searched" not in page and "-giveaway" in page


@responses.activate
def test_x_refusing_the_search_is_said_and_nothing_breaks(x_world):
    ListeningSettings.objects.create(workspace=x_world["ws"], x_recent_search=True)
    responses.get(
        X_URL,
        status=402,
        json={"title": "Payment Required", "detail": "Your account has no credits", "type": "about:blank"},
    )
    polling.poll_all(NOW)
    cursor = PollCursor.objects.get(kind="x_search")
    assert cursor.state == "refused" and cursor.note
    assert Mention.objects.count() == 0


@responses.activate
def test_x_rate_limit_waits_for_the_next_poll(x_world):
    ListeningSettings.objects.create(workspace=x_world["ws"], x_recent_search=True)
    responses.get(X_URL, status=429, json={"title": "Too Many Requests"}, headers={"x-rate-limit-reset": "1765108800"})
    polling.poll_all(NOW)
    assert PollCursor.objects.get(kind="x_search").state == "failed"


def test_the_x_capability_is_a_workspace_setting_managers_turn_on(world, client, make_member):
    url = f"/w/{world['ws'].slug}/listening/settings/"
    editor = make_member(world["ws"], "editor", username="eddie")
    client.force_login(editor)
    assert client.post(url, {"x_recent_search": "on"}).status_code == 403
    client.force_login(world["owner"])
    assert "X bills each post read" in client.get(url).content.decode()
    client.post(url, {"x_recent_search": "on"})
    assert ListeningSettings.of(world["ws"]).x_recent_search
    client.post(url, {})
    assert not ListeningSettings.of(world["ws"]).x_recent_search
