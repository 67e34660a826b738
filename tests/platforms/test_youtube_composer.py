"""YouTube in the composer: title, made-for-kids answer, privacy, category, tags and the
way to schedule are options of the target; the live check asks for a title and the kids
answer, and says when the video will be a Short; an account's defaults start a new post."""

import pytest

from posts.content import build_content
from posts.models import Post, PostTarget
from tests.posts import conftest as posts_conftest
from tests.posts.pages import as_user, composer_data, url

pytestmark = pytest.mark.django_db
team = posts_conftest.team  # the composer tests' workspace (a brand, an owner, an editor...)


def opt(account, name):
    return f"opt_{account.pk}_{name}"


@pytest.fixture
def youtube(team, make_account):
    return make_account(team.brand, "youtube", "@acme")


def test_youtube_options_are_offered_and_stored(client, team, youtube):
    as_user(client, team.editor)
    html = client.get(url("new", team)).content.decode()
    assert f'data-testid="options-{youtube.pk}"' in html
    assert '<option value="unlisted">Unlisted</option>' in html
    assert '<option value="27">Education</option>' in html
    assert "Choose (YouTube requires it)" in html

    data = composer_data(
        team,
        accounts=[youtube.pk],
        **{
            opt(youtube, "title"): "Spring launch",
            opt(youtube, "made_for_kids"): "no",
            opt(youtube, "privacy"): "unlisted",
            opt(youtube, "category"): "27",
            opt(youtube, "tags"): "coffee, spring",
        },
    )
    response = client.post(url("new", team), data)

    assert response.status_code == 302
    target = PostTarget.objects.get(account=youtube)
    expected = {
        "title": "Spring launch",
        "made_for_kids": "no",
        "privacy": "unlisted",
        "category": "27",
        "tags": ["coffee", "spring"],
    }
    assert target.options == expected
    assert build_content(target).options == expected
    html = client.get(url("edit", team, post_id=Post.objects.get().pk)).content.decode()
    assert 'value="Spring launch"' in html
    assert '<option value="unlisted" selected>Unlisted</option>' in html


def test_live_check_asks_for_a_title_and_the_kids_answer(client, team, youtube):
    as_user(client, team.editor)
    html = client.post(url("check", team), composer_data(team, accounts=[youtube.pk])).content.decode()
    assert "YouTube needs a title for the video" in html
    assert "is this video made for kids?" in html


def test_the_accounts_default_scheduling_starts_a_new_post(client, team, youtube):
    youtube.post_options = {"schedule_with": "youtube", "made_for_kids": "no"}
    youtube.save(update_fields=["post_options"])
    as_user(client, team.editor)
    html = client.get(url("new", team)).content.decode()
    assert '<option value="youtube" selected>' in html
    assert '<option value="no" selected>' in html
