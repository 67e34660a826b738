"""The dispatcher's hand-over to the broker: one publish message per target, sent in
pipelines (kombu's publish batches on Redis), on the real Redis of the machine."""

from __future__ import annotations

import base64
import json
import os

import pytest
from django.conf import settings

from posts import publishing

pytestmark = pytest.mark.skipif(
    not os.environ.get("REDIS_URL") or not settings.CELERY_BROKER_URL.startswith("redis"),
    reason="needs the Redis broker (CI has it)",
)


@pytest.fixture
def broker():
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    client.flushdb()  # our own db
    yield client
    client.flushdb()
    client.close()


def queued_target_ids(client) -> list[int]:
    ids = []
    for raw in client.lrange("publish", 0, -1):
        message = json.loads(raw)
        assert message["headers"]["task"] == publishing.PUBLISH_TASK
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        ids.append(args[0])
    return ids


def test_every_target_gets_exactly_one_message(broker):
    # given 2.5 pipelines' worth of claimed targets
    ids = list(range(1, publishing.ENQUEUE_PIPELINE * 5 // 2 + 1))
    # when the dispatcher hands them over
    publishing.enqueue_publish(ids)
    # then each has one message on the publish queue
    assert sorted(queued_target_ids(broker)) == ids


def test_a_pipeline_that_cannot_be_sent_is_logged_and_the_others_still_go(broker, monkeypatch, caplog):
    # given a broker refusing the message of target 7 (in the first pipeline)
    send = publishing.celery_app.send_task

    def refusing(name, args, **kwargs):
        if args == (7,):
            raise ConnectionError("broker went away")
        return send(name, args, **kwargs)

    monkeypatch.setattr(publishing.celery_app, "send_task", refusing)
    ids = list(range(1, publishing.ENQUEUE_PIPELINE * 2 + 1))
    # when the dispatcher hands them over
    publishing.enqueue_publish(ids)
    # then the first pipeline is left to the sweeper, said in the log, and the second went out
    assert sorted(queued_target_ids(broker)) == ids[publishing.ENQUEUE_PIPELINE :]
    assert "the sweeper will retry" in caplog.text
