"""A Meta delivery end to end with a real Celery worker on the inbox queue (PostgreSQL +
Redis): the receiver answers before anything is ingested, the worker then ingests it."""

from __future__ import annotations

import pytest

from inbox.models import InboundWebhook, InboxItem
from tests.engine.test_integration import Engine, _services, redis_db, wait_for  # noqa: F401 (fixtures)
from tests.inbox.test_webhooks import SECRET, instagram_comment_body, sign

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def inbox_worker(tmp_path, redis_db):  # noqa: F811 (the fixture imported above)
    engine = Engine(tmp_path)
    engine.queue_worker("inbox", "inbox")
    try:
        yield engine
    finally:
        engine.stop_all()
        print(engine.logs())  # shown by pytest only when the test failed


def test_a_signed_delivery_is_answered_then_ingested_by_the_worker(client, settings, shop, make_account, inbox_worker):
    settings.META_APP_SECRET = SECRET
    account = make_account(shop["brand"], "instagram", "@acme.coffee", remote_id="17841400000000001")
    body = instagram_comment_body("18000000000000077", "My order never arrived, I want a refund")
    signature = sign(body)

    # when Meta delivers
    response = client.post(
        "/hooks/meta/", body, content_type="application/json", headers={"X-Hub-Signature-256": signature}
    )

    # then Meta has its answer, and the worker puts the comment in the account's inbox
    assert response.status_code == 200
    item = wait_for(
        lambda: InboxItem.objects.filter(account=account).first(), timeout=60, what="the worker to ingest it"
    )
    assert (item.author_handle, item.source) == ("pat.doe", "webhook")
    assert item.handle_label == "@pat.doe"
    hook = InboundWebhook.objects.get()
    assert hook.processed_at is not None and hook.new_items == 1 and hook.attempts == 0
