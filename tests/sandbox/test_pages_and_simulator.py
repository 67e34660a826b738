"""The sandbox's public timeline and the audience simulator."""

from __future__ import annotations

import datetime as dt

import pytest

from sandbox.actions import NewStatus, post_status
from sandbox.models import SandboxInteraction, SandboxNotification, SandboxStatus

pytestmark = pytest.mark.django_db

# A fixed clock: the simulator's draws depend on the seed, the post and the minute.
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def test_timeline_shows_posts_with_threaded_replies(sandbox_account, client):
    # given a brand post with a reply
    brand = sandbox_account("acmecoffee", display_name="Acme Coffee")
    fan = sandbox_account("maya", display_name="Maya Chen")
    post, _ = post_status(brand, NewStatus(text="New <b>blend</b> today #coffee"))
    post_status(fan, NewStatus(text="@acmecoffee looks great", in_reply_to_id=str(post.pk)))

    # when anyone opens the sandbox's public page
    page = client.get("/sandbox/").content.decode()

    # then it reads like a small network, labelled as the demo sandbox
    assert "Sandbox network (demo)" in page
    assert "Acme Coffee" in page and "@acmecoffee" in page
    assert "New &lt;b&gt;blend&lt;/b&gt; today" in page  # text is escaped, not rendered as HTML
    assert 'class="thread"' in page and "looks great" in page
    assert page.count('data-testid="status"') == 2


def test_profile_and_status_pages(sandbox_account, client):
    brand = sandbox_account("acmecoffee", display_name="Acme Coffee", followers_count=1200)
    post, _ = post_status(brand, NewStatus(text="Hello"))
    profile = client.get("/sandbox/@acmecoffee").content.decode()
    assert "1200" in profile and "Hello" in profile
    assert client.get(f"/sandbox/@acmecoffee/{post.pk}").status_code == 200
    assert client.get("/sandbox/@nobody").status_code == 404
    assert client.get("/sandbox/avatars/acmecoffee.svg")["Content-Type"] == "image/svg+xml"


def _run(seed, now, ticks):
    from sandbox.simulator import simulate

    actions = []
    for minute in range(ticks):
        actions += simulate(seed=seed, now=now + dt.timedelta(minutes=minute)).actions
    return actions


def _reset():
    SandboxStatus.objects.filter(in_reply_to__isnull=False).delete()
    SandboxInteraction.objects.all().delete()
    SandboxNotification.objects.all().delete()
    SandboxStatus.objects.update(favourites_count=0, reblogs_count=0, replies_count=0)


def test_simulator_engages_and_fills_the_inbox(sandbox_account):
    # given a fresh brand post
    brand = sandbox_account("acmecoffee")
    now = NOW
    post, _ = post_status(brand, NewStatus(text="Launch day!"), now=now)

    # when the audience runs for three simulated hours
    actions = _run(seed=7, now=now, ticks=180)

    # then the post got likes and replies, and the brand got notifications
    post.refresh_from_db()
    assert post.favourites_count > 0
    assert post.replies_count > 0
    kinds = set(SandboxNotification.objects.filter(account=brand).values_list("type", flat=True))
    assert {"favourite", "mention"} <= kinds
    assert any(a[0] == "reply" and a[3].startswith("@acmecoffee ") for a in actions)


def test_simulator_is_deterministic_given_a_seed(sandbox_account):
    brand = sandbox_account("acmecoffee")
    now = NOW
    post_status(brand, NewStatus(text="Same every time"), now=now)

    first = _run(seed=11, now=now, ticks=90)
    _reset()
    second = _run(seed=11, now=now, ticks=90)
    _reset()
    other = _run(seed=12, now=now, ticks=90)

    assert first and first == second
    assert other != first


def test_engagement_is_higher_early(sandbox_account):
    brand = sandbox_account("acmecoffee")
    now = NOW
    post_status(brand, NewStatus(text="fresh"), now=now)
    post_status(brand, NewStatus(text="old"), now=now - dt.timedelta(hours=30))
    _run(seed=3, now=now, ticks=120)
    engagement = {s.text: s.favourites_count + s.reblogs_count + s.replies_count for s in SandboxStatus.objects.all()}
    assert engagement["fresh"] > engagement["old"]


def test_complaints_are_among_the_replies():
    from sandbox.simulator import COMPLAINTS

    assert "my order arrived broken, I want a refund" in COMPLAINTS


def test_simulator_task_runs(sandbox_account, settings):
    from sandbox.tasks import simulate_audience

    settings.SANDBOX_AUDIENCE_SEED = 5
    assert set(simulate_audience()) == {"favourites", "reblogs", "replies", "follows"}
