"""Meta webhooks: the subscription handshake, signed deliveries, refusals, replays."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging

import pytest
from django.test import TestCase
from django.utils import timezone

from inbox.models import InboundWebhook, InboxItem

pytestmark = pytest.mark.django_db

SECRET = "meta-app-secret"


@pytest.fixture(autouse=True)
def _tasks_run_in_process(eager_celery):
    """The ingest task runs when the delivery's row commits, as a worker would run it."""


@pytest.fixture(autouse=True)
def meta_settings(settings):
    settings.META_APP_SECRET = SECRET
    settings.META_WEBHOOK_VERIFY_TOKEN = "verify-me"


@pytest.fixture
def instagram(shop, make_account):
    return make_account(shop["brand"], "instagram", "acme.coffee", remote_id="17841400000000001")


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def instagram_comment_body(comment_id="18000000000000001", text="This is broken and I want a refund") -> bytes:
    return json.dumps(
        {
            "object": "instagram",
            "entry": [
                {
                    "id": "17841400000000001",
                    "time": 1772445600,
                    "changes": [
                        {
                            "field": "comments",
                            "value": {
                                "id": comment_id,
                                "text": text,
                                "from": {"id": "991", "username": "pat.doe"},
                                "media": {"id": "17900000000000009", "media_product_type": "FEED"},
                            },
                        }
                    ],
                }
            ],
        }
    ).encode()


def post(client, body: bytes, signature: str | None):
    headers = {"X-Hub-Signature-256": signature} if signature is not None else {}
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post("/hooks/meta/", body, content_type="application/json", headers=headers)


def test_handshake_echoes_the_challenge_for_our_token(client):
    response = client.get(
        "/hooks/meta/", {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"}
    )
    assert response.status_code == 200
    assert response.content == b"1158201444"


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": "verify-me", "hub.challenge": "1"},
        {"hub.challenge": "1"},
    ],
)
def test_handshake_with_a_wrong_token_or_mode_is_refused(client, params):
    response = client.get("/hooks/meta/", params)
    assert response.status_code == 403
    assert response.content != b"1"


