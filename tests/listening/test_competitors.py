"""Competitors: a daily snapshot of each public account (Bluesky from the AppView here; the
Mastodon path runs against the sandbox in test_sandbox_polling), the page comparing them
with the brand's own accounts over time, following and unfollowing, tenancy; and the
weekly report's listening section."""

from __future__ import annotations

import datetime as dt

import pytest
import responses
from django.core import mail
from django.utils import timezone

from analytics.models import AccountDailySnapshot, ReportSubscription
from analytics.reports import build_report, send_weekly_report
from listening import competitors, store
from listening.models import Competitor, CompetitorSnapshot, Mention, Monitor, SpikeAlert

pytestmark = pytest.mark.django_db

APPVIEW = "https://public.api.bsky.app/xrpc"


@pytest.fixture
def world(make_workspace, make_member, make_brand, make_account):
    ws = make_workspace("Acme")
    owner = make_member(ws, "owner", username="olive", email="olive@example.com")
    brand = make_brand(ws, "Acme Coffee")
    own = make_account(brand, network="bluesky", handle="@acme.bsky.social")
    rival = Competitor.objects.create(
        workspace=ws, brand=brand, name="Bean Co", network="bluesky", handle="beanco.bsky.social"
    )
    return {"ws": ws, "owner": owner, "brand": brand, "own": own, "rival": rival}


def feed_item(days_ago, likes, reposts, replies, *, reason=None):
    created = (timezone.now() - dt.timedelta(days=days_ago)).isoformat()
    item = {
        "post": {
            "uri": f"at://did:plc:bean/app.bsky.feed.post/{days_ago}",
            "record": {"text": "news", "createdAt": created},
            "likeCount": likes,
            "repostCount": reposts,
            "replyCount": replies,
        }
    }
    if reason:
        item["reason"] = reason
    return item


@responses.activate
def test_a_bluesky_competitor_snapshot(world):
    responses.get(
        f"{APPVIEW}/app.bsky.actor.getProfile",
        json={"did": "did:plc:bean", "handle": "beanco.bsky.social", "followersCount": 5100, "postsCount": 812},
    )
    responses.get(
        f"{APPVIEW}/app.bsky.feed.getAuthorFeed",
        json={
            "feed": [
                feed_item(1, 20, 4, 2),
                feed_item(3, 6, 1, 1),
                feed_item(4, 500, 90, 9, reason={"$type": "app.bsky.feed.defs#reasonRepost"}),  # not theirs
                feed_item(12, 10, 0, 0),
            ]
        },
    )
    snap = competitors.snapshot(world["rival"])
    assert (snap.followers, snap.posts_count, snap.posts_7d, snap.posts_read) == (5100, 812, 2, 3)
    assert snap.avg_engagement == round((26 + 8 + 10) / 3, 2)
    assert "filter=posts_no_replies" in responses.calls[1].request.url
    # a second snapshot the same day rewrites the day's row
    competitors.snapshot(world["rival"])
    assert CompetitorSnapshot.objects.count() == 1


@responses.activate
def test_a_failing_competitor_is_noted_and_the_others_go_on(world):
    Competitor.objects.create(
        workspace=world["ws"], brand=world["brand"], name="Gone", network="bluesky", handle="gone.bsky.social"
    )
    responses.get(
        f"{APPVIEW}/app.bsky.actor.getProfile",
        status=400,
        json={"error": "InvalidRequest", "message": "Profile not found"},
        match=[responses.matchers.query_param_matcher({"actor": "gone.bsky.social"})],
    )
    responses.get(f"{APPVIEW}/app.bsky.actor.getProfile", json={"did": "did:plc:bean", "followersCount": 9})
    responses.get(f"{APPVIEW}/app.bsky.feed.getAuthorFeed", json={"feed": []})
    assert competitors.snapshot_all() == {"done": 1, "failed": 1}
    assert "Profile not found" in Competitor.objects.get(name="Gone").last_error


