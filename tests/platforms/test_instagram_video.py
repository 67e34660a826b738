"""Instagram video: Reels, stories and carousels with video, against the documented
container flow (create -> status IN_PROGRESS ... FINISHED -> media_publish), with the
engine coming back while Instagram processes (StillProcessing) instead of a worker waiting."""

from dataclasses import replace

import pytest
import responses

from smm.platforms.base import (
    AppCredentials,
    MediaItem,
    OutcomeUnknown,
    Permanent,
    PostContent,
    PublishAttempt,
    RateLimited,
    StillProcessing,
    Transient,
)
from smm.platforms.instagram import InstagramAdapter
from tests.platforms.helpers import form, lifetime_insights

G = "https://graph.instagram.com/v23.0"
VIDEO = MediaItem(
    mime_type="video/mp4",
    url="https://smm.test/media/reel.mp4",
    size=5_000_000,
    width=1080,
    height=1920,
    filename="reel.mp4",
    duration=12.0,
    frame_rate=30,
    container="mp4",
    video_codec="h264",
    audio_codec="aac",
    thumbnail_url="https://smm.test/media/reel.jpg",
)
IMAGE = MediaItem(mime_type="image/jpeg", url="https://smm.test/media/a.jpg", size=1000)


@pytest.fixture
def clock():
    return [1_000_000.0]


@pytest.fixture
def adapter(clock):
    instagram = InstagramAdapter(AppCredentials(client_id="app1", client_secret="secret"))
    instagram.sleep = lambda seconds: None
    instagram.clock = lambda: clock[0]
    return instagram


@pytest.fixture
def account(account_context):
    return account_context("instagram", "1784", credentials={"access_token": "IGtok", "user_id": "1784"})


def status(rsps, container, code, detail=""):
    rsps.add(responses.GET, f"{G}/{container}", json={"status_code": code, "status": detail, "id": container})


def published(rsps, media_id="m1"):
    rsps.add(responses.POST, f"{G}/1784/media_publish", json={"id": media_id})
    rsps.add(
        responses.GET,
        f"{G}/{media_id}",
        json={"permalink": f"https://www.instagram.com/reel/{media_id}/", "timestamp": "2026-03-01T10:00:00+0000"},
    )


def saving():
    """An attempt whose saved states are kept, as the engine keeps publish_state."""
    saves: list[dict] = []
    return PublishAttempt("k", save_state=saves.append), saves


def resumed(saves: list[dict]) -> PublishAttempt:
    """The attempt a re-queued target gets: the last state saved, nothing else."""
    return PublishAttempt("k", state=dict(saves[-1]), save_state=saves.append)


def codes(adapter, content):
    return sorted(p.code for p in adapter.validate(content))


# --- rules -------------------------------------------------------------------------------------


def test_a_reel_within_the_rules_passes(adapter):
    assert adapter.validate(PostContent(text="New bikes", media=[VIDEO])) == []


def test_reel_rules_refuse_short_slow_wide_and_vp9_videos(adapter):
    short = replace(VIDEO, duration=2.0)
    slow = replace(VIDEO, frame_rate=15)
    vp9 = replace(VIDEO, video_codec="vp9")
    huge = replace(VIDEO, width=3840, height=2160)
    assert codes(adapter, PostContent(text="x", media=[short])) == ["video_too_short"]
    assert codes(adapter, PostContent(text="x", media=[slow])) == ["video_frame_rate"]
    assert codes(adapter, PostContent(text="x", media=[vp9])) == ["video_codec"]
    assert codes(adapter, PostContent(text="x", media=[huge])) == ["video_dimensions"]
    problem = adapter.validate(PostContent(text="x", media=[replace(VIDEO, duration=16 * 60.0)]))[0]
    assert problem.message.startswith("The video is 16 minutes long;")
    assert problem.message.endswith("Instagram Reel can be at most 15 minutes.")


def test_a_story_video_is_at_most_a_minute_and_alone(adapter):
    story = {"kind": "story"}
    assert adapter.validate(PostContent(text="", media=[replace(VIDEO, duration=59.0)], options=story)) == []
    assert codes(adapter, PostContent(text="", media=[replace(VIDEO, duration=90.0)], options=story)) == [
        "video_too_long"
    ]
    problems = adapter.validate(PostContent(text="", media=[VIDEO, IMAGE], options=story))
    assert [p.message for p in problems] == ["An Instagram story takes one image or video; this post has 2."]


