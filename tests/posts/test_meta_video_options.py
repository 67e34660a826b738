"""The kind of post as a network option in the composer: an Instagram story (or a Reel
kept to the Reels tab) and a Facebook Reel; stored per target, shown again, and judged
live by the rules of that kind (a story video is at most a minute, a Reel at most 90 s)."""

import pytest

from posts.content import build_content
from posts.models import MediaAsset, Post, PostTarget
from tests.posts.pages import as_user, composer_data, url

pytestmark = pytest.mark.django_db


def opt(account, name):
    return f"opt_{account.pk}_{name}"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def meta(team, make_account):
    instagram = make_account(team.brand, "instagram", "@acme.coffee")
    facebook = make_account(team.brand, "facebook", "Acme Coffee")
    return instagram, facebook


def a_video(team, seconds: float) -> MediaAsset:
    return MediaAsset.objects.create(
        workspace=team.workspace,
        file="media/clip.mp4",
        mime_type="video/mp4",
        kind="video",
        size=2_000_000,
        width=1080,
        height=1920,
        duration_ms=int(seconds * 1000),
        frame_rate=30,
        container="mp4",
        video_codec="h264",
        audio_codec="aac",
    )


def test_the_composer_stores_and_shows_the_kind_of_post(client, team, meta):
    # given an editor posts a story on Instagram and a Reel on Facebook
    instagram, facebook = meta
    as_user(client, team.editor)
    html = client.get(url("new", team)).content.decode()
    assert f'data-testid="options-{instagram.pk}"' in html
    assert f'data-testid="options-{facebook.pk}"' in html
    data = composer_data(
        team,
        accounts=[instagram.pk, facebook.pk],
        **{opt(instagram, "kind"): "story", opt(facebook, "kind"): "reel"},
    )

    # when the draft is saved
    response = client.post(url("new", team), data)

    # then each target keeps its kind, as its adapter sends it
    assert response.status_code == 302
    options = {t.account_id: t.options for t in PostTarget.objects.all()}
    assert options == {instagram.pk: {"kind": "story"}, facebook.pk: {"kind": "reel"}}
    target = PostTarget.objects.get(account=instagram)
    assert build_content(target).options == {"kind": "story"}
    # and the edit page shows them again
    post = Post.objects.get()
    html = client.get(url("edit", team, post_id=post.pk)).content.decode()
    assert '<option value="story" selected>' in html
    assert '<option value="reel" selected>' in html


def test_the_feed_is_the_default_and_stores_nothing(client, team, meta):
    instagram, facebook = meta
    as_user(client, team.editor)
    data = composer_data(
        team,
        accounts=[instagram.pk, facebook.pk],
        **{opt(instagram, "kind"): "feed", opt(instagram, "reels_only"): "on", opt(facebook, "kind"): "feed"},
    )
    client.post(url("new", team), data)
    options = {t.account_id: t.options for t in PostTarget.objects.all()}
    assert options == {instagram.pk: {"reels_only": True}, facebook.pk: {}}


def test_live_check_judges_a_video_by_the_kind_of_post(client, team, meta):
    # given a 75-second vertical video
    instagram, facebook = meta
    as_user(client, team.editor)
    clip = a_video(team, 75)
    base = {"accounts": [instagram.pk, facebook.pk], "media": [clip.pk]}

    # when it goes out as an Instagram Reel and a Facebook Reel: both take it
    html = client.post(url("check", team), composer_data(team, **base, **{opt(facebook, "kind"): "reel"})).content
    assert "at most" not in html.decode()

    # when it goes out as an Instagram story: a story is at most a minute
    html = client.post(
        url("check", team), composer_data(team, **base, **{opt(instagram, "kind"): "story"})
    ).content.decode()
    assert "Instagram story can be at most 1 minute" in html

    # when the Facebook Reel is two minutes long: a Reel is at most 90 s
    clip.duration_ms = 120_000
    clip.save(update_fields=["duration_ms"])
    html = client.post(url("check", team), composer_data(team, **base, **{opt(facebook, "kind"): "reel"})).content
    assert "Facebook Reel can be at most 1 min 30 s" in html.decode()
