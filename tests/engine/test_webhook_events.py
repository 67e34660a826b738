"""The outside world is told: publishing, failing, approval and reconnect events become
webhook deliveries, written in the same transaction as the change."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from posts import publishing
from posts.models import TargetState
from smm.models_api import WebhookDelivery, WebhookEndpoint
from smm.platforms.base import AuthExpired, InboxItem, Permanent

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    """Deliveries handed to the webhook task after commit (not sent over the network here)."""
    handed = []
    monkeypatch.setattr("smm.tasks.deliver_webhook.delay", lambda pk: handed.append(pk))
    return handed


@pytest.fixture
def endpoint(engine_world):
    return WebhookEndpoint.objects.create(
        workspace=engine_world["ws"],
        url="https://hooks.example/smm",
        events=[
            "post.published",
            "post.failed",
            "post.needs_approval",
            "inbox.item_created",
            "account.needs_reconnect",
        ],
    )


@pytest.fixture
def publish(django_capture_on_commit_callbacks):
    def run(target_id):
        with django_capture_on_commit_callbacks(execute=True):
            return publishing.publish_target(target_id)

    return run


def events_of(endpoint):
    return list(WebhookDelivery.objects.filter(endpoint=endpoint).order_by("id").values_list("event", flat=True))


def test_a_published_post_is_announced_with_its_url(publish, make_target, fake_adapter, endpoint, sent):
    # given a queued target
    target = make_target(state=TargetState.QUEUED)
    # when it is published
    assert publish(target.pk) == "published"
    # then one post.published delivery carries the network's URL, handed over after commit
    (delivery,) = WebhookDelivery.objects.filter(endpoint=endpoint)
    assert delivery.event == "post.published"
    assert delivery.payload["target"]["remote_url"].startswith("https://fake.example/@acme/")
    assert delivery.payload["account"]["handle"] == "@northwind"
    assert sent == [delivery.pk]


def test_a_refused_post_is_announced_as_failed(publish, make_target, fake_adapter, endpoint, sent):
    fake_adapter.publish_script = [Permanent("Validation failed: Text character limit of 500 exceeded")]
    target = make_target(state=TargetState.QUEUED)
    assert publish(target.pk) == "failed"
    (delivery,) = WebhookDelivery.objects.filter(endpoint=endpoint)
    assert delivery.event == "post.failed"
    assert "500" in delivery.payload["target"]["error"]


def test_a_revoked_token_announces_the_account_and_the_failure(publish, make_target, fake_adapter, endpoint, sent):
    fake_adapter.publish_script = [AuthExpired("The access token is invalid")]
    target = make_target(state=TargetState.QUEUED)
    publish(target.pk)
    assert events_of(endpoint) == ["account.needs_reconnect", "post.failed"]


def test_a_retry_announces_nothing(publish, make_target, fake_adapter, endpoint, sent):
    from smm.platforms.base import Transient

    fake_adapter.publish_script = [Transient("503 Service Unavailable")]
    target = make_target(state=TargetState.QUEUED)
    assert publish(target.pk) == "retry"
    assert events_of(endpoint) == []


def test_a_contributors_post_waiting_for_approval_is_announced(engine_world, make_member, endpoint, sent):
    from posts import actions

    contributor = make_member(engine_world["ws"], "contributor", username="cora")
    post = actions.create_post(
        workspace=engine_world["ws"],
        brand=engine_world["brand"],
        author=contributor,
        text="New beans from Huila",
        accounts=[engine_world["account"]],
    )
    actions.schedule_post(post, timezone.now() + dt.timedelta(hours=2), contributor)
    assert events_of(endpoint) == ["post.needs_approval"]


def test_new_inbox_items_are_announced_once(engine_world, endpoint, sent):
    from inbox.ingest import ingest

    item = InboxItem(
        remote_id="9001",
        kind="mention",
        text="@northwind my order arrived broken",
        created_at=timezone.now(),
        author_handle="@sam",
    )
    assert ingest(engine_world["account"], [item]) == 1
    assert ingest(engine_world["account"], [item]) == 0  # the same item again: nothing new
    (delivery,) = WebhookDelivery.objects.filter(endpoint=endpoint)
    assert delivery.event == "inbox.item_created"
    assert delivery.payload["item"]["text"] == "@northwind my order arrived broken"
