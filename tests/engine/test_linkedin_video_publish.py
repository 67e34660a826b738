"""A LinkedIn video through the publishing engine: the worker is killed halfway through the
upload; the sweeper finds nothing was posted (without asking LinkedIn), the target goes
back to the queue and resumes at the part after the last one saved, waits for LinkedIn's
processing without a worker, and is posted once."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import responses
from django.utils import timezone

from posts import publishing
from posts.models import PostMedia, PostTarget, TargetState
from posts.video import make_clip
from smm.platforms.base import AppCredentials
from smm.platforms.linkedin import LinkedInAdapter
from tests.media import video_asset as stored_video
from tests.platforms.test_linkedin_video import ORG, POST, VIDEO, FakeLinkedIn, WorkerDied

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.SITE_URL = "https://smm.example"


@pytest.fixture
def linkedin(engine_world, make_account, use_adapter):
    account = make_account(
        engine_world["brand"],
        network="linkedin",
        handle="Northwind Coffee",
        remote_id=ORG,
        credentials={"access_token": "LItok", "author_urn": ORG},
    )
    use_adapter(LinkedInAdapter(AppCredentials(client_id="li1", client_secret="lisecret")))
    return account


@pytest.fixture
def video_asset(engine_world, tmp_path):
    asset = stored_video(engine_world["ws"], make_clip(tmp_path / "roast.mp4", seconds=4, bitrate=400_000))
    return asset


def row(target) -> PostTarget:
    return PostTarget.objects.get(pk=target.pk)


def run_again(target) -> str:
    """What the dispatcher does for a due target: queue it; then the worker runs it."""
    assert PostTarget.objects.filter(pk=target.pk, state=TargetState.SCHEDULED).update(state=TargetState.QUEUED)
    return publishing.publish_target(target.pk)


class DyingUploads(FakeLinkedIn):
    """The worker is killed while it sends part ``die_on_part`` (once)."""

    die_on_part: int | None = None

    def _put(self, request):
        number = int(request.url.split("/part")[1].split("?")[0])
        if number == self.die_on_part:
            self.die_on_part = None
            self.received.append({"part": number, "died": True})
            raise WorkerDied()
        return super()._put(request)


def test_a_worker_killed_mid_upload_resumes_at_the_saved_part_and_posts_once(linkedin, video_asset, make_target):
    # given a queued LinkedIn post with a video LinkedIn wants in four parts
    target = make_target(state=TargetState.QUEUED, account=linkedin, text="Fresh roast, in motion")
    PostMedia.objects.create(post=target.post, asset=video_asset)
    size = video_asset.size
    with responses.RequestsMock(assert_all_requests_are_fired=False) as replay:
        network = DyingUploads(replay, size)
        network.die_on_part = 3
        network.statuses = ["PROCESSING", "AVAILABLE"]

        # when the worker is killed while sending part 3
        with pytest.raises(WorkerDied):
            publishing.publish_target(target.pk)
        # then parts 1 and 2 are saved on the target, which still holds its lease
        dead = row(target)
        assert dead.state == TargetState.PUBLISHING
        assert dead.publish_state["li_video"]["etags"] == ["etag-part1", "etag-part2"]

        # when its lease runs out and the sweeper looks
        PostTarget.objects.filter(pk=target.pk).update(locked_until=timezone.now() - dt.timedelta(seconds=1))
        calls_before = len(replay.calls)
        assert publishing.resolve_expired() == 1
        # then it knows nothing was posted without asking LinkedIn, and queues it again now
        assert len(replay.calls) == calls_before
        back = row(target)
        assert back.state == TargetState.SCHEDULED
        assert back.due_at <= timezone.now()

        # when a worker runs it: parts 3 and 4 only, finalized, LinkedIn still processing
        assert run_again(target) == "processing"
        assert [p["part"] for p in network.received] == [1, 2, 3, 3, 4]
        waiting = row(target)
        assert waiting.error_kind == "processing"
        assert waiting.error_user_message == "LinkedIn is processing the video"
        assert 5 < (waiting.due_at - timezone.now()).total_seconds() <= 10

        # when it is due again and LinkedIn has processed the video
        assert run_again(target) == "published"

        # then one post on LinkedIn, carrying the video; the upload was declared once
        assert len(network.inits) == 1
        assert len(network.finalizes) == 1
        assert network.finalizes[0]["finalizeUploadRequest"]["uploadedPartIds"] == [
            "etag-part1",
            "etag-part2",
            "etag-part3",
            "etag-part4",
        ]
        assert len(network.posts) == 1
        body = json.loads(network.posts[0].request.body)
        assert body["content"] == {"media": {"id": VIDEO}}
        assert body["commentary"] == "Fresh roast, in motion"
        done = row(target)
        assert done.state == TargetState.PUBLISHED
        assert done.remote_id == POST
        assert done.remote_url == f"https://www.linkedin.com/feed/update/{POST}/"
