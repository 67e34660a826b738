"""The listening pages: the brand's figures (one definition each), the mention list and its
filters, monitors made and refused with what was typed kept, "send to inbox", tenancy."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from inbox.models import InboxItem
from listening.figures import net_sentiment, share_of_voice
from listening.models import Mention, Monitor

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_workspace, make_member, make_brand):
    ws = make_workspace("Acme")
    owner = make_member(ws, "owner", username="olive")
    brand = make_brand(ws, "Acme Coffee")
    own = Monitor.objects.create(workspace=ws, brand=brand, name="Acme", terms=["acme"])
    rival = Monitor.objects.create(workspace=ws, brand=brand, name="Bean Co", kind="competitor", terms=["beanco"])
    return {"ws": ws, "owner": owner, "brand": brand, "own": own, "rival": rival}


def mention(monitor, n, *, sentiment=0.0, author="did:plc:a", handle="", matched=("acme",), hours_ago=1, text=""):
    at = timezone.now() - dt.timedelta(hours=hours_ago)
    return Mention.objects.create(
        workspace_id=monitor.workspace_id,
        monitor=monitor,
        source="bluesky",
        remote_id=f"at://{author}/app.bsky.feed.post/{monitor.pk}-{n}",
        author_id=author,
        author_handle=handle,
        text=text or f"post {n} about {matched[0]}",
        url=f"https://bsky.app/profile/{author}/post/{n}",
        created_at=at,
        seen_at=at,
        sentiment=sentiment,
        matched=list(matched),
    )


def test_the_definitions():
    assert net_sentiment(6, 2) == 0.5 and net_sentiment(0, 3) == -1 and net_sentiment(0, 0) is None
    assert share_of_voice(30, 10) == 0.75 and share_of_voice(0, 0) is None


def test_the_dashboard_shows_volume_net_sentiment_share_of_voice_top_authors_and_terms(world, client):
    # given: 6 mentions of the brand (3 positive, 1 negative, 2 neutral), 2 of the competitor, 1 too old
    own, rival = world["own"], world["rival"]
    for n, value in enumerate([0.6, 0.7, 0.5, -0.6, 0.0, 0.0]):
        mention(
            own,
            n,
            sentiment=value,
            author="did:plc:maya" if n < 3 else "did:plc:tom",
            handle="maya.bsky.social" if n < 3 else "",
            matched=("acme", "#acmelaunch") if n == 0 else ("acme",),
        )
    mention(rival, 1)
    mention(rival, 2)
    mention(own, 99, hours_ago=24 * 8)
    client.force_login(world["owner"])
    page = client.get(f"/w/{world['ws'].slug}/listening/?brand={world['brand'].pk}").content.decode()
    # then: 6 mentions, net sentiment (3-1)/(3+1) = 50 %, share of voice 6/(6+2) = 75 %
    assert 'data-kpi="volume"><span class="kpi-label">Mentions</span><strong class="kpi-value">6<' in page
    assert '<strong class="kpi-value">50 %</strong>' in page
    assert '<strong class="kpi-value">75 %</strong>' in page
    assert "@maya.bsky.social — 3" in page and 'did:plc:tom — 3 <span class="sent-negative">(1 negative)' in page
    assert "acme — 6" in page and "#acmelaunch — 1" in page
    assert "25 % of voice" in page  # the competitor's share
    assert page.count('data-testid="mention"') == 8


def test_the_mention_list_filters_by_monitor_and_sentiment(world, client):
    mention(world["own"], 1, sentiment=-0.5, text="acme burnt it")
    mention(world["own"], 2, sentiment=0.5, text="acme is lovely")
    mention(world["rival"], 3, sentiment=-0.5, text="beanco burnt it")
    client.force_login(world["owner"])
    base = f"/w/{world['ws'].slug}/listening/?brand={world['brand'].pk}"
    page = client.get(f"{base}&monitor={world['own'].pk}&sentiment=negative").content.decode()
    assert "acme burnt it" in page and "acme is lovely" not in page and "beanco burnt it" not in page


def test_a_monitor_is_made_from_lists_typed_as_lines_or_commas(world, client):
    client.force_login(world["owner"])
    response = client.post(
        f"/w/{world['ws'].slug}/listening/monitors/new/",
        {
            "brand": world["brand"].pk,
            "name": "Launch",
            "kind": "brand",
            "terms": "espresso, Acme Roast\n",
            "phrases": "cold brew",
            "hashtags": "#AcmeLaunch",
            "handles": "@acme.bsky.social",
            "exclusions": "job, hiring",
            "languages": "en, pt-BR",
            "active": "on",
            "alert_deviations": "3",
            "alert_min_count": "5",
        },
    )
    assert response.status_code == 302
    monitor = Monitor.objects.get(name="Launch")
    assert monitor.terms == ["espresso", "Acme Roast"] and monitor.hashtags == ["AcmeLaunch"]
    assert monitor.exclusions == ["job", "hiring"] and monitor.languages == ["en", "pt-br"]
    assert monitor.workspace == world["ws"]


def test_a_bad_monitor_is_refused_with_what_was_typed_kept(world, client):
    client.force_login(world["owner"])
    response = client.post(
        f"/w/{world['ws'].slug}/listening/monitors/new/",
        {
            "brand": world["brand"].pk,
            "name": "Acme",
            "kind": "brand",
            "exclusions": "nothing to look for",
            "languages": "english",
            "hashtags": "two words",
            "alert_deviations": "3",
            "alert_min_count": "5",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Give at least one term, phrase, hashtag or handle" in page
    assert "Not a language code: english" in page and "A hashtag is one word without spaces" in page
    assert "nothing to look for" in page
    assert Monitor.objects.count() == 2


def test_a_monitor_cannot_be_made_for_another_workspaces_brand(world, client, make_workspace, make_brand):
    other_brand = make_brand(make_workspace("Other"), "Other Brand")
    client.force_login(world["owner"])
    response = client.post(
        f"/w/{world['ws'].slug}/listening/monitors/new/",
        {
            "brand": other_brand.pk,
            "name": "Steal",
            "kind": "brand",
            "terms": "x",
            "alert_deviations": "3",
            "alert_min_count": "5",
        },
    )
    assert response.status_code == 200 and not Monitor.objects.filter(name="Steal").exists()


def test_another_workspaces_brand_and_mentions_are_not_shown(world, client, make_workspace, make_member, make_brand):
    other = make_workspace("Other")
    stranger = make_member(other, "owner", username="stranger")
    make_brand(other, "Their Brand")
    mention(world["own"], 1, text="acme secret plans")
    client.force_login(stranger)
    assert client.get(f"/w/{other.slug}/listening/?brand={world['brand'].pk}").status_code == 404
    page = client.get(f"/w/{other.slug}/listening/").content.decode()
    assert "acme secret plans" not in page
    assert client.post(f"/w/{other.slug}/listening/mentions/{Mention.objects.get().pk}/to-inbox/").status_code == 404


def test_send_to_inbox_makes_an_item_the_brands_bluesky_account_can_answer(world, client, make_account):
    bluesky = make_account(world["brand"], network="bluesky", handle="@acme.bsky.social")
    found = mention(
        world["own"],
        1,
        sentiment=-0.6,
        author="did:plc:maya",
        handle="maya.bsky.social",
        text="acme lost my order, awful",
    )
    client.force_login(world["owner"])
    response = client.post(f"/w/{world['ws'].slug}/listening/mentions/{found.pk}/to-inbox/")
    item = InboxItem.objects.get()
    assert response.status_code == 302 and response["Location"] == item.get_absolute_url()
    assert (item.account, item.kind, item.remote_id) == (bluesky, "mention", found.remote_id)
    assert item.text == "acme lost my order, awful" and item.sentiment < 0 and item.priority > 0
    found.refresh_from_db()
    assert found.inbox_item_id == item.pk
    # sending again finds the same item
    client.post(f"/w/{world['ws'].slug}/listening/mentions/{found.pk}/to-inbox/")
    assert InboxItem.objects.count() == 1


def test_send_to_inbox_without_an_account_on_that_network_says_what_to_do(world, client, make_account):
    make_account(world["brand"], network="mastodon", handle="@acme@social.example")
    found = mention(world["own"], 1)
    client.force_login(world["owner"])
    response = client.post(f"/w/{world['ws'].slug}/listening/mentions/{found.pk}/to-inbox/", follow=True)
    assert "Acme Coffee has no connected Bluesky account to answer from" in response.content.decode()
    assert not InboxItem.objects.exists()