def test_handshake_is_refused_when_no_token_is_configured(client, settings):
    settings.META_WEBHOOK_VERIFY_TOKEN = ""
    response = client.get("/hooks/meta/", {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"})
    assert response.status_code == 403


def test_a_signed_comment_lands_in_the_accounts_inbox(client, instagram):
    body = instagram_comment_body()

    response = post(client, body, sign(body))

    assert response.status_code == 200
    item = InboxItem.objects.get()
    assert item.account == instagram
    assert item.kind == "comment"
    assert item.author_handle == "pat.doe"
    assert item.text == "This is broken and I want a refund"
    assert item.source == "webhook"
    assert InboundWebhook.objects.get().processed_at is not None


@pytest.mark.parametrize(
    "signature",
    [
        "sha256=" + "0" * 64,  # wrong digest
        sign(b"another body"),  # signature of something else
        sign(instagram_comment_body(), "not-our-secret"),  # someone else's secret
        "sha1=abc",  # wrong scheme
        "",
        None,  # missing header
    ],
)
def test_a_bad_or_missing_signature_is_refused_logged_and_not_stored(client, instagram, signature, caplog):
    body = instagram_comment_body()

    with caplog.at_level(logging.WARNING, logger="inbox.webhooks"):
        response = post(client, body, signature)

    assert response.status_code == 403
    assert InboxItem.objects.count() == 0 and InboundWebhook.objects.count() == 0
    assert any("Meta webhook refused" in record.getMessage() for record in caplog.records)


def test_a_tampered_body_with_the_original_signature_is_refused(client, instagram):
    body = instagram_comment_body()
    signature = sign(body)

    response = post(client, body.replace(b"refund", b"r3fund"), signature)

    assert response.status_code == 403
    assert InboxItem.objects.count() == 0


def test_a_replayed_delivery_is_stored_once(client, instagram):
    body = instagram_comment_body()

    first = post(client, body, sign(body))
    again = post(client, body, sign(body))

    assert first.status_code == again.status_code == 200
    assert InboxItem.objects.count() == 1


def test_a_delivery_for_an_unknown_account_is_accepted_and_ignored(client, shop):
    body = instagram_comment_body()

    response = post(client, body, sign(body))

    assert response.status_code == 200
    assert InboxItem.objects.count() == 0


def test_facebook_mentions_and_the_pages_own_comments(client, shop, make_account):
    page = make_account(shop["brand"], "facebook", "Acme Page", remote_id="555")
    body = json.dumps(
        {
            "object": "page",
            "entry": [
                {
                    "id": "555",
                    "time": 1772445600,
                    "changes": [
                        {
                            "field": "mention",
                            "value": {"item": "post", "verb": "add", "post_id": "777_1", "message": "Thanks @Acme!"},
                        },
                        {
                            "field": "feed",
                            "value": {
                                "item": "comment",
                                "verb": "add",
                                "comment_id": "555_1_2",
                                "post_id": "555_1",
                                "message": "Our own answer",
                                "from": {"id": "555", "name": "Acme Page"},
                            },
                        },
                    ],
                }
            ],
        }
    ).encode()

    response = post(client, body, sign(body))

    assert response.status_code == 200
    assert list(InboxItem.objects.filter(account=page).values_list("kind", "text")) == [("mention", "Thanks @Acme!")]


def test_the_answer_does_not_wait_for_the_inbox_and_the_delivery_is_kept_until_ingested(client, instagram):
    body = instagram_comment_body()

    # when Meta delivers and the transaction has not committed yet (no worker woken)
    response = client.post(
        "/hooks/meta/", body, content_type="application/json", headers={"X-Hub-Signature-256": sign(body)}
    )

    # then Meta has its 200 and the delivery waits, stored, for the worker
    assert response.status_code == 200
    assert InboxItem.objects.count() == 0
    pending = InboundWebhook.objects.get()
    assert pending.processed_at is None and pending.source == "meta"
    assert pending.payload["entry"][0]["id"] == "17841400000000001"


def test_a_delivery_whose_worker_could_not_be_woken_is_ingested_by_the_sweep(client, instagram, monkeypatch):
    # given a broker that is down when the delivery arrives
    from inbox import tasks, webhooks

    def broker_down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.process_inbound_webhook, "apply_async", broker_down)
    body = instagram_comment_body()
    response = post(client, body, sign(body))
    assert response.status_code == 200
    assert InboxItem.objects.count() == 0

    # when the broker is back and the sweep runs before the retry time, it leaves it
    # (its wake-up may be on the way)
    monkeypatch.undo()
    hook = InboundWebhook.objects.get()
    assert webhooks.process_pending(now=hook.received_at) == 0
    # and once the retry time has come, it ingests it
    assert webhooks.process_pending(now=hook.received_at + dt.timedelta(seconds=31)) == 1

    assert InboxItem.objects.get().text == "This is broken and I want a refund"
    hook.refresh_from_db()
    assert hook.processed_at is not None and hook.new_items == 1


def test_a_failed_ingest_is_retried_with_back_off_and_never_dropped(client, instagram, monkeypatch):
    from inbox import webhooks

    # given an ingest that fails (a bug, a constraint, a database error)
    real_ingest = webhooks.ingest

    def failing(*args, **kwargs):
        raise webhooks.transaction.DatabaseError("server closed the connection unexpectedly")

    monkeypatch.setattr(webhooks, "ingest", failing)
    body = instagram_comment_body()
    assert post(client, body, sign(body)).status_code == 200

    # then nothing is lost: the delivery is pending with the error and a later attempt time
    hook = InboundWebhook.objects.get()
    assert hook.processed_at is None and hook.attempts == 1
    assert "server closed the connection" in hook.last_error
    assert hook.next_attempt_at >= hook.received_at + dt.timedelta(seconds=60)

    # when the database is back, the sweep ingests it at its next attempt
    monkeypatch.setattr(webhooks, "ingest", real_ingest)
    webhooks.process_pending(now=hook.next_attempt_at)
    assert InboxItem.objects.get().source == "webhook"

    # and a delivery that keeps failing is retried hourly at most, and never dropped
    # (mentions reach us by webhook only)
    monkeypatch.setattr(webhooks, "ingest", failing)
    other = instagram_comment_body(comment_id="18000000000000002")
    post(client, other, sign(other))
    stuck = InboundWebhook.objects.get(processed_at__isnull=True)
    for _ in range(12):
        webhooks.process(stuck.pk)
    stuck.refresh_from_db()
    assert stuck.attempts == 13
    assert stuck.next_attempt_at <= timezone.now() + dt.timedelta(hours=1, seconds=5)
    later = stuck.received_at + dt.timedelta(days=30)
    assert webhooks.process_pending(now=later) == 1
    monkeypatch.setattr(webhooks, "ingest", real_ingest)
    assert webhooks.process_pending(now=later + dt.timedelta(hours=1)) == 1
    assert InboxItem.objects.filter(remote_id="18000000000000002").exists()


def test_a_sweep_hands_a_delivery_out_once_until_its_lease_ends(client, instagram, monkeypatch):
    from inbox import tasks, webhooks

    # given a stored delivery whose wake-up was lost, and a worker that is slow to take it
    monkeypatch.setattr(tasks.process_inbound_webhook, "apply_async", lambda *args, **kwargs: None)
    body = instagram_comment_body()
    post(client, body, sign(body))
    hook = InboundWebhook.objects.get()
    due = hook.next_attempt_at

    # then consecutive sweeps hand it out once, then again when the lease has run out
    assert webhooks.process_pending(now=due) == 1
    assert webhooks.process_pending(now=due + dt.timedelta(minutes=1)) == 0
    assert webhooks.process_pending(now=due + webhooks.SWEEP_LEASE) == 1


def test_a_change_without_its_own_time_is_dated_when_it_arrived_not_when_ingested(client, instagram, monkeypatch):
    from inbox import tasks, webhooks

    # given an Instagram mention without a time (Meta sends ids only), ingested an hour late
    monkeypatch.setattr(tasks.process_inbound_webhook, "apply_async", lambda *args, **kwargs: None)
    body = json.dumps(
        {
            "object": "instagram",
            "entry": [{"id": "17841400000000001", "changes": [{"field": "mentions", "value": {"media_id": "1799"}}]}],
        }
    ).encode()
    post(client, body, sign(body))
    hook = InboundWebhook.objects.get()
    arrived = timezone.now() - dt.timedelta(hours=1)
    InboundWebhook.objects.filter(pk=hook.pk).update(received_at=arrived)

    webhooks.process(hook.pk)

    assert InboxItem.objects.get().created_at == arrived


def test_a_delivery_is_ingested_once_however_often_it_is_processed(client, instagram):
    from inbox import webhooks

    body = instagram_comment_body()
    post(client, body, sign(body))
    hook = InboundWebhook.objects.get()

    assert webhooks.process(hook.pk) == "skipped"
    assert InboxItem.objects.count() == 1


def test_deliveries_with_nothing_for_the_inbox_are_not_kept_and_old_ones_are_dropped(client, instagram):
    from inbox import webhooks

    # a change we do not read (a Page's rating) is answered but not stored
    unread = json.dumps({"object": "page", "entry": [{"id": "1", "changes": [{"field": "ratings"}]}]}).encode()
    assert post(client, unread, sign(unread)).status_code == 200
    assert InboundWebhook.objects.count() == 0

    # a processed delivery is kept a week, then dropped by the sweep
    body = instagram_comment_body()
    post(client, body, sign(body))
    hook = InboundWebhook.objects.get()
    webhooks.process_pending(now=hook.processed_at + dt.timedelta(days=6))
    assert InboundWebhook.objects.filter(pk=hook.pk).exists()
    webhooks.process_pending(now=hook.processed_at + dt.timedelta(days=8))
    assert not InboundWebhook.objects.filter(pk=hook.pk).exists()
    assert InboxItem.objects.count() == 1


def test_an_operator_sees_a_stuck_delivery_and_its_error_in_the_admin(client, instagram, make_user, monkeypatch):
    from inbox import webhooks

    def failing(*args, **kwargs):
        raise webhooks.transaction.DatabaseError("could not extend relation")

    monkeypatch.setattr(webhooks, "ingest", failing)
    body = instagram_comment_body()
    post(client, body, sign(body))
    client.force_login(make_user("root", is_staff=True, is_superuser=True))

    page = client.get("/admin/inbox/inboundwebhook/?processed_at__isnull=True").content.decode()

    assert "could not extend relation" in page
    assert "1 inbound webhook" in page


def test_deliveries_stuck_on_their_way_to_the_inbox_are_an_incident_for_the_operators(
    client, instagram, shop, monkeypatch
):
    from django.core.management import CommandError, call_command

    from inbox import webhooks
    from smm import operations

    # given a delivery whose ingest keeps failing, received 11 minutes ago
    def failing(*args, **kwargs):
        raise webhooks.transaction.DatabaseError("could not extend relation")

    monkeypatch.setattr(webhooks, "ingest", failing)
    body = instagram_comment_body()
    post(client, body, sign(body))
    hook = InboundWebhook.objects.get()
    now = hook.received_at + dt.timedelta(minutes=11)

    # then the installation's report (monitoring, check_operations) says so, in words
    [late] = [i for i in operations.status(now=now)["incidents"] if "webhook deliver" in i]
    assert late.startswith("1 webhook delivery has waited over 10 minutes to reach the inbox")
    assert "could not extend relation" in late
    # but a workspace's own operations page does not show installation-wide plumbing
    assert not [i for i in operations.status(shop["ws"], now=now)["incidents"] if "webhook deliver" in i]

    # when it keeps failing, a second incident says where to look
    for _ in range(webhooks.FAILING_AFTER - 1):
        webhooks.process(hook.pk)
    late, failing = [i for i in operations.status(now=now)["incidents"] if "webhook deliver" in i]
    assert failing.startswith("1 webhook delivery keeps failing (8 attempts or more)")
    assert "admin (Inbound webhooks)" in failing
    with pytest.raises(CommandError):
        call_command("check_operations", "--quiet")

    # and once it reaches the inbox, both incidents are gone
    monkeypatch.undo()
    webhooks.process(hook.pk)
    assert InboxItem.objects.count() == 1
    assert not [i for i in operations.status(now=now)["incidents"] if "webhook deliver" in i]


def test_a_broken_app_check_is_reported_not_raised(monkeypatch):
    from inbox import webhooks
    from smm import operations

    def broken(now):
        raise RuntimeError("boom")

    monkeypatch.setattr(webhooks, "incidents", broken)

    assert "The Inbox check could not run; see the logs." in operations.app_incidents(dt.datetime.now(dt.UTC))