def test_a_carousel_mixes_videos_and_images_up_to_ten(adapter):
    assert adapter.validate(PostContent(text="x", media=[VIDEO, IMAGE, VIDEO])) == []
    problems = adapter.validate(PostContent(text="x", media=[VIDEO] * 6 + [IMAGE] * 5))
    assert [p.message for p in problems] == ["This post has 11 images and videos; Instagram allows 10."]


def test_a_video_needs_a_public_url(adapter):
    problems = adapter.validate(PostContent(text="x", media=[replace(VIDEO, url=None)]))
    assert [(p.code, p.message) for p in problems] == [("media_url", "The video needs a public URL for Instagram.")]


def test_options_keep_only_what_instagram_takes(adapter):
    assert InstagramAdapter.clean_options({"kind": "feed", "reels_only": ""}) == {}
    assert InstagramAdapter.clean_options({"kind": "Story", "reels_only": "on", "visibility": "x"}) == {
        "kind": "story",
        "reels_only": True,
    }
    problems = adapter.validate(PostContent(text="x", media=[IMAGE], options={"kind": "live"}))
    assert [p.code for p in problems] == ["choice"]


# --- Reels ---------------------------------------------------------------------------------------


def test_a_reel_waits_for_processing_without_a_worker_then_publishes_once(rsps, adapter, account, clock):
    # given Instagram processes the reel over two of the engine's checks
    attempt, saves = saving()
    rsps.add(responses.POST, f"{G}/1784/media", json={"id": "c1"})
    status(rsps, "c1", "IN_PROGRESS")
    content = PostContent(text="New bikes #spring", media=[VIDEO])
    # when the engine first runs the target
    with pytest.raises(StillProcessing) as first:
        adapter.publish(account, content, attempt)
    # then the container was made from the public URL and remembered; come back in 30 s
    assert form(rsps.calls[0]) == {
        "media_type": "REELS",
        "video_url": "https://smm.test/media/reel.mp4",
        "caption": "New bikes #spring",
        "share_to_feed": "true",
        "cover_url": "https://smm.test/media/reel.jpg",
        "access_token": "IGtok",
    }
    assert saves[0] == {"container_id": "c1"}
    assert first.value.check_after == 30
    assert "Instagram is processing the video" in first.value.user_message

    # when it comes back a minute later and Instagram still works on it
    clock[0] += 60
    status(rsps, "c1", "IN_PROGRESS")
    with pytest.raises(StillProcessing) as second:
        adapter.publish(account, content, resumed(saves))
    assert second.value.check_after == 60

    # when it comes back again and the container is FINISHED
    clock[0] += 60
    status(rsps, "c1", "FINISHED")
    published(rsps)
    result = adapter.publish(account, content, resumed(saves))
    # then it is published once, from the same container
    assert (result.remote_id, result.url) == ("m1", "https://www.instagram.com/reel/m1/")
    creates = [c for c in rsps.calls if c.request.method == "POST" and c.request.url.endswith("/1784/media")]
    assert len(creates) == 1
    assert form(rsps.calls[-2]) == {"creation_id": "c1", "access_token": "IGtok"}
    assert saves[-1]["media_id"] == "m1"


def test_a_reel_kept_to_the_reels_tab_is_not_shared_to_the_feed(rsps, adapter, account):
    rsps.add(responses.POST, f"{G}/1784/media", json={"id": "c1"})
    status(rsps, "c1", "IN_PROGRESS")
    content = PostContent(text="x", media=[replace(VIDEO, thumbnail_url=None)], options={"reels_only": True})
    with pytest.raises(StillProcessing):
        adapter.publish(account, content, PublishAttempt("k"))
    sent = form(rsps.calls[0])
    assert sent["share_to_feed"] == "false"
    assert "cover_url" not in sent


def test_a_failed_reel_says_why_in_plain_words_and_is_forgotten(rsps, adapter, account):
    # given a remembered container that Instagram could not process
    attempt, saves = saving()
    attempt.state.update(container_id="c1", processing_since=1_000_000.0)
    status(rsps, "c1", "ERROR", "Error: Media upload has failed with error code 2207026")
    # when
    with pytest.raises(Permanent) as caught:
        adapter.publish(account, PostContent(text="x", media=[VIDEO]), attempt)
    # then
    assert caught.value.user_message == (
        "Instagram does not take the video's format. Convert it to MP4 (H.264 with AAC sound) and try again."
    )
    assert saves[-1]["container_id"] is None  # a person's retry starts with a fresh container


