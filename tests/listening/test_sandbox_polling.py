"""The sandbox's hashtag timeline, search and account lookup, read over HTTP by the real
poller and competitor snapshot (the live server): the whole polled path runs here."""

from __future__ import annotations

import datetime as dt
import random

import pytest
import requests
from django.core.cache import cache
from django.utils import timezone

from listening import competitors, polling
from listening.models import Competitor, Mention, Monitor, PollCursor
from sandbox.models import SandboxAccount, SandboxStatus
from sandbox.timelines import hashtag_chatter

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(live_server, settings, make_workspace, make_member, make_brand, make_account):
    settings.ALLOW_PRIVATE_OUTBOUND = True
    cache.delete(polling.LOCK)
    ws = make_workspace("Acme")
    brand = make_brand(ws, "Acme Coffee")
    remote = SandboxAccount.objects.create(username="acmecoffee")
    account = make_account(
        brand,
        handle="@acmecoffee",
        remote_id=str(remote.pk),
        base_url=f"{live_server.url}/sandbox",
        credentials={"access_token": remote.issue_token().token},
    )
    monitor = Monitor.objects.create(
        workspace=ws, brand=brand, name="Acme", terms=["cold brew"], hashtags=["acmecoffee"], exclusions=["giveaway"]
    )
    return {"ws": ws, "brand": brand, "account": account, "monitor": monitor, "live": live_server.url}


def test_the_sandbox_answers_like_mastodon(world):
    maya = SandboxAccount.objects.create(username="maya_brews")
    SandboxStatus.objects.create(account=maya, text="Love #AcmeCoffee today", language="en")
    SandboxStatus.objects.create(account=maya, text="#acmecoffeehouse is another place", language="en")
    SandboxStatus.objects.create(account=maya, text="secret #acmecoffee", visibility=SandboxStatus.Visibility.PRIVATE)
    base = f"{world['live']}/sandbox"
    tag = requests.get(f"{base}/api/v1/timelines/tag/acmecoffee", timeout=10).json()
    assert [s["text"] for s in tag] == ["Love #AcmeCoffee today"]
    # statuses are searched only for a logged-in account, as on Mastodon
    assert (
        requests.get(f"{base}/api/v2/search", params={"q": "love", "type": "statuses"}, timeout=10).json()["statuses"]
        == []
    )
    token = world["account"].credentials["access_token"]
    found = requests.get(
        f"{base}/api/v2/search",
        params={"q": "love", "type": "statuses"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).json()
    assert [s["text"] for s in found["statuses"]] == ["Love #AcmeCoffee today"]
    assert (
        requests.get(f"{base}/api/v1/accounts/lookup", params={"acct": "maya_brews"}, timeout=10).json()["username"]
        == "maya_brews"
    )


def test_sandbox_chatter_with_hashtags_reaches_the_monitor_through_polling(world):
    # given: audience chatter carrying the monitor's hashtag, and a post for search only
    rng = random.Random(7)
    chatty = [hashtag_chatter(rng, angry_share=0.5) for _ in range(6)]
    assert all("#acmecoffee" in s.text for s in chatty)
    tom = SandboxAccount.objects.create(username="trail_tom_2")
    SandboxStatus.objects.create(account=tom, text="The cold brew at Acme is great", language="en")
    SandboxStatus.objects.create(account=tom, text="Cold brew giveaway, enter now", language="en")

    # when: one poll
    polling.poll_all()

    # then: the 6 tagged posts and the searched one, each once; the giveaway left out
    mentions = Mention.objects.filter(monitor=world["monitor"], source="mastodon")
    assert mentions.count() == 7
    assert not mentions.filter(text__icontains="giveaway").exists()
    assert {c.state for c in PollCursor.objects.all()} == {"ok"}

    # and a new tagged post is read by the next poll, nothing twice
    hashtag_chatter(rng)
    cache.delete(polling.LOCK)
    polling.poll_all(timezone.now() + dt.timedelta(minutes=1))
    assert mentions.count() == 8


def test_a_competitor_on_the_sandbox_is_snapshotted(world):
    rival = SandboxAccount.objects.create(username="beanco", followers_count=4200)
    now = timezone.now()
    for n, (likes, boosts, replies) in enumerate([(10, 2, 1), (4, 0, 1)]):
        SandboxStatus.objects.create(
            account=rival,
            text=f"Bean Co news {n}",
            favourites_count=likes,
            reblogs_count=boosts,
            replies_count=replies,
            created_at=now - dt.timedelta(days=2 + n * 8),
        )
    host = world["live"].split("://", 1)[1]
    competitor = Competitor.objects.create(
        workspace=world["ws"], brand=world["brand"], name="Bean Co", network="mastodon", handle=f"beanco@{host}"
    )
    snap = competitors.snapshot(competitor, now)
    assert snap.followers == 4200 and snap.posts_count == 2
    assert snap.posts_7d == 1  # the other is 10 days old
    assert snap.avg_engagement == 9.0  # (13 + 5) / 2
