"""The post page and the posts list follow the engine without a reload: they ask a small
endpoint every few seconds while something can still change by itself, get nothing (204)
while nothing did, and the changed parts when something did."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from posts import actions, publishing
from posts.models import PostTarget, TargetState
from posts.states import bulk_transition, refresh_post_status
from smm.platforms.base import Permanent
from tests.engine.conftest import ScriptedAdapter
from tests.posts.pages import as_user, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def network(use_adapter):
    return use_adapter(ScriptedAdapter())


@pytest.fixture
def scheduled(team, write_post, tomorrow):
    """A post scheduled for tomorrow on the team's Mastodon and X accounts."""
    post = write_post()
    return actions.schedule_post(post, tomorrow, team.editor)


def go_out(target: PostTarget) -> str:
    """What the dispatcher and then a worker do with a due target."""
    bulk_transition([target.pk], TargetState.SCHEDULED, TargetState.QUEUED)
    refresh_post_status(target.post)
    return publishing.publish_target(target.pk)


def poller(html: str, element_id: str) -> str:
    """The hx-get URL of the polling element, or "" when the element does not poll."""
    found = re.search(rf'<div id="{element_id}"[^>]*>', html)
    assert found, f"no #{element_id} on the page"
    link = re.search(r'hx-get="([^"]+)"', found.group(0))
    return link.group(1).replace("&amp;", "&") if link else ""


# --- the post page --------------------------------------------------------------------------


def test_the_page_of_a_scheduled_post_asks_and_the_answer_is_nothing_while_nothing_changed(client, team, scheduled):
    as_user(client, team.editor)
    page = client.get(url("detail", team, post_id=scheduled.pk)).content.decode()
    live = poller(page, "post-live")
    assert live.startswith(url("live", team, post_id=scheduled.pk) + "?v=")
    response = client.get(live)
    assert response.status_code == 204 and response.content == b""


def trigger(html: str, element_id: str) -> str:
    found = re.search(rf'<div id="{element_id}"[^>]*hx-trigger="([^"]+)"', html)
    return found.group(1) if found else ""


def test_a_post_due_tomorrow_is_asked_about_rarely_until_its_time_is_near(client, team, scheduled):
    as_user(client, team.editor)
    page = client.get(url("detail", team, post_id=scheduled.pk)).content.decode()
    assert trigger(page, "post-live") == "every 30s"
    live = poller(page, "post-live")
    # when its time comes near (here: it is moved to in two minutes)
    scheduled.targets.update(due_at=timezone.now() + dt.timedelta(minutes=2))
    # then the next answer tells the page to ask often
    html = client.get(live).content.decode()
    assert trigger(html, "post-live") == "every 3s"
    assert client.get(poller(html, "post-live")).status_code == 204


def test_a_post_being_published_is_asked_about_often(client, team, scheduled):
    target = scheduled.targets.first()
    bulk_transition([target.pk], TargetState.SCHEDULED, TargetState.QUEUED)
    page = as_user(client, team.editor).get(url("detail", team, post_id=scheduled.pk)).content.decode()
    assert trigger(page, "post-live") == "every 3s"


def test_a_held_post_is_asked_about_rarely(client, team, write_post):
    team.brand.paused = True
    team.brand.save()
    soon = actions.schedule_post(write_post(), timezone.now() + dt.timedelta(minutes=2), team.editor)
    page = as_user(client, team.editor).get(url("detail", team, post_id=soon.pk)).content.decode()
    assert trigger(page, "post-live") == "every 30s"


def test_once_published_the_answer_has_the_new_state_and_the_history_entry(client, team, scheduled, network):
    as_user(client, team.editor)
    live = poller(client.get(url("detail", team, post_id=scheduled.pk)).content.decode(), "post-live")
    # when both targets go out
    for target in scheduled.targets.all():
        assert go_out(target) == "published"
    # then the answer carries the post's status, each target's and the history, to swap in by id
    html = client.get(live).content.decode()
    assert re.search(r'data-testid="post-status">Published<', html)
    assert html.count('data-testid="target-state">Published<') == 2
    assert 'id="post-head" hx-swap-oob="true"' in html
    assert 'id="post-targets" hx-swap-oob="true"' in html
    assert 'id="post-history" data-testid="history" hx-swap-oob="true"' in html
    assert "Published on Mastodon (@acme@social.example)" in html and "Published on X (@acmecoffee)" in html
    # the buttons of a waiting post are gone with it
    assert "Unschedule" not in html and ">Edit<" not in html
    # and nothing can change by itself any more: the new poller does not poll
    assert poller(html, "post-live") == ""
    # screen readers hear the news in the page's live region
    assert re.search(r'<p id="post-news" hx-swap-oob="innerHTML">Published\. Published on (Mastodon|X) \(', html)


def test_a_failure_shows_the_reason_and_its_history_entry(client, team, scheduled, network):
    network.publish_script = [Permanent("HTTP 422: too long", user_message="The text is too long for X")]
    as_user(client, team.editor)
    live = poller(client.get(url("detail", team, post_id=scheduled.pk)).content.decode(), "post-live")
    x = scheduled.targets.get(account=team.x)
    assert go_out(x) == "failed"
    html = client.get(live).content.decode()
    assert "Failed on X (@acmecoffee): The text is too long for X" in html
    assert 'data-testid="target-state">Failed<' in html
    # the other target still waits: the page keeps asking, with its new fingerprint
    assert poller(html, "post-live") not in ("", live)


