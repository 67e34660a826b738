"""Calendar fixtures: a workspace with two brands in different zones, a viewer in Paris,
and a builder for posts in any state (written straight to the tables, so 500 are cheap)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from posts.models import Post, PostStatus, PostTarget, TargetState
from smm.models import profile_for

# The target state that yields each post status (posts.states.derive_status).
TARGET_STATE = {
    PostStatus.DRAFT: TargetState.DRAFT,
    PostStatus.PENDING_APPROVAL: TargetState.PENDING_APPROVAL,
    PostStatus.SCHEDULED: TargetState.SCHEDULED,
    PostStatus.PUBLISHED: TargetState.PUBLISHED,
    PostStatus.FAILED: TargetState.FAILED,
    PostStatus.CANCELLED: TargetState.CANCELLED,
}


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def set_time_zone(user, name: str) -> None:
    profile = profile_for(user)
    profile.time_zone = name
    profile.save()


@pytest.fixture
def studio(make_workspace, make_member, make_brand, make_account):
    """Workspace "Studio" (contributors need approval): an owner in Paris, one member per
    other role, brand "Roast" (New York: Mastodon + Bluesky) and "Leaf" (Paris: X)."""
    ws = make_workspace("Studio", approval_policy="contributors")
    owner = make_member(ws, "owner", username="olivia")
    set_time_zone(owner, "Europe/Paris")
    users = {role: make_member(ws, role, username=f"{role}1") for role in ("editor", "contributor", "client")}
    for user in users.values():
        set_time_zone(user, "Europe/Paris")
    roast = make_brand(ws, "Roast", time_zone="America/New_York", colour="#b45309")
    leaf = make_brand(ws, "Leaf", time_zone="Europe/Paris", colour="#15803d")

    class Studio:
        pass

    s = Studio()
    s.workspace, s.owner, s.roast, s.leaf = ws, owner, roast, leaf
    s.editor, s.contributor, s.client = users["editor"], users["contributor"], users["client"]
    s.roast_mastodon = make_account(roast, "mastodon", "@roast@social.example")
    s.roast_bluesky = make_account(roast, "bluesky", "roast.bsky.social")
    s.leaf_x = make_account(leaf, "x", "@leaftea")
    return s


@pytest.fixture
def make_post():
    counter = {"n": 0}

    def make(brand, when, status=PostStatus.SCHEDULED, accounts=None, text=None, author=None, campaign=None):
        counter["n"] += 1
        post = Post.objects.create(
            workspace=brand.workspace,
            brand=brand,
            author=author,
            campaign=campaign,
            text=text or f"Post number {counter['n']} about our fresh seasonal roast and a tasting on Friday",
            scheduled_at=when,
            status=status,
        )
        for account in accounts if accounts is not None else list(brand.accounts.all()):
            PostTarget.objects.create(post=post, account=account, state=TARGET_STATE[status], due_at=when)
        return post

    return make


@pytest.fixture
def future():
    """A Monday at 00:00 UTC a few weeks ahead (moves must go to the future)."""
    day = (timezone.now() + dt.timedelta(days=21)).date()
    day -= dt.timedelta(days=day.weekday())
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=dt.UTC)
