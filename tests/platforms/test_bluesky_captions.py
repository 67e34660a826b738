"""Bluesky video subtitles: each WebVTT file goes up with com.atproto.repo.uploadBlob
(Content-Type text/vtt) once the video is processed, and the app.bsky.embed.video embed
carries ``captions: [{lang, file: blob}]``; a re-run uses the blobs it remembered."""

from __future__ import annotations

import json

import pytest

from posts.video import make_clip
from smm.platforms.base import PostContent, PublishAttempt, Transient
from smm.platforms.bluesky import BlueskyAdapter
from tests.platforms.helpers import sent_json
from tests.platforms.test_bluesky_video import (
    BLOB,
    DID,
    NOW,
    XRPC,
    Service,
    calls_to,
    create_record_ok,
    job,
    video_item,
)

UPLOAD_BLOB = f"{XRPC}/com.atproto.repo.uploadBlob"
CREATE = f"{XRPC}/com.atproto.repo.createRecord"
EN = "WEBVTT\n\n00:00.000 --> 00:01.000\nFresh beans are in!\n"
PT = "WEBVTT\n\n00:00.000 --> 00:01.000\nGrãos frescos chegaram!\n"


def vtt_blob(n: int) -> dict:
    return {"$type": "blob", "ref": {"$link": f"bafkreicaption{n}"}, "mimeType": "text/vtt", "size": 50 + n}


@pytest.fixture
def adapter():
    bluesky = BlueskyAdapter()
    bluesky.now = lambda: NOW
    bluesky.sleep = lambda seconds: None
    return bluesky


@pytest.fixture
def account(account_context):
    return account_context(
        "bluesky",
        DID,
        handle="brand.bsky.social",
        base_url="https://bsky.social",
        credentials={"access_token": "access-1", "refresh_token": "refresh-1", "did": DID},
    )


@pytest.fixture
def files(tmp_path):
    clip = make_clip(tmp_path / "c.mp4", seconds=1)
    en, pt = tmp_path / "en.vtt", tmp_path / "pt.vtt"
    en.write_text(EN, encoding="utf-8")
    pt.write_text(PT, encoding="utf-8")
    return clip, str(en), str(pt)


def blob_answers(network, blobs):
    """uploadBlob answers the next blob each time; what was sent is kept."""
    sent = []

    def answer(request):
        sent.append({"type": request.headers.get("Content-Type"), "data": request.body})
        return 200, {}, json.dumps({"blob": blobs[len(sent) - 1]})

    network.add_callback("POST", UPLOAD_BLOB, callback=answer)
    return sent


def test_captions_are_uploaded_as_text_vtt_and_carried_by_the_video_embed(network, adapter, account, files):
    clip, en, pt = files
    Service(network, jobs=[job("JOB_STATE_COMPLETED", blob=BLOB, progress=100)])
    sent = blob_answers(network, [vtt_blob(1), vtt_blob(2)])
    create_record_ok(network)
    attempt = PublishAttempt(idempotency_key="target-7")

    adapter.publish(
        account,
        PostContent(text="Cold brew", media=[video_item(clip, captions=[("en", en), ("pt-BR", pt)])]),
        attempt,
    )

    assert [s["type"] for s in sent] == ["text/vtt", "text/vtt"]
    assert sent[0]["data"] == EN.encode() and sent[1]["data"] == PT.encode()
    [create] = calls_to(network, CREATE)
    embed = sent_json(create)["record"]["embed"]
    assert embed["video"] == BLOB
    assert embed["captions"] == [{"lang": "en", "file": vtt_blob(1)}, {"lang": "pt-BR", "file": vtt_blob(2)}]
    assert sorted(attempt.state["caption_blobs"].values(), key=str) == sorted([vtt_blob(1), vtt_blob(2)], key=str)


def test_a_rerun_uses_the_remembered_caption_blobs_and_uploads_only_the_missing_one(rsps, adapter, account, files):
    clip, en, pt = files
    # A first run got the video and the English blob, then the worker died.
    first = PublishAttempt(idempotency_key="target-7")
    first.state.update(video_job="job-1", video_blob=BLOB)
    first.state["caption_blobs"] = {f"en|{en}|{len(EN.encode())}": vtt_blob(1)}
    sent = blob_answers(rsps, [vtt_blob(2)])  # strict: exactly one upload, the Portuguese file
    create_record_ok(rsps)

    adapter.publish(
        account,
        PostContent(text="Cold brew", media=[video_item(clip, captions=[("en", en), ("pt-BR", pt)])]),
        first,
    )

    assert [s["data"] for s in sent] == [PT.encode()]
    create = calls_to(rsps, CREATE)[0]
    assert sent_json(create)["record"]["embed"]["captions"] == [
        {"lang": "en", "file": vtt_blob(1)},
        {"lang": "pt-BR", "file": vtt_blob(2)},
    ]


def test_no_captions_no_upload_and_no_captions_key(rsps, adapter, account, files):
    clip, _, _ = files
    attempt = PublishAttempt(idempotency_key="target-7", state={"video_job": "job-1", "video_blob": BLOB})
    create_record_ok(rsps)

    adapter.publish(account, PostContent(text="Cold brew", media=[video_item(clip)]), attempt)

    assert "captions" not in sent_json(rsps.calls[0])["record"]["embed"]


def test_at_most_twenty_captions_and_a_missing_or_oversized_file_is_left_out(
    network, adapter, account, files, tmp_path
):
    clip, en, _ = files
    big = tmp_path / "big.vtt"
    big.write_bytes(b"WEBVTT\n\n" + b"x" * 20_000)
    captions = [("de", str(tmp_path / "gone.vtt")), ("fr", str(big))] + [(f"l{i:02d}"[:3], en) for i in range(25)]
    attempt = PublishAttempt(idempotency_key="target-7", state={"video_job": "job-1", "video_blob": BLOB})
    sent = blob_answers(network, [vtt_blob(n) for n in range(30)])
    create_record_ok(network)

    adapter.publish(account, PostContent(text="Cold brew", media=[video_item(clip, captions=captions)]), attempt)

    embed = sent_json(calls_to(network, CREATE)[0])["record"]["embed"]
    # the first 20 listed are considered; the missing and the oversized one are skipped
    assert len(sent) == 18 and len(embed["captions"]) == 18
    assert {c["lang"] for c in embed["captions"]} == {f"l{i:02d}"[:3] for i in range(18)}


def test_a_caption_upload_failing_on_bluesky_side_is_retried_later_without_the_post(network, adapter, account, files):
    clip, en, _ = files
    attempt = PublishAttempt(idempotency_key="target-7", state={"video_job": "job-1", "video_blob": BLOB})
    network.add("POST", UPLOAD_BLOB, status=502, body="Bad Gateway")

    with pytest.raises(Transient):
        adapter.publish(
            account, PostContent(text="Cold brew", media=[video_item(clip, captions=[("en", en)])]), attempt
        )

    assert calls_to(network, CREATE) == []
    assert "rkey" not in attempt.state