def test_a_reel_that_fails_right_away_is_permanent(rsps, adapter, account):
    rsps.add(responses.POST, f"{G}/1784/media", json={"id": "c1"})
    status(rsps, "c1", "ERROR", "2207052")
    with pytest.raises(Permanent) as caught:
        adapter.publish(account, PostContent(text="x", media=[VIDEO]), PublishAttempt("k"))
    assert "could not fetch the media from this site's public address" in caught.value.user_message


def test_an_expired_container_is_replaced(rsps, adapter, account):
    attempt = PublishAttempt("k", state={"container_id": "old"})
    status(rsps, "old", "EXPIRED")
    rsps.add(responses.POST, f"{G}/1784/media", json={"id": "c2"})
    status(rsps, "c2", "IN_PROGRESS")
    with pytest.raises(StillProcessing):
        adapter.publish(account, PostContent(text="x", media=[VIDEO]), attempt)
    assert attempt.state["container_id"] == "c2"


def test_waiting_gives_up_after_fifteen_minutes_in_plain_words(rsps, adapter, account, clock):
    # given Instagram has been processing since 16 minutes ago
    attempt = PublishAttempt("k", state={"container_id": "c1", "processing_since": clock[0] - 16 * 60})
    status(rsps, "c1", "IN_PROGRESS")
    # when / then
    with pytest.raises(Permanent) as caught:
        adapter.publish(account, PostContent(text="x", media=[VIDEO]), attempt)
    assert "Instagram was still processing the video after 15 minutes" in caught.value.user_message
    assert attempt.state["processing_since"] is None  # a retry waits afresh
    assert attempt.state["container_id"] == "c1"  # and may still publish this container


def test_media_not_ready_at_publish_means_wait_again(rsps, adapter, account):
    status(rsps, "c1", "FINISHED")
    rsps.add(
        responses.POST,
        f"{G}/1784/media_publish",
        status=400,
        json={"error": {"message": "Media ID is not available", "code": 9007, "error_subcode": 2207027}},
    )
    with pytest.raises(StillProcessing):
        adapter.publish(
            account, PostContent(text="x", media=[VIDEO]), PublishAttempt("k", state={"container_id": "c1"})
        )


@pytest.mark.parametrize("code", [4, 17, 32, 613])
def test_throttles_while_creating_a_reel_are_rate_limited(rsps, adapter, account, code):
    rsps.add(responses.POST, f"{G}/1784/media", status=400, json={"error": {"message": "Too many calls", "code": code}})
    with pytest.raises(RateLimited):
        adapter.publish(account, PostContent(text="x", media=[VIDEO]), PublishAttempt("k"))


def test_a_server_error_while_checking_is_transient_and_keeps_the_container(rsps, adapter, account):
    attempt = PublishAttempt("k", state={"container_id": "c1"})
    rsps.add(responses.GET, f"{G}/c1", status=503, json={"error": {"message": "Service unavailable", "code": 2}})
    with pytest.raises(Transient):
        adapter.publish(account, PostContent(text="x", media=[VIDEO]), attempt)
    assert attempt.state["container_id"] == "c1"


# --- stories -----------------------------------------------------------------------------------


def test_a_story_video_sends_no_caption(rsps, adapter, account):
    rsps.add(responses.POST, f"{G}/1784/media", json={"id": "s1"})
    status(rsps, "s1", "FINISHED")
    published(rsps, "m9")
    result = adapter.publish(
        account, PostContent(text="not shown", media=[VIDEO], options={"kind": "story"}), PublishAttempt("k")
    )
    assert form(rsps.calls[0]) == {
        "media_type": "STORIES",
        "video_url": "https://smm.test/media/reel.mp4",
        "access_token": "IGtok",
    }
    assert result.remote_id == "m9"


def test_a_story_image_is_a_stories_container_too(rsps, adapter, account):
    rsps.add(responses.POST, f"{G}/1784/media", json={"id": "s2"})
    status(rsps, "s2", "FINISHED")
    published(rsps, "m8")
    adapter.publish(account, PostContent(text="", media=[IMAGE], options={"kind": "story"}), PublishAttempt("k"))
    assert form(rsps.calls[0]) == {
        "media_type": "STORIES",
        "image_url": "https://smm.test/media/a.jpg",
        "access_token": "IGtok",
    }


def test_a_published_story_container_without_its_media_id_is_for_a_person(rsps, adapter, account):
    status(rsps, "s1", "PUBLISHED")
    attempt = PublishAttempt("k", state={"container_id": "s1"})
    with pytest.raises(OutcomeUnknown):
        adapter.lookup_published(account, PostContent(text="", media=[VIDEO], options={"kind": "story"}), attempt)


