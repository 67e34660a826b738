"""A paused brand (the crisis switch) holds its posts, and every place that would say they
are going out says they are held instead: the composer, "Publish now", the post page and
the post list. (The calendar: tests/calendar/test_held.py.)"""

from __future__ import annotations

import pytest
from django.contrib.messages import WARNING, get_messages

from posts import actions
from posts.models import Post, PostStatus, TargetState
from tests.posts.pages import as_user, composer_data, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def paused(team):
    team.brand.paused = True
    team.brand.save(update_fields=["paused"])
    return team.brand


def flashes(response):
    return [(m.level, m.message) for m in get_messages(response.wsgi_request)]


def test_the_composer_says_a_paused_brand_holds_its_posts(client, team, paused):
    as_user(client, team.manager)
    html = client.get(url("new", team) + f"?brand={team.brand.pk}").content.decode()
    assert 'data-testid="held-notice"' in html
    assert "Held: Acme Coffee is paused" in html
    # the notice belongs to its brand (the page switches it with the brand menu)
    assert f'data-brand="{team.brand.pk}"' in html


def test_the_composer_says_nothing_of_a_brand_that_is_not_paused(client, team):
    as_user(client, team.manager)
    html = client.get(url("new", team)).content.decode()
    assert "is paused" not in html


def test_publish_now_on_a_paused_brand_says_held_not_publishing(client, team, paused):
    as_user(client, team.manager)
    # when the manager presses "Publish now"
    response = client.post(url("new", team), composer_data(team, action="publish"))
    # then the post waits (the dispatcher holds it) and the flash says so, as a warning
    post = Post.objects.get()
    assert response.status_code == 302
    assert {t.state for t in post.targets.all()} == {TargetState.SCHEDULED}
    shown = flashes(response)
    assert not any("Publishing now" in text for _, text in shown)
    held = [(level, text) for level, text in shown if "Held: Acme Coffee is paused" in text]
    assert held and held[0][0] == WARNING


def test_schedule_on_a_paused_brand_says_held(client, team, paused):
    as_user(client, team.manager)
    response = client.post(url("new", team), composer_data(team, action="schedule", date="2031-05-06", time="10:00"))
    shown = " ".join(text for _, text in flashes(response))
    assert "Held: Acme Coffee is paused" in shown
    assert "Scheduled for" not in shown or "held" in shown.lower()


def test_publish_now_on_a_brand_that_is_not_paused_still_says_publishing(client, team):
    as_user(client, team.manager)
    response = client.post(url("new", team), composer_data(team, action="publish"))
    assert any("Publishing now" in text for _, text in flashes(response))


def test_the_post_page_says_held_instead_of_scheduled(client, team, paused, write_post, tomorrow):
    post = actions.schedule_post(write_post(), tomorrow, team.editor)
    assert post.status == PostStatus.SCHEDULED
    as_user(client, team.editor)
    response = client.get(post.get_absolute_url())
    html = response.content.decode()
    # then the status badge says held, a banner says why, and no target claims "Scheduled"
    assert 'data-testid="held"' in html
    assert "Held: Acme Coffee is paused" in html
    assert 'data-testid="post-status">Held<' in html
    assert 'data-testid="target-state">Scheduled<' not in html
    assert html.count('data-testid="target-state">Held<') == 2


def test_the_post_page_of_a_brand_that_is_not_paused_says_scheduled(client, team, write_post, tomorrow):
    post = actions.schedule_post(write_post(), tomorrow, team.editor)
    as_user(client, team.editor)
    html = client.get(post.get_absolute_url()).content.decode()
    assert 'data-testid="post-status">Scheduled<' in html and "is paused" not in html


def test_a_post_waiting_for_approval_says_it_will_be_held(client, team, paused, write_post, tomorrow):
    post = actions.schedule_post(write_post(author=team.contributor), tomorrow, team.contributor)
    assert post.status == PostStatus.PENDING_APPROVAL
    as_user(client, team.manager)
    html = client.get(post.get_absolute_url()).content.decode()
    assert "Acme Coffee is paused" in html and "once approved" in html


def test_the_post_list_says_held(client, team, paused, write_post, tomorrow):
    actions.schedule_post(write_post("Held one"), tomorrow, team.editor)
    write_post("A draft")
    as_user(client, team.editor)
    html = client.get(url("list", team)).content.decode()
    assert html.count(">Held<") == 1
    assert "Acme Coffee is paused" in html  # the badge's title says why
    assert "badge-scheduled" not in html  # no "Scheduled" badge on the row
