"""Pinterest through the publishing engine: a Pin with its own text and options whose
POST /pins answer is lost is found on its board and recorded once; a video Pin waits for
Pinterest's processing without a worker and is created once."""

from __future__ import annotations

import json

import pytest
import requests
import responses
from django.utils import timezone

from posts import publishing
from posts.media import store_upload
from posts.models import PostMedia, PostTarget, TargetState
from posts.video import make_clip
from smm.platforms.base import AppCredentials
from smm.platforms.pinterest import PinterestAdapter
from tests.engine import conftest as engine_conftest
from tests.media import video_asset as stored_video
from tests.platforms.test_pinterest_video import PARAMS, S3

pytestmark = pytest.mark.django_db
engine_world = engine_conftest.engine_world  # a workspace, its people, a brand
make_target = engine_conftest.make_target

API = "https://api.pinterest.com/v5"
BOARD = "549755885175"
PIN = "813744226420795884"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.SITE_URL = "https://smm.example"


@pytest.fixture
def pinterest(engine_world, make_account, use_adapter):
    boards = [{"id": "1", "name": "Other"}, {"id": BOARD, "name": "Roasts"}]
    account = make_account(
        engine_world["brand"],
        network="pinterest",
        handle="northwind",
        remote_id="5174491",
        credentials={"access_token": "pina_t", "refresh_token": "pinr_t"},
        limits={"boards": boards},
    )
    use_adapter(PinterestAdapter(AppCredentials(client_id="1", client_secret="s")).apply_limits(account.limits))
    return account


def row(target) -> PostTarget:
    return PostTarget.objects.get(pk=target.pk)


def test_a_lost_pin_answer_is_found_on_the_board_and_recorded_once(engine_world, pinterest, make_target):
    # given a queued post whose Pinterest target has its own text, board and title
    asset = store_upload(engine_world["ws"], _jpeg_upload(), alt_text="Beans in a copper scoop")
    target = make_target(
        state=TargetState.QUEUED,
        account=pinterest,
        text="Main text for the other networks",
        options={"board": BOARD, "title": "Fresh roast"},
    )
    PostTarget.objects.filter(pk=target.pk).update(text="Fresh roast, the Pinterest way")
    PostMedia.objects.create(post=target.post, asset=asset)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as network:
        # when POST /pins goes out and the connection drops before Pinterest answers
        network.add(responses.POST, f"{API}/pins", body=requests.exceptions.ConnectionError("Connection aborted"))
        soon = (timezone.now()).replace(tzinfo=None).isoformat(timespec="seconds")
        network.add(
            responses.GET,
            f"{API}/boards/{BOARD}/pins",
            json={
                "items": [
                    {
                        "id": PIN,
                        "created_at": soon,
                        "title": "Fresh roast",
                        "description": "Fresh roast, the Pinterest way",
                        "link": None,
                    }
                ]
            },
        )
        outcome = publishing.publish_target(target.pk)

        # then the engine looked on the board, found it, and recorded it: one POST /pins
        assert outcome == "published"
        posts = [c for c in network.calls if c.request.method == "POST"]
        assert len(posts) == 1
        sent = json.loads(posts[0].request.body)
        assert sent["board_id"] == BOARD
        assert sent["title"] == "Fresh roast"
        assert sent["description"] == "Fresh roast, the Pinterest way"
        assert sent["alt_text"] == "Beans in a copper scoop"
        assert sent["media_source"]["source_type"] == "image_url"
        assert sent["media_source"]["url"].startswith("https://smm.example/")
    done = row(target)
    assert done.state == TargetState.PUBLISHED
    assert done.remote_id == PIN
    assert done.remote_url == f"https://www.pinterest.com/pin/{PIN}/"


