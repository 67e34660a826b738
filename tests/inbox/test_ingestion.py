"""Ingestion: polling from a cursor, dedupe across poll and webhook, back-off, the poll lock."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json

import pytest
from django.core.cache import cache
from django.test import TestCase
from django.utils import timezone

from inbox import tasks
from inbox.ingest import ingest
from inbox.models import InboundWebhook, InboxCursor, InboxItem
from posts.models import Post, PostTarget
from smm.platforms.base import InboxPage, RateLimited
from tests.inbox.conftest import MASTODON, mastodon_notification, mastodon_status, network_item

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

NOTIFICATIONS = f"{MASTODON}/api/v1/notifications"


class FakeAdapter:
    """Hands out pages in order and records the cursors it was asked for."""

    idempotency = ""

    def __init__(self, *pages, error=None):
        self.pages = list(pages)
        self.cursors = []
        self.error = error

    def fetch_inbox(self, account, cursor=""):
        self.cursors.append(cursor)
        if self.error:
            raise self.error
        return self.pages.pop(0) if self.pages else InboxPage(items=[], cursor=cursor)


def test_first_poll_reads_from_the_start_and_stores_the_newest_cursor(shop, network):
    # given two mentions waiting on the instance
    network.get(
        NOTIFICATIONS,
        json=[
            mastodon_notification(12, mastodon_status(112, text="Is the shop open today?")),
            mastodon_notification(11, mastodon_status(111, text="Love the new blend")),
        ],
    )

    # when the account is polled for the first time
    result = tasks.poll_account(shop["account"].pk)

    # then both are in the inbox and the cursor is the newest notification id
    assert result == "2 new"
    assert sorted(InboxItem.objects.values_list("remote_id", flat=True)) == ["111", "112"]
    assert "min_id" not in network.calls[0].request.url
    assert InboxCursor.objects.get(account=shop["account"]).cursor == "12"


def test_next_poll_continues_from_the_stored_cursor(shop, network):
    # given an account that was polled up to notification 12
    InboxCursor.objects.create(account=shop["account"], cursor="12")
    network.get(NOTIFICATIONS, json=[mastodon_notification(13, mastodon_status(113, text="New question"))])
    network.get(NOTIFICATIONS, json=[])

    # when it is polled again
    tasks.poll_account(shop["account"].pk)

    # then the instance was asked only for what came after 12, and the cursor moved on
    assert "min_id=12" in network.calls[0].request.url
    assert "min_id=13" in network.calls[1].request.url
    assert InboxCursor.objects.get(account=shop["account"]).cursor == "13"
    assert list(InboxItem.objects.values_list("remote_id", flat=True)) == ["113"]


def test_ingesting_the_same_items_twice_changes_nothing(shop):
    # given an item already ingested and worked on
    item = network_item("5", text="Where is my order?")
    assert ingest(shop["account"], [item]) == 1
    stored = InboxItem.objects.get()
    stored.status = "done"
    stored.save()
    before = InboxItem.objects.values().get()

    # when the same item arrives again (twice in one batch, too)
    new = ingest(shop["account"], [item, item])

    # then nothing was added and nothing changed
    assert new == 0
    assert InboxItem.objects.count() == 1
    assert InboxItem.objects.values().get() == before


def test_a_comment_polled_and_pushed_by_webhook_is_stored_once(
    client, settings, make_account, shop, eager_celery, use_adapter
):
    # given a Facebook Page account whose comment was first read by polling
    settings.META_APP_SECRET = "app-secret"
    page = make_account(shop["brand"], "facebook", "Acme Page", remote_id="555")
    polled = network_item("555_1_99", kind="comment", text="My cup arrived broken", post_remote_id="555_1")
    use_adapter(FakeAdapter(InboxPage(items=[polled], cursor="2026-03-02T10:00:00+00:00")))
    tasks.poll_account(page.pk)
    assert InboxItem.objects.filter(account=page).count() == 1

    # when Meta pushes the same comment
    body = json.dumps(
        {
            "object": "page",
            "entry": [
                {
                    "id": "555",
                    "time": 1772445600,
                    "changes": [
                        {
                            "field": "feed",
                            "value": {
                                "item": "comment",
                                "verb": "add",
                                "comment_id": "555_1_99",
                                "post_id": "555_1",
                                "message": "My cup arrived broken",
                                "from": {"id": "42", "name": "Pat Doe"},
                                "created_time": 1772445600,
                            },
                        }
                    ],
                }
            ],
        }
    ).encode()
    signature = "sha256=" + hmac.new(b"app-secret", body, hashlib.sha256).hexdigest()
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            "/hooks/meta/", body, content_type="application/json", headers={"X-Hub-Signature-256": signature}
        )

    # then it is still one item, the one polling stored
    assert response.status_code == 200
    assert InboxItem.objects.filter(account=page).count() == 1
    assert InboxItem.objects.get(account=page).source == "poll"
    assert InboundWebhook.objects.get().processed_at is not None


def test_a_comment_on_our_post_is_linked_to_it_and_answers_to_it_join_the_thread(shop):
    # given a published post of ours on the account
    post = Post.objects.create(workspace=shop["ws"], brand=shop["brand"], text="Our spring blend is here")
    target = PostTarget.objects.create(post=post, account=shop["account"], remote_id="4000", text="Spring blend!")

    # when someone comments on it, and someone else answers that comment
    ingest(shop["account"], [network_item("4001", kind="reply", post_remote_id="4000", parent_remote_id="4000")])
    ingest(shop["account"], [network_item("4002", kind="mention", parent_remote_id="4001", minutes_ago=1)])

    # then both belong to our post and share one conversation
    first, second = InboxItem.objects.order_by("created_at")
    assert first.post_target == target
    assert second.post_target == target
    assert first.thread_key == second.thread_key


def test_rate_limited_account_backs_off_without_holding_up_the_others(shop, make_account, monkeypatch, use_adapter):
    # given two accounts, the first of which the network is rate limiting
    other = make_account(shop["brand"], "mastodon", "@acme_roasters", remote_id="901", base_url=MASTODON)
    now = timezone.now()
    limited = FakeAdapter(error=RateLimited("slow down", retry_after=900))
    use_adapter(limited)
    result = tasks.poll_account(shop["account"].pk, now=now)

    # then it will not be polled for the 15 minutes the network asked for
    cursor = InboxCursor.objects.get(account=shop["account"])
    assert result == "RateLimited"
    assert cursor.next_poll_at == now + dt.timedelta(seconds=900)
    assert cursor.failures == 1
    assert "slow down" in cursor.last_error

    # when the beat looks for due accounts
    queued = []
    monkeypatch.setattr(tasks.poll_account, "delay", lambda account_id: queued.append(account_id))
    tasks.poll_due_accounts()

    # then only the other account is polled, and a second tick does not enqueue it twice
    assert queued == [other.pk]
    tasks.poll_due_accounts()
    assert queued == [other.pk]


def test_backoff_grows_with_failures_when_the_network_gives_no_time():
    assert tasks.backoff_seconds(1) == 60
    assert tasks.backoff_seconds(3) == 240
    assert tasks.backoff_seconds(30) == 3600
    assert tasks.backoff_seconds(5, retry_after=12) == 12


def test_a_second_poll_of_the_same_account_waits_for_the_first(shop, network):
    # given a poll of the account already running (it holds the lock)
    cache.add(tasks._lock_key(shop["account"].pk), "someone-else", 60)

    # when another poll of it starts
    result = tasks.poll_account(shop["account"].pk)

    # then it does nothing and does not touch the network
    assert result == "busy"
    assert len(network.calls) == 0


def test_a_revoked_token_asks_for_a_reconnect(shop, network):
    network.get(NOTIFICATIONS, status=401, json={"error": "The access token is invalid"})

    tasks.poll_account(shop["account"].pk)

    shop["account"].refresh_from_db()
    assert shop["account"].status == "needs_reconnect"
