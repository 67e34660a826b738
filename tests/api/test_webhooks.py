"""Outgoing webhooks: signed deliveries checked by a real receiver on 127.0.0.1, retries
with back-off, every attempt recorded, a URL failing for three days disabled with a
notice, private addresses refused when not allowed."""

from __future__ import annotations

import datetime as dt
import json
from http.server import BaseHTTPRequestHandler

import pytest
from django.core import mail
from django.utils import timezone

from smm import webhooks
from smm.models_api import WebhookDelivery, WebhookEndpoint
from tests.loopback_server import LoopbackServer

pytestmark = pytest.mark.django_db


class Receiver(LoopbackServer):
    """A tiny HTTP server that records what it gets and answers with scripted statuses."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                receiver.requests.append({"headers": dict(self.headers), "body": self.rfile.read(length)})
                code = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(code)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        super().__init__(Handler)
        self.url = f"http://127.0.0.1:{self.port}/hook"


@pytest.fixture
def receiver():
    with Receiver() as r:
        yield r


@pytest.fixture
def endpoint(world, receiver):
    return WebhookEndpoint.objects.create(
        workspace=world["ws"], url=receiver.url, events=["post.published", "post.failed"], created_by=world["owner"]
    )


def emit_and_get(world, event="post.published", payload=None):
    deliveries = webhooks.emit(world["ws"], event, payload or {"post": 12, "target": 41})
    return deliveries


def test_delivery_is_signed_and_verifiable(world, endpoint, receiver, django_capture_on_commit_callbacks):
    # given an endpoint subscribed to post.published
    # when the event is emitted and the task runs after commit
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        (delivery,) = emit_and_get(world, payload={"post": 12, "url": "https://social.example/@acme/1"})
    assert len(callbacks) == 1  # sending waits for the commit
    assert webhooks.attempt_delivery(delivery.pk) == "succeeded"
    # then the receiver got one signed request it can verify with the secret
    (request,) = receiver.requests
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert headers["x-smm-event"] == "post.published"
    assert webhooks.verify(
        endpoint.signing_secret, headers["x-smm-timestamp"], request["body"], headers["x-smm-signature"]
    )
    assert not webhooks.verify("wrong-secret", headers["x-smm-timestamp"], request["body"], headers["x-smm-signature"])
    tampered = request["body"].replace(b"12", b"13")
    assert not webhooks.verify(
        endpoint.signing_secret, headers["x-smm-timestamp"], tampered, headers["x-smm-signature"]
    )
    body = json.loads(request["body"])
    assert body["event"] == "post.published" and body["workspace"] == "acme"
    assert body["data"] == {"post": 12, "url": "https://social.example/@acme/1"}
    assert body["id"] == headers["x-smm-delivery"]
    # and the attempt is recorded
    delivery.refresh_from_db()
    assert delivery.state == "succeeded" and delivery.attempts.get().status_code == 200
    # running the task twice sends nothing more
    assert webhooks.attempt_delivery(delivery.pk) == "skipped"
    assert len(receiver.requests) == 1


def test_only_subscribed_active_endpoints_get_an_event(world, endpoint):
    assert emit_and_get(world, "inbox.item_created") == []
    endpoint.active = False
    endpoint.save()
    assert emit_and_get(world, "post.published") == []
    with pytest.raises(ValueError):
        webhooks.emit(world["ws"], "post.exploded", {})


def test_failures_are_retried_with_backoff_then_succeed(world, endpoint, receiver):
    # given a receiver that fails twice
    receiver.statuses = [500, 503]
    (delivery,) = emit_and_get(world)
    start = timezone.now()
    # when it is tried
    assert webhooks.attempt_delivery(delivery.pk, now=start) == "pending"
    delivery.refresh_from_db()
    first_wait = delivery.next_attempt_at - start
    assert webhooks.BACKOFF[0] <= first_wait <= webhooks.BACKOFF[0] * 1.1
    # then it is not due before its time
    assert webhooks.attempt_delivery(delivery.pk, now=start + dt.timedelta(seconds=5)) == "skipped"
    assert delivery.pk not in webhooks.due_deliveries(now=start + dt.timedelta(seconds=5))
    # and the retry clock picks it up after the wait; the wait grows
    later = delivery.next_attempt_at + dt.timedelta(seconds=1)
    assert delivery.pk in webhooks.due_deliveries(now=later)
    assert webhooks.attempt_delivery(delivery.pk, now=later) == "pending"
    delivery.refresh_from_db()
    assert delivery.next_attempt_at - later >= webhooks.BACKOFF[1]
    last = delivery.next_attempt_at + dt.timedelta(seconds=1)
    assert webhooks.attempt_delivery(delivery.pk, now=last) == "succeeded"
    # every attempt is recorded
    attempts = list(delivery.attempts.values_list("number", "status_code", "ok"))
    assert attempts == [(1, 500, False), (2, 503, False), (3, 200, True)]
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None and endpoint.active


def test_a_url_failing_for_three_days_is_disabled_and_owners_told(
    world, endpoint, receiver, django_capture_on_commit_callbacks
):
    receiver.statuses = [500] * 10
    (first,) = emit_and_get(world)
    start = timezone.now()
    assert webhooks.attempt_delivery(first.pk, now=start) == "pending"
    endpoint.refresh_from_db()
    assert endpoint.failing_since == start
    # three days later another delivery fails too
    (second,) = emit_and_get(world)
    with django_capture_on_commit_callbacks(execute=True):
        state = webhooks.attempt_delivery(second.pk, now=start + webhooks.DISABLE_AFTER + dt.timedelta(minutes=1))
    assert state == "failed"
    endpoint.refresh_from_db()
    assert not endpoint.active and "3 days" in endpoint.disabled_reason
    # what was still waiting is dropped, nothing more is sent, and the owner was emailed
    first.refresh_from_db()
    assert first.state == "failed"
    assert emit_and_get(world) == []
    assert len(mail.outbox) == 1 and world["owner"].email in mail.outbox[0].to
    assert "disabled" in mail.outbox[0].subject.lower()


def test_gives_up_after_the_last_backoff(world, endpoint, receiver):
    receiver.statuses = [500] * (len(webhooks.BACKOFF) + 2)
    (delivery,) = emit_and_get(world)
    now = timezone.now()
    for _ in range(len(webhooks.BACKOFF)):
        assert webhooks.attempt_delivery(delivery.pk, now=now) == "pending"
        delivery.refresh_from_db()
        now = delivery.next_attempt_at
        # keep the endpoint from reaching three days of failures in this test
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=now)
    assert webhooks.attempt_delivery(delivery.pk, now=now) == "failed"
    assert delivery.attempts.count() == len(webhooks.BACKOFF) + 1


def test_private_addresses_are_refused_in_production_settings(world, receiver, settings, client):
    settings.ALLOW_PRIVATE_OUTBOUND = False
    # registering is refused
    client.force_login(world["owner"])
    response = client.post("/w/acme/api/webhooks/", {"url": receiver.url, "events": ["post.published"]})
    assert response.status_code == 400
    assert "private" in str(response.context["webhook_form"].errors["url"])
    # and a URL that resolves privately later is refused at send time, recorded as an attempt
    endpoint = WebhookEndpoint.objects.create(workspace=world["ws"], url=receiver.url, events=["post.published"])
    (delivery,) = webhooks.emit(world["ws"], "post.published", {})
    assert webhooks.attempt_delivery(delivery.pk) == "pending"
    assert receiver.requests == []
    assert "private" in delivery.attempts.get().error
    assert endpoint.pk


def test_webhook_pages_show_deliveries_and_attempts(world, endpoint, receiver, client, make_member):
    receiver.statuses = [500]
    (delivery,) = emit_and_get(world)
    webhooks.attempt_delivery(delivery.pk)
    client.force_login(world["owner"])
    page = client.get(f"/w/acme/api/webhooks/{endpoint.pk}/").content.decode()
    assert "post.published" in page and "HTTP 500" in page
    assert endpoint.url in client.get("/w/acme/api/").content.decode()
    # disable / enable from the page
    client.post(f"/w/acme/api/webhooks/{endpoint.pk}/action/", {"action": "disable"})
    endpoint.refresh_from_db()
    assert not endpoint.active
    client.post(f"/w/acme/api/webhooks/{endpoint.pk}/action/", {"action": "enable"})
    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.failing_since is None
    # an editor manages tokens but not the workspace's webhooks; another workspace gets 404
    editor = make_member(world["ws"], "editor", username="ed")
    client.force_login(editor)
    assert client.get(f"/w/acme/api/webhooks/{endpoint.pk}/").status_code == 403
    client.force_login(world["other_owner"])
    assert client.get(f"/w/other/api/webhooks/{endpoint.pk}/").status_code == 404


def test_register_a_webhook_in_the_ui(world, receiver, client):
    client.force_login(world["owner"])
    response = client.post(
        "/w/acme/api/webhooks/", {"url": receiver.url, "events": ["post.failed", "account.needs_reconnect"]}
    )
    assert response.status_code == 302
    endpoint = WebhookEndpoint.objects.get(workspace=world["ws"])
    assert endpoint.events == ["post.failed", "account.needs_reconnect"]
    assert endpoint.signing_secret.startswith("whsec_")
    assert WebhookDelivery.objects.count() == 0
