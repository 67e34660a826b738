"""In-app notices: when a post fails for good the workspace's owners and managers get a
notice; they read it on the notices page, open it, mark all read, and see an unread count
in the menu."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from posts import notifications, publishing
from posts.models import Notification, Post, PostTarget, TargetState
from smm.platforms.base import Adapter, Permanent

pytestmark = pytest.mark.django_db


class RefusingAdapter(Adapter):
    name = "mastodon"
    label = "Mastodon"
    idempotency = "idempotency_key"

    def publish(self, account, content, attempt):
        raise Permanent("422 Validation failed", user_message="The text is too long for this network")


@pytest.fixture
def fail_a_post(team, monkeypatch, django_capture_on_commit_callbacks):
    """Publishes a queued post to Mastodon, which refuses it for good (as a worker would)."""
    monkeypatch.setattr("smm.accounts.adapter_for", lambda account: RefusingAdapter())

    def fail(text="Fresh beans are in!"):
        due = timezone.now() - dt.timedelta(seconds=1)
        post = Post.objects.create(
            workspace=team.workspace, brand=team.brand, author=team.editor, text=text, scheduled_at=due
        )
        target = PostTarget.objects.create(post=post, account=team.mastodon, state=TargetState.QUEUED, due_at=due)
        with django_capture_on_commit_callbacks(execute=True):
            assert publishing.publish_target(target.pk) == "failed"
        return post

    return fail


def page_of(client, user, workspace, name="posts:notifications"):
    client.force_login(user)
    response = client.get(reverse(name, kwargs={"ws": workspace.slug}))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_a_post_that_fails_for_good_notifies_owners_and_managers_only(team, fail_a_post, make_workspace, make_member):
    # given: another workspace with its own owner
    other = make_workspace("Globex")
    stranger = make_member(other, "owner", username="stranger")
    # when: a post of Acme fails for good
    post = fail_a_post()
    # then: Acme's owner and manager get one notice each, pointing at the post
    notices = Notification.objects.all()
    assert sorted(n.user.username for n in notices) == ["manager", "owner"]
    assert all(n.workspace == team.workspace and n.url == post.get_absolute_url() for n in notices)
    assert "could not be published: The text is too long for this network" in notices[0].text
    # and nobody else: not the editor, not the client, not another workspace
    for user in (team.editor, team.contributor, team.client):
        assert notifications.unread_count(user, team.workspace) == 0
    assert notifications.unread_count(stranger, other) == 0


def test_the_notices_page_lists_them_newest_first_and_highlights_unread(client, team, fail_a_post):
    # given: two failures, the older one already read
    fail_a_post("First try")
    fail_a_post("Second try")
    older = Notification.objects.filter(user=team.owner).order_by("created_at", "id").first()
    notifications.mark_read(older)
    # when: the owner opens the notices page
    page = page_of(client, team.owner, team.workspace)
    # then: both are there, newest first, the unread one marked as new, each with a time and a link
    assert page.index("“Second try”") < page.index("“First try”")
    assert page.count('class="notice notice-unread"') == 1
    assert page.count('data-testid="notice"') == 2
    assert "1 unread" in page and " ago</time>" in page
    notice = Notification.objects.filter(user=team.owner, read_at__isnull=True).get()
    assert reverse("posts:notification_open", kwargs={"ws": team.workspace.slug, "notification_id": notice.pk}) in page


def test_opening_a_notice_marks_it_read_and_goes_to_the_post(client, team, fail_a_post):
    post = fail_a_post()
    notice = Notification.objects.get(user=team.manager)
    client.force_login(team.manager)
    # when: the manager opens it
    response = client.get(
        reverse("posts:notification_open", kwargs={"ws": team.workspace.slug, "notification_id": notice.pk})
    )
    # then: the post's page, and the notice is read (the owner's copy is still unread)
    assert response.status_code == 302 and response["Location"] == post.get_absolute_url()
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert notifications.unread_count(team.owner, team.workspace) == 1


def test_a_notice_pointing_off_site_is_not_followed(client, team):
    notice = Notification.objects.create(
        workspace=team.workspace, user=team.owner, text="Odd", url="https://evil.example/"
    )
    client.force_login(team.owner)
    url = reverse("posts:notification_open", kwargs={"ws": team.workspace.slug, "notification_id": notice.pk})
    assert client.get(url)["Location"] == reverse("posts:notifications", kwargs={"ws": team.workspace.slug})


def test_mark_all_read(client, team, fail_a_post):
    fail_a_post("One")
    fail_a_post("Two")
    client.force_login(team.owner)
    # when: the owner marks all read
    response = client.post(reverse("posts:notifications_read_all", kwargs={"ws": team.workspace.slug}), follow=True)
    # then: none of hers is unread, the page says so; the manager's are untouched
    body = html.unescape(response.content.decode())
    assert "Marked 2 notices read." in body
    assert 'class="notice notice-unread"' not in body
    assert notifications.unread_count(team.owner, team.workspace) == 0
    assert notifications.unread_count(team.manager, team.workspace) == 2


def test_the_menu_shows_the_unread_count(client, team, fail_a_post):
    # given: nothing unread: a "Notices" entry without a badge
    page = page_of(client, team.owner, team.workspace, "workspace")
    assert ">Notices</a>" in page and 'data-testid="nav-badge"' not in page
    # when: two posts fail
    fail_a_post("One")
    fail_a_post("Two")
    # then: every workspace page shows 2 beside "Notices"
    page = page_of(client, team.owner, team.workspace, "posts:list")
    assert 'Notices <span class="nav-badge" data-testid="nav-badge" aria-label="2 unread">2</span>' in page
    # and on the notices page that entry (not "Posts") is the current one
    page = page_of(client, team.owner, team.workspace)
    assert page.count('class="active" aria-current="page"') == 1
    assert 'class="active" aria-current="page">Notices' in page
    # once read, the badge goes
    notifications.mark_all_read(team.owner, team.workspace)
    assert 'data-testid="nav-badge"' not in page_of(client, team.owner, team.workspace, "posts:list")


def test_the_badge_counts_only_this_workspace(client, team, make_workspace, make_member):
    other = make_workspace("Globex")
    make_member(other, "owner", user=team.owner)
    Notification.objects.create(workspace=other, user=team.owner, text="Globex thing")
    page = page_of(client, team.owner, team.workspace, "posts:list")
    assert 'data-testid="nav-badge"' not in page
    assert 'aria-label="1 unread">1</span>' in page_of(client, team.owner, other, "posts:list")


def test_another_workspaces_or_members_notice_is_not_found(client, team, make_workspace, make_member):
    # given: a notice of another workspace, and one of the owner's in Acme
    other = make_workspace("Globex")
    stranger = make_member(other, "owner", username="stranger")
    foreign = Notification.objects.create(workspace=other, user=stranger, text="Globex only")
    mine = Notification.objects.create(workspace=team.workspace, user=team.owner, text="Acme only")
    client.force_login(team.owner)
    ws = team.workspace.slug
    # then: another workspace's notice is a 404 through Acme's URL, and isn't listed
    assert (
        client.get(reverse("posts:notification_open", kwargs={"ws": ws, "notification_id": foreign.pk})).status_code
        == 404
    )
    assert "Globex only" not in page_of(client, team.owner, team.workspace)
    foreign.refresh_from_db()
    assert foreign.read_at is None
    # and a fellow member cannot open the owner's notice either
    client.force_login(team.manager)
    assert (
        client.get(reverse("posts:notification_open", kwargs={"ws": ws, "notification_id": mine.pk})).status_code == 404
    )
    # and "mark all read" in Acme leaves the other workspace alone
    client.force_login(stranger)
    client.post(reverse("posts:notifications_read_all", kwargs={"ws": other.slug}))
    assert notifications.unread_count(team.owner, team.workspace) == 1
