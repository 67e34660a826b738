"""The networks' own post options in the composer (Mastodon visibility, content warning,
poll; X reply settings and poll), their live checks in words, the account's defaults,
and what the engine hands the adapter."""

import pytest

from posts import actions
from posts.content import build_content
from posts.models import MediaAsset, Post, PostTarget
from tests.posts.pages import as_user, composer_data, url

pytestmark = pytest.mark.django_db


def opt(account, name):
    return f"opt_{account.pk}_{name}"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_the_composer_saves_each_accounts_options(client, team):
    # given: an editor picks options for Mastodon and X
    as_user(client, team.editor)
    data = composer_data(
        team,
        **{
            opt(team.mastodon, "visibility"): "private",
            opt(team.mastodon, "spoiler_text"): "Coffee talk",
            opt(team.mastodon, "language"): "de",
            opt(team.mastodon, "poll_1"): "Latte",
            opt(team.mastodon, "poll_2"): "Espresso",
            opt(team.mastodon, "poll_duration"): "60",
            opt(team.x, "reply_settings"): "following",
        },
    )

    # when the draft is saved
    response = client.post(url("new", team), data)

    # then each target keeps its network's options, in the shape its adapter sends
    assert response.status_code == 302
    options = {t.account_id: t.options for t in PostTarget.objects.all()}
    assert options[team.mastodon.pk] == {
        "visibility": "private",
        "spoiler_text": "Coffee talk",
        "language": "de",
        "poll": {"options": ["Latte", "Espresso"], "duration_minutes": 60},
    }
    assert options[team.x.pk] == {"reply_settings": "following"}

    # and the edit page shows them again
    post = Post.objects.get()
    html = client.get(url("edit", team, post_id=post.pk)).content.decode()
    assert 'value="Coffee talk"' in html
    assert 'value="Latte"' in html
    assert '<option value="private" selected>' in html


def test_the_engine_hands_the_options_to_the_adapter(team, write_post):
    post = write_post(options={team.mastodon.pk: {"visibility": "unlisted", "sensitive": True}})
    target = post.targets.get(account=team.mastodon)

    content = build_content(target)

    assert content.options == {"visibility": "unlisted", "sensitive": True}


def test_live_check_says_a_poll_and_images_do_not_go_together(client, team, tmp_path):
    as_user(client, team.editor)
    asset = MediaAsset.objects.create(
        workspace=team.workspace, file="media/x.png", mime_type="image/png", size=100, alt_text="A cup"
    )
    data = composer_data(
        team,
        media=[asset.pk],
        **{opt(team.x, "poll_1"): "Yes", opt(team.x, "poll_2"): "No", opt(team.x, "poll_duration"): "1440"},
    )

    html = client.post(url("check", team), data).content.decode()

    assert "X does not take a poll and images in one post: remove one of them." in html


def test_scheduling_a_bad_poll_is_refused_in_words_and_nothing_is_saved(client, team):
    as_user(client, team.editor)
    data = composer_data(
        team,
        action="schedule",
        date="2031-05-05",
        time="10:00",
        **{opt(team.mastodon, "poll_1"): "Only one answer"},
    )

    response = client.post(url("new", team), data)

    assert response.status_code == 200
    assert not Post.objects.exists()
    html = response.content.decode()
    assert "A poll needs at least two answers." in html
    assert 'value="Only one answer"' in html  # what was typed is kept


def test_an_accounts_defaults_start_new_posts(client, team):
    # given: a manager saves a post and asks to keep Mastodon's options as defaults
    as_user(client, team.manager)
    client.post(
        url("new", team),
        composer_data(
            team,
            **{
                opt(team.mastodon, "visibility"): "unlisted",
                opt(team.mastodon, "language"): "fr",
                opt(team.mastodon, "poll_1"): "A",
                opt(team.mastodon, "poll_2"): "B",
                opt(team.mastodon, "remember"): "on",
            },
        ),
    )
    team.mastodon.refresh_from_db()
    # then: the defaults are stored, without the poll (a poll belongs to one post)
    assert team.mastodon.post_options == {"visibility": "unlisted", "language": "fr"}

    # and a new post starts with them, in the composer and through the actions
    html = client.get(url("new", team)).content.decode()
    assert '<option value="unlisted" selected>' in html
    assert '<option value="fr" selected>' in html
    post = actions.create_post(team.workspace, team.brand, team.manager, "Hi", [team.mastodon])
    assert post.targets.get().options == {"visibility": "unlisted", "language": "fr"}


def test_an_editor_cannot_change_an_accounts_defaults(client, team):
    as_user(client, team.editor)
    html = client.get(url("new", team)).content.decode()
    assert "Start new posts on" not in html

    client.post(
        url("new", team),
        composer_data(team, **{opt(team.mastodon, "visibility"): "private", opt(team.mastodon, "remember"): "on"}),
    )

    team.mastodon.refresh_from_db()
    assert team.mastodon.post_options == {}
    assert PostTarget.objects.get(account=team.mastodon).options == {"visibility": "private"}


def test_duplicate_keeps_the_options(team, write_post):
    post = write_post(options={team.x.pk: {"reply_settings": "mentionedUsers"}})

    copy = actions.duplicate(post, team.editor)

    assert copy.targets.get(account=team.x).options == {"reply_settings": "mentionedUsers"}


def test_editing_changes_the_options(team, write_post):
    post = write_post(options={team.mastodon.pk: {"visibility": "private"}})

    actions.update_post(post, team.editor, options={team.mastodon.pk: {"visibility": "public"}})

    assert post.targets.get(account=team.mastodon).options == {"visibility": "public"}
    assert post.targets.get(account=team.x).options == {}


def test_a_bluesky_accounts_languages_and_reply_rule(client, team, make_account):
    bluesky = make_account(team.brand, "bluesky", "@acme.bsky.social", base_url="https://bsky.social")
    as_user(client, team.editor)

    html = client.get(url("new", team)).content.decode()
    assert f'data-testid="options-{bluesky.pk}"' in html
    client.post(
        url("new", team),
        composer_data(
            team,
            accounts=[bluesky.pk],
            **{opt(bluesky, "langs"): ["en", "de"], opt(bluesky, "reply"): "mentioned"},
        ),
    )

    assert PostTarget.objects.get(account=bluesky).options == {"langs": ["en", "de"], "reply": "mentioned"}


def test_accounts_of_one_network_share_their_option_fields(team, make_account):
    # The composer carries every account's options: each network's fields are built once
    # per form (the card rendered 30 accounts in 0.8 s with one set of fields per account).
    from posts.forms import ComposerForm

    second = make_account(team.brand, "mastodon", "@second@social.example", base_url="https://social.example")
    form = ComposerForm(workspace=team.workspace)

    assert form.fields[opt(team.mastodon, "visibility")] is form.fields[opt(second, "visibility")]
    html = str(form[opt(second, "visibility")])
    assert html.startswith(f'<select name="{opt(second, "visibility")}" id="id_{opt(second, "visibility")}">')
    assert '<option value="private">Followers only</option>' in html
