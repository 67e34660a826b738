"""Fixtures for the composer: a workspace with members of every role, a brand in Berlin
with a Mastodon and an X account, and a helper to write posts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from smm.models import Membership


@pytest.fixture
def team(make_workspace, make_member, make_brand, make_account):
    """Workspace "Acme" (contributors need approval) with one user per role."""
    ws = make_workspace("Acme", approval_policy="contributors")
    users = {
        role: make_member(ws, role, username=role) for role in ("owner", "manager", "editor", "contributor", "client")
    }
    brand = make_brand(ws, "Acme Coffee", time_zone="Europe/Berlin")
    mastodon = make_account(brand, "mastodon", "@acme@social.example", base_url="https://social.example")
    x = make_account(brand, "x", "@acmecoffee")

    class Team:
        workspace = ws
        owner = users["owner"]
        manager = users["manager"]
        editor = users["editor"]
        contributor = users["contributor"]
        client = users["client"]

        def membership(self, user):
            return Membership.objects.get(workspace=ws, user=user)

    team = Team()
    team.brand = brand
    team.mastodon = mastodon
    team.x = x
    return team


@pytest.fixture
def write_post(team):
    from posts import actions

    def write(text="Fresh beans are in! Come by the shop this week.", author=None, accounts=None, **extra):
        author = author or team.editor
        accounts = accounts if accounts is not None else [team.mastodon, team.x]
        return actions.create_post(team.workspace, team.brand, author, text, accounts, **extra)

    return write


@pytest.fixture
def tomorrow():
    return (timezone.now() + dt.timedelta(days=1)).replace(second=0, microsecond=0)
