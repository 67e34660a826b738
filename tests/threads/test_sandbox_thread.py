"""A three-part thread published through the engine to the sandbox network over HTTP (served
by live_server), read back as a reply chain; then the same with the answer to part 2 dropped
after the sandbox stored it: part 2 is found through its own Idempotency-Key, never posted
twice, and part 3 goes out once."""

from __future__ import annotations

import json

import pytest
import requests
from django.db import connection

from posts import actions, publishing, threads
from posts.models import PostTarget, TargetState
from smm.platforms.mastodon import MastodonAdapter
from tests.sandbox.conftest import live_sandbox_world  # noqa: F401 (fixture)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="the test server shares one in-memory SQLite connection across threads; CI runs this on PostgreSQL",
    ),
]

PARTS = ["Part two: roasted on Tuesdays", "Part three: order by Friday"]


@pytest.fixture
def world(live_sandbox_world):  # noqa: F811 (the fixture imported above)
    return live_sandbox_world("Threads", "acme_threads")


def get(world, path: str):
    response = requests.get(
        f"{world['live']}/sandbox/api/v1{path}", headers={"Authorization": f"Bearer {world['token']}"}, timeout=10
    )
    assert response.status_code == 200, response.text
    return response.json()


def publish_thread_now(world) -> PostTarget:
    account = world["account"]
    post = actions.create_post(world["ws"], world["brand"], world["owner"], "Part one: the autumn blend", [account])
    threads.set_thread(post, PARTS, "")
    actions.publish_now(post, world["owner"])
    target = post.targets.get()
    PostTarget.objects.filter(pk=target.pk).update(state=TargetState.QUEUED)  # the dispatcher's claim
    assert publishing.publish_target(target.pk) == "published"
    target.refresh_from_db()
    return target


def read_chain(world, target) -> list[tuple[str, str | None]]:
    """From the last part up through in_reply_to_id, as a Mastodon client reads it."""
    last = target.publish_state["thread"][-1]["id"]
    chain = []
    status = get(world, f"/statuses/{last}")
    while True:
        chain.append((status["content"], status["in_reply_to_id"], status["id"]))
        if not status["in_reply_to_id"]:
            break
        status = get(world, f"/statuses/{status['in_reply_to_id']}")
    return list(reversed(chain))


def test_a_three_part_thread_reaches_the_sandbox_as_a_reply_chain(world):
    target = publish_thread_now(world)

    chain = read_chain(world, target)
    texts = [content for content, _, _ in chain]
    assert len(chain) == 3
    assert "Part one" in texts[0] and "Part two" in texts[1] and "Part three" in texts[2]
    assert chain[0][1] is None and chain[1][1] == chain[0][2] and chain[2][1] == chain[1][2]
    assert target.remote_id == chain[0][2]  # the post is its first part
    statuses = get(world, f"/accounts/{world['account'].remote_id}/statuses")
    assert len(statuses) == 3


def test_a_dropped_answer_at_part_two_is_resolved_without_a_second_post(world, monkeypatch):
    real_call = MastodonAdapter._call
    dropped = []

    def call(self, account, method, path, **kwargs):
        body = kwargs.get("json") or {}
        if path == "/api/v1/statuses" and body.get("status", "").startswith("Part two") and not dropped:
            dropped.append(True)  # the sandbox stores it, then closes the connection unanswered
            kwargs["headers"] = {
                **kwargs.get("headers", {}),
                "X-Sandbox-Faults": json.dumps({"drop_after_store_rate": 1}),
            }
        return real_call(self, account, method, path, **kwargs)

    monkeypatch.setattr(MastodonAdapter, "_call", call)
    real_lookup = MastodonAdapter.lookup_published
    looked_up = []

    def lookup(self, account, content, attempt):
        looked_up.append(content.text)
        return real_lookup(self, account, content, attempt)

    monkeypatch.setattr(MastodonAdapter, "lookup_published", lookup)

    target = publish_thread_now(world)

    assert dropped == [True]
    assert looked_up == [PARTS[0]]  # the answer really was lost, and only part 2 was looked up
    statuses = get(world, f"/accounts/{world['account'].remote_id}/statuses")
    assert len(statuses) == 3  # part 2 found by its key, not posted again; part 3 once
    chain = read_chain(world, target)
    assert ["Part one" in chain[0][0], "Part two" in chain[1][0], "Part three" in chain[2][0]] == [True] * 3