def test_a_video_pin_waits_for_processing_and_is_created_once(engine_world, pinterest, make_target, tmp_path):
    asset = stored_video(engine_world["ws"], make_clip(tmp_path / "roast.mp4", seconds=5, width=320, height=568))
    target = make_target(
        state=TargetState.QUEUED, account=pinterest, text="Roasting, in motion", options={"board": BOARD}
    )
    PostMedia.objects.create(post=target.post, asset=asset)
    statuses = iter(["processing", "succeeded"])
    with responses.RequestsMock(assert_all_requests_are_fired=False) as network:
        network.add(
            responses.POST,
            f"{API}/media",
            json={"media_id": "77", "media_type": "video", "upload_url": S3, "upload_parameters": PARAMS},
        )
        network.add(responses.POST, S3, status=204)
        network.add_callback(
            responses.GET,
            f"{API}/media/77",
            callback=lambda request: (200, {}, json.dumps({"media_id": "77", "status": next(statuses)})),
        )
        network.add(responses.POST, f"{API}/pins", status=201, json={"id": PIN, "created_at": "2026-12-07T20:00:00"})

        # when the worker runs it: uploaded, Pinterest still processing
        assert publishing.publish_target(target.pk) == "processing"
        waiting = row(target)
        assert waiting.state == TargetState.SCHEDULED
        assert waiting.error_user_message == "Pinterest is processing the video"

        # when it is due again: processed, the Pin is created
        assert PostTarget.objects.filter(pk=target.pk).update(state=TargetState.QUEUED)
        assert publishing.publish_target(target.pk) == "published"

        methods = [(c.request.method, c.request.url.split("?")[0]) for c in network.calls]
        assert methods.count(("POST", f"{API}/media")) == 1
        assert methods.count(("POST", S3)) == 1
        assert methods.count(("POST", f"{API}/pins")) == 1
        sent = json.loads([c for c in network.calls if c.request.url == f"{API}/pins"][0].request.body)
        assert sent["media_source"]["source_type"] == "video_id" and sent["media_source"]["media_id"] == "77"
    assert row(target).remote_id == PIN


def _jpeg_upload():
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (200, 300), (120, 60, 20)).save(out, format="JPEG")
    return SimpleUploadedFile("beans.jpg", out.getvalue(), content_type="image/jpeg")


class WorkerDied(BaseException):
    """What a killed worker looks like to the code it was running: it stops, mid-flow."""


def test_a_worker_killed_during_the_upload_is_requeued_without_asking_and_sends_once(
    engine_world, pinterest, make_target, tmp_path
):
    import datetime as dt

    asset = stored_video(engine_world["ws"], make_clip(tmp_path / "pour.mp4", seconds=5, width=320, height=568))
    target = make_target(state=TargetState.QUEUED, account=pinterest, text="Pouring", options={"board": BOARD})
    PostMedia.objects.create(post=target.post, asset=asset)
    media_ids = iter(["81", "82"])
    uploads = []

    def register(request):
        body = {"media_id": next(media_ids), "media_type": "video", "upload_url": S3, "upload_parameters": PARAMS}
        return (201, {}, json.dumps(body))

    def s3(request):
        uploads.append(request)
        if len(uploads) == 1:
            raise WorkerDied()  # killed while the file streams to S3
        return (204, {}, "")

    statuses = {"81": "registered", "82": "succeeded"}
    with responses.RequestsMock(assert_all_requests_are_fired=False) as network:
        network.add_callback(responses.POST, f"{API}/media", callback=register)
        network.add_callback(responses.POST, S3, callback=s3)
        for media_id, status in statuses.items():
            network.add(responses.GET, f"{API}/media/{media_id}", json={"media_id": media_id, "status": status})
        network.add(responses.POST, f"{API}/pins", status=201, json={"id": PIN, "created_at": "2026-12-07T20:00:00"})

        # when the worker is killed during the upload to S3
        with pytest.raises(WorkerDied):
            publishing.publish_target(target.pk)
        assert row(target).publish_state["pi_video"]["media_id"] == "81"

        # then the sweeper knows no Pin was asked for, without asking Pinterest, and queues it again
        PostTarget.objects.filter(pk=target.pk).update(locked_until=timezone.now() - dt.timedelta(seconds=1))
        before = len(network.calls)
        assert publishing.resolve_expired() == 1
        assert len(network.calls) == before
        assert row(target).state == TargetState.SCHEDULED

        # when a worker runs it: media 81 never got its file, so a new media is sent once, then the Pin
        assert PostTarget.objects.filter(pk=target.pk).update(state=TargetState.QUEUED)
        assert publishing.publish_target(target.pk) == "published"
        pins = [c for c in network.calls if c.request.url == f"{API}/pins"]
        assert len(pins) == 1
        assert json.loads(pins[0].request.body)["media_source"]["media_id"] == "82"
        assert len(uploads) == 2
    assert row(target).remote_id == PIN
