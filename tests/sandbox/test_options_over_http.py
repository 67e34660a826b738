"""Point 3 over HTTP: a post's Mastodon options (visibility, content warning, sensitive,
language, poll) go through the engine's publish path and the Mastodon adapter to the
sandbox served by live_server, and a Mastodon client reads them back from the status."""

from __future__ import annotations

import pytest
import requests
from django.db import connection

from posts import actions, publishing
from posts.models import PostTarget, TargetState
from smm.platforms import get_adapter
from smm.platforms.base import MediaItem, Permanent, PostContent, PublishAttempt

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="the test server shares one in-memory SQLite connection across threads; CI runs this on PostgreSQL",
    ),
]


@pytest.fixture
def world(live_sandbox_world):
    return live_sandbox_world("Options", "acme_options")


def read_status(world, remote_id: str) -> dict:
    response = requests.get(
        f"{world['live']}/sandbox/api/v1/statuses/{remote_id}",
        headers={"Authorization": f"Bearer {world['token']}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_options_reach_the_sandbox_through_the_publish_path(world):
    # given: a post whose Mastodon target has options, published now
    account = world["account"]
    options = {
        "visibility": "private",
        "spoiler_text": "Roast talk",
        "language": "de",
        "poll": {"options": ["Light", "Dark", "Both"], "duration_minutes": 30},
    }
    post = actions.create_post(
        world["ws"],
        world["brand"],
        world["owner"],
        "Which roast do you like?",
        [account],
        options={account.pk: options},
    )
    actions.publish_now(post, world["owner"])
    target = post.targets.get()
    # (the dispatcher's claim, without Celery: the task's own function does the rest)
    PostTarget.objects.filter(pk=target.pk).update(state=TargetState.QUEUED)

    # when
    outcome = publishing.publish_target(target.pk)

    # then: published once, and the status on the network carries every option
    target.refresh_from_db()
    assert (outcome, target.state) == ("published", TargetState.PUBLISHED), target.error_message
    status = read_status(world, target.remote_id)
    assert status["visibility"] == "private"
    assert status["spoiler_text"] == "Roast talk"
    assert status["sensitive"] is True
    assert status["language"] == "de"
    assert [o["title"] for o in status["poll"]["options"]] == ["Light", "Dark", "Both"]
    assert status["poll"]["multiple"] is False
    # a followers-only status is not shown to a reader without the account's token
    anonymous = requests.get(f"{world['live']}/sandbox/api/v1/statuses/{target.remote_id}", timeout=10)
    assert anonymous.status_code == 404


def test_the_adapter_reads_the_poll_limits_and_is_refused_a_poll_with_media(world, png_bytes):
    account = world["account"]
    adapter = get_adapter("mastodon")

    # the instance's own limits, read over HTTP (v2), polls included
    limits = adapter.instance_limits(account.base_url)
    assert limits["max_text_length"] == 500
    assert (limits["max_poll_options"], limits["max_poll_option_length"]) == (4, 50)

    # a poll with an image (the composer refuses it first; here the server does)
    content = PostContent(
        text="Vote",
        media=[MediaItem(mime_type="image/png", data=png_bytes, alt_text="A cup", filename="a.png")],
        options={"poll": {"options": ["A", "B"], "duration_minutes": 60}},
    )
    with pytest.raises(Permanent) as refused:
        adapter.publish(account.context(), content, PublishAttempt("poll-and-media"))
    assert refused.value.user_message == "Mastodon refused the post: Cannot attach files to a post with a poll"


def test_a_lost_answer_is_resolved_to_the_same_status_with_its_options(world):
    # given: a status sent with options, whose answer we pretend was lost
    account = world["account"]
    adapter = get_adapter("mastodon")
    content = PostContent(text="Quiet hello", options={"visibility": "unlisted", "spoiler_text": "cw"})
    first = adapter.publish(account.context(), content, PublishAttempt("lost-1"))

    # when the engine looks it up with the same key
    found = adapter.lookup_published(
        account.context(), content, PublishAttempt("lost-1", state={"status_sent_at": adapter.now().isoformat()})
    )

    # then it is the same status, not a second one
    assert found.remote_id == first.remote_id
    assert read_status(world, found.remote_id)["visibility"] == "unlisted"
    from sandbox.models import SandboxStatus

    assert SandboxStatus.objects.filter(text="Quiet hello").count() == 1
