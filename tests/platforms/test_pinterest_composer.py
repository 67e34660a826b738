"""Pinterest in the composer: the account's own boards (kept in its limits) are offered per
Pin, with the account's default board preselected; the title is kept per target; the live
check asks for a board and says when the app has Trial access."""

import pytest

from posts.content import build_content
from posts.models import Post, PostTarget
from smm.platforms.pinterest import TRIAL_MESSAGE
from tests.posts import conftest as posts_conftest
from tests.posts.pages import as_user, composer_data, url

pytestmark = pytest.mark.django_db
team = posts_conftest.team  # the composer tests' workspace (a brand, an owner, an editor...)

BOARDS = [
    {"id": "111", "name": "Summer picnics", "privacy": "PUBLIC"},
    {"id": "222", "name": "Autumn blends", "privacy": "PUBLIC"},
]


def opt(account, name):
    return f"opt_{account.pk}_{name}"


@pytest.fixture
def pinterest(team, make_account):
    return make_account(team.brand, "pinterest", "acmecoffee", limits={"boards": BOARDS})


def test_boards_are_offered_and_the_chosen_one_is_stored(client, team, pinterest):
    as_user(client, team.editor)
    html = client.get(url("new", team)).content.decode()
    assert f'data-testid="options-{pinterest.pk}"' in html
    assert '<option value="111">Summer picnics</option>' in html
    assert '<option value="222">Autumn blends</option>' in html

    data = composer_data(
        team, accounts=[pinterest.pk], **{opt(pinterest, "board"): "222", opt(pinterest, "title"): "New blend"}
    )
    response = client.post(url("new", team), data)

    assert response.status_code == 302
    target = PostTarget.objects.get(account=pinterest)
    assert target.options == {"board": "222", "title": "New blend"}
    assert build_content(target).options == {"board": "222", "title": "New blend"}
    html = client.get(url("edit", team, post_id=Post.objects.get().pk)).content.decode()
    assert '<option value="222" selected>Autumn blends</option>' in html
    assert 'value="New blend"' in html


def test_the_accounts_default_board_starts_a_new_post(client, team, pinterest):
    pinterest.post_options = {"board": "111"}
    pinterest.save(update_fields=["post_options"])
    as_user(client, team.editor)
    html = client.get(url("new", team)).content.decode()
    assert '<option value="111" selected>Summer picnics</option>' in html


def test_live_check_asks_for_a_board_and_says_trial_access(client, team, pinterest):
    as_user(client, team.editor)
    html = client.post(url("check", team), composer_data(team, accounts=[pinterest.pk])).content.decode()
    assert "Choose the board the Pin goes on." in html

    pinterest.limits = {"boards": BOARDS, "trial_access": True}
    pinterest.save(update_fields=["limits"])
    data = composer_data(team, accounts=[pinterest.pk], **{opt(pinterest, "board"): "111"})
    html = client.post(url("check", team), data).content.decode()
    assert "Trial access" in html
    assert TRIAL_MESSAGE.split(",")[0] in html


def test_the_brand_page_says_when_the_app_has_trial_access(client, team, pinterest):
    as_user(client, team.editor)
    html = client.get(team.brand.get_absolute_url()).content.decode()
    assert 'data-testid="trial-access"' not in html
    pinterest.limits = {"boards": BOARDS, "trial_access": True}
    pinterest.save(update_fields=["limits"])
    html = client.get(team.brand.get_absolute_url()).content.decode()
    assert "its Pinterest app has Trial access, so Pinterest refuses its Pins" in html