def test_a_page_with_nothing_left_to_move_does_not_ask(client, team, write_post):
    draft = write_post()
    page = as_user(client, team.editor).get(url("detail", team, post_id=draft.pk)).content.decode()
    assert poller(page, "post-live") == ""


def test_a_client_gets_no_more_than_the_page_gives(client, team, scheduled, network):
    network.publish_script = [Permanent("HTTP 422: too long", user_message="The text is too long for X")]
    go_out(scheduled.targets.get(account=team.x))
    as_user(client, team.client)
    page = client.get(url("detail", team, post_id=scheduled.pk)).content.decode()
    html = client.get(url("live", team, post_id=scheduled.pk)).content.decode()
    # no button the page does not show a client: retry, cancel, unschedule, edit
    for hidden in (">Retry<", "Cancel post", "Unschedule", ">Edit<", "Duplicate"):
        assert hidden not in page and hidden not in html


def test_another_workspaces_post_is_not_found(client, team, scheduled, make_workspace, make_member):
    other = make_workspace("Other")
    stranger = make_member(other, "owner", username="stranger")
    as_user(client, stranger)
    assert client.get(url("live", team, post_id=scheduled.pk)).status_code == 404
    mine = reverse("posts:live", kwargs={"ws": other.slug, "post_id": scheduled.pk})
    assert client.get(mine).status_code == 404


def test_the_answer_costs_a_few_queries(client, team, scheduled, network, django_assert_max_num_queries):
    as_user(client, team.editor)
    live = poller(client.get(url("detail", team, post_id=scheduled.pk)).content.decode(), "post-live")
    client.get(live)  # the session and the user are warm, as for a page that keeps asking
    # nothing changed: what every page costs (session, user, profile twice, membership), then
    # three narrow reads: the post's status and brand's pause, its targets' states, the
    # last history entry's id
    with django_assert_max_num_queries(8):
        assert client.get(live).status_code == 204
    for target in scheduled.targets.all():
        go_out(target)
    # changed: then the post and its targets as the page reads them, whether it may still be
    # edited, the fingerprint of that, and the history list
    with django_assert_max_num_queries(13):
        assert client.get(live).status_code == 200


# --- the posts list --------------------------------------------------------------------------


def test_the_list_asks_about_its_rows_and_gets_the_changed_cells(client, team, scheduled, write_post, network):
    draft = write_post(text="Not yet")
    as_user(client, team.editor)
    page = client.get(url("list", team)).content.decode()
    live = poller(page, "posts-live")
    assert live.startswith(url("list_live", team) + "?ids=")
    assert client.get(live).status_code == 204
    for target in scheduled.targets.all():
        go_out(target)
    html = client.get(live).content.decode()
    cell = re.search(rf'<td id="post-row-status-{scheduled.pk}"[^>]*hx-swap-oob="true"[^>]*>(.*?)</td>', html)
    assert cell and ">Published<" in cell.group(1)
    assert f'id="post-row-accounts-{scheduled.pk}"' in html
    # the draft's row comes along unchanged; no more polling: nothing on the page can move
    assert f'id="post-row-status-{draft.pk}"' in html
    assert poller(html, "posts-live") == ""


def test_the_list_answer_skips_another_workspaces_posts(client, team, scheduled, make_workspace, make_member):
    other = make_workspace("Other")
    stranger = make_member(other, "owner", username="stranger")
    as_user(client, stranger)
    response = client.get(reverse("posts:list_live", kwargs={"ws": other.slug}) + f"?ids={scheduled.pk}&v=x")
    assert response.status_code == 200
    assert f"post-row-status-{scheduled.pk}" not in response.content.decode()


@pytest.mark.parametrize("ids", ["1,x", "1;2", "-1", ",".join(str(n) for n in range(1, 52)), "9" * 30])
def test_the_list_answer_refuses_bad_ids(client, team, ids):
    response = as_user(client, team.editor).get(url("list_live", team) + f"?ids={ids}")
    assert response.status_code == 400
    assert b"ids" in response.content


def test_the_list_answer_costs_a_few_queries(client, team, write_post, tomorrow, django_assert_max_num_queries):
    for n in range(20):
        actions.schedule_post(write_post(text=f"Post {n}"), tomorrow, team.editor)
    as_user(client, team.editor)
    page = client.get(url("list", team)).content.decode()
    live = poller(page, "posts-live")
    assert live.count(",") == 19
    client.get(live)
    # nothing changed: what every page costs (5), then the rows' statuses and their targets'
    # states, in two narrow reads, not one per row
    with django_assert_max_num_queries(7):
        assert client.get(live).status_code == 204
    # changed (another fingerprint): then the posts with brands, targets, their accounts
    with django_assert_max_num_queries(10):
        response = client.get(live.replace("&v=", "&v=old"))
    assert response.content.decode().count("post-row-status-") == 20
