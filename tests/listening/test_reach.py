"""Reach of Bluesky authors: follower counts from the public AppView's getProfiles, 25
authors a call, cached a day per author, written on their mentions."""

from __future__ import annotations

import datetime as dt

import pytest
import responses
from django.core.cache import cache
from django.utils import timezone

from listening import reach
from listening.models import Mention, Monitor

pytestmark = pytest.mark.django_db

PROFILES = "https://public.api.bsky.app/xrpc/app.bsky.actor.getProfiles"


@pytest.fixture
def monitor(make_workspace, make_brand):
    ws = make_workspace("Acme")
    return Monitor.objects.create(workspace=ws, brand=make_brand(ws, "Acme Coffee"), name="Acme", terms=["acme"])


def add(monitor, n, did, *, hours_ago=1):
    at = timezone.now() - dt.timedelta(hours=hours_ago)
    return Mention.objects.create(
        workspace_id=monitor.workspace_id,
        monitor=monitor,
        source="bluesky",
        remote_id=f"at://{did}/app.bsky.feed.post/{n}",
        author_id=did,
        text="acme",
        created_at=at,
        seen_at=at,
    )


def answer(request):
    from urllib.parse import parse_qs, urlsplit

    actors = parse_qs(urlsplit(request.url).query)["actors"]
    profiles = [
        {"did": a, "handle": f"{a.rsplit(':', 1)[1]}.bsky.social", "followersCount": int(a.rsplit("p", 1)[1]) * 10}
        for a in actors
        if not a.endswith("p999")  # a deleted account: left out of the answer
    ]
    import json

    return 200, {}, json.dumps({"profiles": profiles})


@responses.activate
def test_follower_counts_are_read_25_authors_a_call_and_written_on_the_mentions(monitor):
    cache.clear()
    responses.add_callback(responses.GET, PROFILES, callback=answer)
    for n in range(30):
        add(monitor, n, f"did:plc:p{n}")
    add(monitor, 100, "did:plc:p3")  # a second mention of one author
    add(monitor, 101, "did:plc:p999")  # unknown to the AppView
    add(monitor, 102, "did:plc:p7", hours_ago=30)  # older than a day: left alone

    assert reach.fill() == 31

    assert len(responses.calls) == 2  # 31 authors: 25 + 6
    assert all(c.request.url.count("actors=") <= 25 for c in responses.calls)
    assert set(Mention.objects.filter(author_id="did:plc:p3").values_list("author_followers", flat=True)) == {30}
    assert Mention.objects.get(author_id="did:plc:p999").author_followers is None
    assert Mention.objects.get(remote_id__endswith="/102").author_followers is None


@responses.activate
def test_a_known_author_is_not_asked_again_within_the_day(monitor):
    cache.clear()
    responses.add_callback(responses.GET, PROFILES, callback=answer)
    add(monitor, 1, "did:plc:p5")
    reach.fill()
    add(monitor, 2, "did:plc:p5")
    add(monitor, 3, "did:plc:p999")
    reach.fill()
    assert Mention.objects.get(remote_id__endswith="/2").author_followers == 50
    # the second run asked only for the unknown author... and a third asks nobody
    assert responses.calls[1].request.url.endswith("actors=did%3Aplc%3Ap999")
    reach.fill()
    assert len(responses.calls) == 2


@responses.activate
def test_the_appview_refusing_leaves_the_mentions_for_next_time(monitor):
    cache.clear()
    responses.get(PROFILES, status=429, json={"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"})
    add(monitor, 1, "did:plc:p5")
    assert reach.fill() == 0
    responses.replace(responses.GET, PROFILES, json={"profiles": [{"did": "did:plc:p5", "followersCount": 77}]})
    assert reach.fill() == 1