# --- carousels with video ----------------------------------------------------------------------------


def test_a_carousel_with_video_remembers_each_item_and_resumes_after_a_worker_death(rsps, adapter, account):
    # given a video and an image; the worker dies after the first item was made
    attempt, saves = saving()
    rsps.add(responses.POST, f"{G}/1784/media", json={"id": "i1"})
    rsps.add(responses.POST, f"{G}/1784/media", body=ConnectionResetError("worker killed"))
    content = PostContent(text="Two", media=[VIDEO, IMAGE])
    with pytest.raises(ConnectionResetError):
        adapter.publish(account, content, attempt)
    assert saves[-1] == {"children": ["i1"]}
    assert form(rsps.calls[0]) == {
        "media_type": "VIDEO",
        "video_url": "https://smm.test/media/reel.mp4",
        "is_carousel_item": "true",
        "access_token": "IGtok",
    }

    # when the re-queued target runs: only the missing item is made; the video still processes
    rsps.add(responses.POST, f"{G}/1784/media", json={"id": "i2"})
    status(rsps, "i1", "IN_PROGRESS")
    status(rsps, "i2", "FINISHED")
    with pytest.raises(StillProcessing):
        adapter.publish(account, content, resumed(saves))
    assert saves[-1]["children"] == ["i1", "i2"]
    assert form(rsps.calls[2]) == {
        "image_url": "https://smm.test/media/a.jpg",
        "is_carousel_item": "true",
        "access_token": "IGtok",
    }

    # when it comes back and both items are FINISHED: the carousel is made and published
    calls_before = len(rsps.calls)
    status(rsps, "i1", "FINISHED")
    status(rsps, "i2", "FINISHED")
    rsps.add(responses.POST, f"{G}/1784/media", json={"id": "parent"})
    status(rsps, "parent", "FINISHED")
    published(rsps, "m2")
    result = adapter.publish(account, content, resumed(saves))
    # then
    creates = [c for c in rsps.calls[calls_before:] if c.request.method == "POST" and c.request.url.endswith("/media")]
    assert [form(c) for c in creates] == [
        {"media_type": "CAROUSEL", "children": "i1,i2", "caption": "Two", "access_token": "IGtok"}
    ]
    assert result.remote_id == "m2"


def test_a_failed_carousel_item_names_the_item(rsps, adapter, account):
    attempt = PublishAttempt("k", state={"children": ["i1", "i2"]})
    status(rsps, "i1", "FINISHED")
    status(rsps, "i2", "ERROR", "2207026")
    with pytest.raises(Permanent) as caught:
        adapter.publish(account, PostContent(text="x", media=[IMAGE, VIDEO]), attempt)
    assert caught.value.user_message.startswith("Item 2 of the carousel: Instagram does not take the video's format.")
    assert attempt.state["children"] is None


# --- unknown outcome and metrics ----------------------------------------------------------------------


def test_a_lost_publish_answer_is_resolved_by_the_existing_lookup(rsps, adapter, account):
    # given media_publish accepted the reel but its answer was unreadable
    attempt = PublishAttempt("k", state={"container_id": "c1"})
    status(rsps, "c1", "FINISHED")
    rsps.add(responses.POST, f"{G}/1784/media_publish", status=200, body="", content_type="text/plain")
    content = PostContent(text="New bikes", media=[VIDEO])
    with pytest.raises(OutcomeUnknown):
        adapter.publish(account, content, attempt)
    # when the engine looks it up: the container is PUBLISHED and the reel is found by caption
    status(rsps, "c1", "PUBLISHED")
    rsps.add(
        responses.GET,
        f"{G}/1784/media",
        json={"data": [{"id": "m1", "caption": "New bikes", "permalink": "https://www.instagram.com/reel/m1/"}]},
    )
    found = adapter.lookup_published(account, content, attempt)
    assert (found.remote_id, found.url) == ("m1", "https://www.instagram.com/reel/m1/")


def test_a_reel_reports_its_views_as_video_views(rsps, adapter, account):
    rsps.add(responses.GET, f"{G}/m1/insights", json=lifetime_insights(views=4200, reach=3000, likes=90))
    rsps.add(responses.GET, f"{G}/m1", json={"media_type": "VIDEO", "media_product_type": "REELS", "id": "m1"})
    metrics = adapter.fetch_post_metrics(account, ["m1"])["m1"]
    assert rsps.calls[1].request.params["fields"] == "media_type,media_product_type"
    assert (metrics.video_views, metrics.impressions, metrics.reach) == (4200, 4200, 3000)
