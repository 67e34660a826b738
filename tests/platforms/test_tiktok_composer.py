"""TikTok in the composer: exactly the privacy levels the account's creator info offers
(kept in its limits), every interaction off unless ticked, the choice stored per target; the
live check asks who can see the post and says when the app may post only as "Only me"."""

import pytest

from posts.content import build_content
from posts.models import Post, PostTarget
from tests.posts import conftest as posts_conftest
from tests.posts.pages import as_user, composer_data, url

pytestmark = pytest.mark.django_db
team = posts_conftest.team  # the composer tests' workspace (a brand, an owner, an editor...)

CREATOR = {
    "privacy_level_options": ["MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"],
    "comment_disabled": False,
    "duet_disabled": False,
    "stitch_disabled": True,
    "max_video_post_duration_sec": 180,
    "private_only": False,
}


def opt(account, name):
    return f"opt_{account.pk}_{name}"


@pytest.fixture
def tiktok(team, make_account):
    return make_account(team.brand, "tiktok", "@brewco", limits={"tiktok_creator": CREATOR})


def test_exactly_the_creators_privacy_levels_are_offered_and_the_choice_is_stored(client, team, tiktok):
    as_user(client, team.editor)
    html = client.get(url("new", team)).content.decode()
    assert f'data-testid="options-{tiktok.pk}"' in html
    assert '<option value="MUTUAL_FOLLOW_FRIENDS">Friends</option>' in html
    assert '<option value="SELF_ONLY">Only me</option>' in html
    assert 'value="PUBLIC_TO_EVERYONE"' not in html  # this creator does not offer it
    # no interaction box is ticked to begin with
    for name in ("allow_comment", "allow_duet", "allow_stitch"):
        box = (
            html.split(f'name="{opt(tiktok, name)}"')[0].rsplit("<input", 1)[1]
            + html.split(f'name="{opt(tiktok, name)}"')[1].split(">", 1)[0]
        )
        assert "checked" not in box

    data = composer_data(
        team,
        accounts=[tiktok.pk],
        **{opt(tiktok, "privacy_level"): "MUTUAL_FOLLOW_FRIENDS", opt(tiktok, "allow_comment"): "on"},
    )
    response = client.post(url("new", team), data)
    assert response.status_code == 302
    target = PostTarget.objects.get(account=tiktok)
    assert target.options == {"privacy_level": "MUTUAL_FOLLOW_FRIENDS", "allow_comment": True}
    assert build_content(target).options == target.options
    html = client.get(url("edit", team, post_id=Post.objects.get().pk)).content.decode()
    assert '<option value="MUTUAL_FOLLOW_FRIENDS" selected>Friends</option>' in html


def test_live_check_asks_who_can_see_it_and_says_only_me_for_an_unaudited_app(client, team, tiktok):
    as_user(client, team.editor)
    html = client.post(url("check", team), composer_data(team, accounts=[tiktok.pk])).content.decode()
    assert "Choose who can see this TikTok post" in html

    tiktok.limits = {"tiktok_creator": {**CREATOR, "privacy_level_options": ["SELF_ONLY"], "private_only": True}}
    tiktok.save(update_fields=["limits"])
    page = client.get(url("new", team)).content.decode()
    group = page.split(f'data-testid="options-{tiktok.pk}"')[1].split("</fieldset>")[0]
    assert "Who can see it (only “Only me” until TikTok reviews SMM" in group
    assert '<option value="SELF_ONLY">Only me</option>' in group
    assert 'value="MUTUAL_FOLLOW_FRIENDS"' not in group
    data = composer_data(team, accounts=[tiktok.pk], **{opt(tiktok, "privacy_level"): "SELF_ONLY"})
    html = client.post(url("check", team), data).content.decode()
    assert "Choose who can see" not in html


def test_an_interaction_the_creator_turned_off_is_refused_in_the_live_check(client, team, tiktok):
    as_user(client, team.editor)
    data = composer_data(
        team,
        accounts=[tiktok.pk],
        **{opt(tiktok, "privacy_level"): "SELF_ONLY", opt(tiktok, "allow_stitch"): "on"},
    )
    html = client.post(url("check", team), data).content.decode()
    assert "Stitches are turned off in this account" in html


def test_the_brand_page_says_when_tiktok_allows_only_private_posts(client, team, tiktok):
    as_user(client, team.editor)
    html = client.get(team.brand.get_absolute_url()).content.decode()
    assert 'data-testid="tiktok-private-only"' not in html
    tiktok.limits = {"tiktok_creator": {**CREATOR, "unaudited_seen": True}}
    tiktok.save(update_fields=["limits"])
    html = client.get(team.brand.get_absolute_url()).content.decode()
    assert 'data-testid="tiktok-private-only"' in html
    assert "only as “Only me” (a private account) until SMM" in html
