"""Fixtures of the API tests: a workspace with a brand and two accounts, tokens, clients."""

from __future__ import annotations

import uuid

import pytest
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def _fresh_throttle_counts(monkeypatch, settings):
    # Row ids repeat between tests on SQLite; counts in the cache must not.
    from api import throttling

    run = uuid.uuid4().hex
    monkeypatch.setattr(throttling.PerTokenThrottle, "cache_format", f"t-{run}:%(scope)s:%(ident)s")
    monkeypatch.setattr(throttling, "AUTH_FAILURES_KEY", f"f-{run}:{{address}}")
    settings.ALLOW_PRIVATE_OUTBOUND = True


@pytest.fixture
def world(make_workspace, make_member, make_brand, make_account):
    """Workspace "acme" (owner, brand with two Mastodon accounts) and workspace "other"."""
    ws = make_workspace("Acme", slug="acme", approval_policy="none")
    owner = make_member(ws, "owner", username="owner")
    brand = make_brand(ws, "Acme Coffee", time_zone="Europe/Paris")
    one = make_account(brand, "mastodon", "@acme", base_url="https://social.example")
    two = make_account(brand, "mastodon", "@acme2", base_url="https://other.example")
    other = make_workspace("Other", slug="other")
    other_owner = make_member(other, "owner", username="stranger")
    other_brand = make_brand(other, "Other Brand")
    other_account = make_account(other_brand, "mastodon", "@other")
    return {
        "ws": ws,
        "owner": owner,
        "brand": brand,
        "accounts": [one, two],
        "other": other,
        "other_owner": other_owner,
        "other_brand": other_brand,
        "other_account": other_account,
    }


@pytest.fixture
def token_for():
    from smm.models_api import ApiToken

    def make(user, workspace, role=None):
        from smm.models import Membership

        role = role or Membership.objects.get(user=user, workspace=workspace).role
        return ApiToken.issue(workspace, user, f"token {role}", role)

    return make


@pytest.fixture
def api(world, token_for):
    """An API client holding an owner token of "acme"."""

    def make(role="owner", user=None, workspace=None):
        from smm.models import Membership

        workspace = workspace or world["ws"]
        if user is None:
            if role == "owner" and workspace == world["ws"]:
                user = world["owner"]
            else:
                from django.contrib.auth import get_user_model

                user = get_user_model().objects.create_user(f"{role}-{uuid.uuid4().hex[:6]}", password="pw-1234567")
                Membership.objects.create(workspace=workspace, user=user, role=role)
        _, raw = token_for(user, workspace, role)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        client.user = user
        return client

    return make


def url(path: str, ws: str = "acme") -> str:
    return f"/api/v1/workspaces/{ws}/{path.lstrip('/')}"
