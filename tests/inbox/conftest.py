"""Fixtures of the inbox tests: a workspace with a Mastodon account, items, a replayed network."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import responses
from django.core.cache import cache

from smm.platforms.base import InboxItem as NetworkItem

MASTODON = "https://social.example"
_ids = itertools.count(1000)


@pytest.fixture
def network():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def eager_celery():
    """Tasks run in-process when enqueued (after commit)."""
    from smm.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = previous


@pytest.fixture
def shop(make_workspace, make_member, make_brand, make_account):
    """A workspace with an owner, a brand and a Mastodon account on social.example."""
    workspace = make_workspace("Acme")
    owner = make_member(workspace, "owner", username="olivia")
    brand = make_brand(workspace, "Acme Coffee")
    account = make_account(brand, "mastodon", "@acme", remote_id="900", base_url=MASTODON)
    return {"ws": workspace, "owner": owner, "brand": brand, "account": account}


def network_item(remote_id=None, *, text="Hello there", kind="mention", minutes_ago=5, **extra) -> NetworkItem:
    extra.setdefault("author_handle", "@sam@elsewhere.social")
    extra.setdefault("author_name", "Sam Jones")
    return NetworkItem(
        remote_id=str(remote_id or next(_ids)),
        kind=kind,
        text=text,
        created_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes_ago),
        **extra,
    )


@pytest.fixture
def add_items():
    """Ingest network items into an account, return the stored rows (newest last)."""
    from inbox.ingest import ingest
    from inbox.models import InboxItem

    def add(account, *items):
        ingest(account, list(items))
        return list(InboxItem.objects.filter(account=account, remote_id__in=[i.remote_id for i in items]))

    return add


def mastodon_status(status_id, *, text="Hi @acme", account_acct="sam@elsewhere.social", reply_to=None, **extra):
    return {
        "id": str(status_id),
        "created_at": "2026-03-02T10:00:00.000Z",
        "in_reply_to_id": reply_to,
        "in_reply_to_account_id": "900" if reply_to else None,
        "visibility": "public",
        "content": f"<p>{text}</p>",
        "url": f"https://elsewhere.social/@sam/{status_id}",
        "account": {
            "id": "77",
            "acct": account_acct,
            "username": account_acct.split("@")[0],
            "display_name": "Sam Jones",
            "avatar": "https://elsewhere.social/avatars/sam.png",
            "followers_count": 12_400,
        },
        **extra,
    }


def mastodon_notification(notification_id, status):
    return {"id": str(notification_id), "type": "mention", "created_at": status["created_at"], "status": status}


# Google's answer to a refused access token (YouTube Data API and the other Google APIs).
GOOGLE_UNAUTHORIZED = {
    "error": {
        "code": 401,
        "message": "Request had invalid authentication credentials.",
        "errors": [{"reason": "authError", "message": "Invalid Credentials", "domain": "global"}],
        "status": "UNAUTHENTICATED",
    }
}


@pytest.fixture
def clear_cache():
    """Poll locks and other cached state start and end empty."""
    cache.clear()
    yield
    cache.clear()
