"""The composer over HTTP with a thread and a first comment: saved per target, a refused
schedule keeps every part as typed, the live check counts each part."""

from __future__ import annotations

import json

import pytest

from posts.models import Post
from tests.posts.conftest import team  # noqa: F401 (fixture)
from tests.posts.pages import as_user, composer_data, url

pytestmark = pytest.mark.django_db


def test_a_refused_schedule_keeps_every_part_and_the_first_comment(client, team):  # noqa: F811
    as_user(client, team.editor)
    data = composer_data(
        team, action="schedule", date="2099-05-01", time="10:15", part=["Second part", "z" * 281], first_comment="#x"
    )

    response = client.post(url("new", team), data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "X @acmecoffee: Part 3: This is 1 character over X" in html
    assert ">Second part</textarea>" in html and ">" + "z" * 281 + "</textarea>" in html
    assert ">#x</textarea>" in html
    assert Post.objects.count() == 0  # nothing saved: all or nothing


def test_parts_are_saved_on_the_thread_networks_targets(client, team):  # noqa: F811
    as_user(client, team.editor)
    client.post(url("new", team), composer_data(team, part=["Second part", "  ", "Third part"]))
    post = Post.objects.get()
    assert {t.account.network: t.parts for t in post.targets.select_related("account")} == {
        "mastodon": ["Second part", "Third part"],
        "x": ["Second part", "Third part"],
    }


def test_the_live_check_counts_each_part(client, team):  # noqa: F811
    as_user(client, team.editor)
    data = composer_data(team, part=["Read https://example.com/a-very-long-address-indeed-for-counting ☕"])
    html = client.post(url("check", team), data).content.decode()
    assert 'id="thread-counts"' in html
    # X: "Read " 5 + link 23 + " " 1 + emoji 2 = 31; Mastodon: 5 + 23 + 1 + 1 = 30
    counts = html.split('data-counts="', 1)[1].split('"', 1)[0].replace("&quot;", '"')
    assert json.loads(counts)[str(team.x.pk)] == {"label": "X", "limit": 280, "parts": [31]}
    assert json.loads(counts)[str(team.mastodon.pk)]["parts"] == [30]


def test_a_duplicate_keeps_the_thread_and_the_first_comment(team):  # noqa: F811
    from posts import actions, threads

    post = actions.create_post(team.workspace, team.brand, team.editor, "One", [team.mastodon, team.x])
    threads.set_thread(post, ["Two", "Three"], "")
    copy = actions.duplicate(post, team.editor)
    assert {t.account_id: t.parts for t in copy.targets.all()} == {
        team.mastodon.pk: ["Two", "Three"],
        team.x.pk: ["Two", "Three"],
    }