def test_the_page_compares_the_brand_with_its_competitors_over_time(world, client):
    today = timezone.now().date()
    for days, followers in ((10, 900), (3, 950), (0, 1000)):
        AccountDailySnapshot.objects.create(
            account=world["own"],
            date=today - dt.timedelta(days=days),
            captured_at=timezone.now(),
            followers=followers,
            posts_count=100 + (10 - days),
        )
        CompetitorSnapshot.objects.create(
            competitor=world["rival"],
            date=today - dt.timedelta(days=days),
            followers=followers * 5,
            posts_count=800,
            posts_7d=12,
            avg_engagement=7.5,
        )
    client.force_login(world["owner"])
    page = client.get(f"/w/{world['ws'].slug}/listening/competitors/").content.decode()
    assert "Acme Coffee" in page and "Bean Co" in page
    assert "5,000" in page and "1,000" in page  # latest followers of each
    assert "7.5" in page and "12" in page
    assert "Followers of Bean Co over 30 days" in page
    assert "Instagram competitors (business discovery) are not read" in page


def test_following_and_unfollowing_a_competitor(world, client, make_workspace, make_member):
    client.force_login(world["owner"])
    base = f"/w/{world['ws'].slug}/listening/competitors/"
    refused = client.post(
        f"{base}add/", {"brand": world["brand"].pk, "name": "X", "network": "mastodon", "handle": "nodomain"}
    )
    assert refused.status_code == 422 and "name@server" in refused.content.decode()
    client.post(
        f"{base}add/",
        {"brand": world["brand"].pk, "name": "Roast & Co", "network": "mastodon", "handle": "@Roast@Mastodon.social"},
    )
    added = Competitor.objects.get(name="Roast & Co")
    assert added.handle == "roast@mastodon.social" and added.workspace == world["ws"]
    # another workspace's member cannot remove it
    other = make_workspace("Other")
    stranger = make_member(other, "owner", username="stranger")
    client.force_login(stranger)
    assert client.post(f"/w/{other.slug}/listening/competitors/remove/", {"competitor": added.pk}).status_code == 404
    client.force_login(world["owner"])
    client.post(f"{base}remove/", {"competitor": added.pk})
    assert not Competitor.objects.filter(pk=added.pk).exists()


# --- the weekly report ---------------------------------------------------------------------------


def test_the_weekly_report_has_a_listening_section(world):
    monday = dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC)
    ws, brand = world["ws"], world["brand"]
    own = Monitor.objects.create(workspace=ws, brand=brand, name="Acme", terms=["acme"])
    rival = Monitor.objects.create(workspace=ws, brand=brand, name="Bean Co", kind="competitor", terms=["beanco"])
    inside = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)  # within last week (Mon 30 Nov - Sun 6 Dec)
    rows = []
    for n, (monitor, sentiment) in enumerate([(own, 0.8), (own, 0.7), (own, -0.6), (rival, 0.1)]):
        rows.append(
            Mention(
                workspace=ws,
                monitor=monitor,
                source="bluesky",
                remote_id=f"at://x/{n}",
                text="t",
                created_at=inside,
                seen_at=inside,
                sentiment=sentiment,
            )
        )
    store.save(rows)
    SpikeAlert.objects.create(
        workspace=ws,
        monitor=own,
        series="negative",
        window_minutes=10,
        bucket_start=inside,
        count=9,
        baseline_mean=1,
        baseline_stddev=1,
        threshold=4,
    )
    subscription = ReportSubscription.objects.create(workspace=ws, user=world["owner"])

    section = build_report(subscription, monday)["listening"]
    row = section["rows"][0]
    assert (row["brand"], row["volume"], row["share_of_voice"]) == ("Acme Coffee", 3, 0.75)
    assert round(row["net_sentiment"], 3) == round(1 / 3, 3)
    assert "Negative volume spike on “Acme”: 9 in 10 min" in row["alerts"][0]["label"]

    assert send_weekly_report(subscription.pk, monday) == "sent"
    text = mail.outbox[0].body
    assert "Listening" in text and "Acme Coffee: 3 mentions, net sentiment 33 %, share of voice 75 %" in text
    assert "/listening/alerts/" in text
    html = mail.outbox[0].alternatives[0][0]
    assert 'data-section="listening"' in html


def test_no_listening_section_without_monitors(world):
    subscription = ReportSubscription.objects.create(workspace=world["ws"], user=world["owner"])
    assert build_report(subscription, dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC))["listening"] is None
