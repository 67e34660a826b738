"""A post whose outcome is unknown (the network may or may not have it) is settled by an
owner or a manager: "It is on the network" (with its link, if they have it) or "It is not
there: send it again" after a plain warning. Retry is no longer offered for it: a blind
retry can post twice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from posts import actions
from posts.models import PostStatus, TargetState
from posts.states import refresh_post_status, transition
from smm.models import AuditEvent
from smm.models_api import WebhookDelivery, WebhookEndpoint
from tests.posts.pages import as_user

pytestmark = pytest.mark.django_db

EVIDENCE = "The worker stopped while publishing (its lease expired). Lookup: Mastodon's idempotency key has expired"


@pytest.fixture
def unknown(team, write_post, tomorrow):
    """A post on Mastodon and X: X published, Mastodon's outcome unknown."""
    post = actions.schedule_post(write_post(), tomorrow, team.editor)
    on_mastodon = post.targets.get(account=team.mastodon)
    on_x = post.targets.get(account=team.x)
    for target in (on_mastodon, on_x):
        transition(target, TargetState.QUEUED, queued_at=timezone.now() - dt.timedelta(minutes=5))
        transition(target, TargetState.PUBLISHING, attempts=1)
    transition(on_x, TargetState.PUBLISHED, remote_id="1858", remote_url="https://x.com/acmecoffee/status/1858")
    transition(
        on_mastodon,
        TargetState.UNKNOWN,
        error_kind="unknown",
        error_message=EVIDENCE,
        error_user_message="We could not confirm whether this post reached Mastodon.",
    )
    refresh_post_status(post)
    assert post.status == PostStatus.NEEDS_ATTENTION
    return on_mastodon


@pytest.fixture
def sent(monkeypatch):
    handed = []
    monkeypatch.setattr("smm.tasks.deliver_webhook.delay", lambda pk: handed.append(pk))
    return handed


def url(name, team, target, **kwargs):
    return reverse(
        f"posts:{name}", kwargs={"ws": team.workspace.slug, "post_id": target.post_id, "target_id": target.pk, **kwargs}
    )


# --- the two actions ------------------------------------------------------------------------


def test_on_the_network_with_its_link_marks_it_published_with_id_and_url(
    team, unknown, django_capture_on_commit_callbacks, sent
):
    # given an endpoint that wants to hear about published posts
    endpoint = WebhookEndpoint.objects.create(
        workspace=team.workspace, url="https://hooks.example/smm", events=["post.published"]
    )
    link = "https://social.example/@acme/113512345678901234"
    # when a manager says it is on Mastodon, with its link
    with django_capture_on_commit_callbacks(execute=True):
        actions.mark_on_network(unknown, team.manager, url=link)
    # then the target is published with the id read from the link, the post is published
    unknown.refresh_from_db()
    assert unknown.state == TargetState.PUBLISHED
    assert (unknown.remote_url, unknown.remote_id) == (link, "113512345678901234")
    assert unknown.published_at is not None and unknown.error_message == ""
    unknown.post.refresh_from_db()
    assert unknown.post.status == PostStatus.PUBLISHED
    # and the history says who settled it and how, keeping the evidence
    event = AuditEvent.objects.get(verb="post.marked_published")
    assert event.actor == team.manager
    assert event.subject_id == str(unknown.post_id)
    assert "@acme@social.example" in event.message and link in event.message
    assert event.data["target"] == unknown.pk and event.data["url"] == link
    assert event.data["evidence"] == EVIDENCE
    # and the outside world is told as when publishing works
    (delivery,) = WebhookDelivery.objects.filter(endpoint=endpoint)
    assert delivery.event == "post.published"
    assert delivery.payload["target"]["remote_url"] == link
    assert sent == [delivery.pk]


def test_on_the_network_without_a_link(team, unknown):
    actions.mark_on_network(unknown, team.owner)
    unknown.refresh_from_db()
    assert unknown.state == TargetState.PUBLISHED
    assert (unknown.remote_url, unknown.remote_id) == ("", "")


def test_a_link_the_network_cannot_read_is_kept_without_an_id(team, unknown):
    # a link on another server: its id there is not the id on ours
    actions.mark_on_network(unknown, team.manager, url="https://mastodon.social/@acme/42")
    unknown.refresh_from_db()
    assert unknown.state == TargetState.PUBLISHED
    assert (unknown.remote_url, unknown.remote_id) == ("https://mastodon.social/@acme/42", "")


@pytest.mark.parametrize("bad", ["javascript:alert(1)", "not a link", "ftp://social.example/@acme/1"])
def test_a_link_that_is_not_a_web_address_is_refused_and_nothing_changes(team, unknown, bad):
    with pytest.raises(ValidationError) as caught:
        actions.mark_on_network(unknown, team.manager, url=bad)
    assert "url" in caught.value.message_dict
    assert "web address" in caught.value.message_dict["url"][0]
    unknown.refresh_from_db()
    assert unknown.state == TargetState.UNKNOWN
    assert not AuditEvent.objects.filter(verb="post.marked_published").exists()


def test_not_there_sends_it_again_now_with_the_same_key(team, unknown):
    key = unknown.idempotency_key
    unknown.publish_state = {"status_sent_at": "2026-01-01T00:00:00+00:00", "lookups": 12}
    unknown.save(update_fields=["publish_state"])
    # when an owner says it is not there
    actions.send_again(unknown, team.owner)
    # then it waits for the dispatcher, due now, the slate clean but the key kept
    unknown.refresh_from_db()
    assert unknown.state == TargetState.SCHEDULED
    assert unknown.due_at <= timezone.now()
    assert (unknown.attempts, unknown.error_kind, unknown.error_message) == (0, "", "")
    assert unknown.idempotency_key == key
    assert "lookups" not in unknown.publish_state  # a new attempt gets its own tries at finding out
    unknown.post.refresh_from_db()
    assert unknown.post.status == PostStatus.PUBLISHING
    event = AuditEvent.objects.get(verb="post.sent_again")
    assert event.actor == team.owner
    assert "@acme@social.example" in event.message
    assert event.data["evidence"] == EVIDENCE


@pytest.mark.parametrize("settle", ["on_network", "send_again"])
def test_the_please_check_notices_are_read_once_it_is_settled(team, unknown, settle):
    from posts import notifications
    from posts.models import Notification

    # given everyone who may settle it was asked to check
    notifications.target_unknown(unknown.pk)
    asked = Notification.objects.filter(post=unknown.post, kind=Notification.Kind.OUTCOME_UNKNOWN)
    assert asked.count() >= 2 and not asked.filter(read_at__isnull=False).exists()
    # while the question stands, nothing is marked
    assert notifications.outcome_settled(unknown.post) == 0
    # when a manager settles it, nobody is left with a question already answered
    if settle == "on_network":
        actions.mark_on_network(unknown, team.manager)
    else:
        actions.send_again(unknown, team.manager)
    assert asked.exists() and not asked.filter(read_at__isnull=True).exists()


@pytest.mark.parametrize(
    ("state", "words"),
    [
        (TargetState.PUBLISHED, "already published"),
        (TargetState.FAILED, "Retry"),
        (TargetState.SCHEDULED, "not been sent"),
    ],
)
def test_send_again_is_refused_unless_the_outcome_is_unknown(team, unknown, state, words):
    # given a target whose outcome is known
    if state == TargetState.PUBLISHED:
        transition(unknown, TargetState.PUBLISHED)
    elif state == TargetState.FAILED:
        transition(unknown, TargetState.FAILED, error_message="refused")
    else:
        transition(unknown, TargetState.SCHEDULED, due_at=timezone.now() + dt.timedelta(hours=1))
    # when someone asks to send it again, then it is refused, saying why
    with pytest.raises(ValidationError) as caught:
        actions.send_again(unknown, team.manager)
    assert words in " ".join(caught.value.messages)
    unknown.refresh_from_db()
    assert unknown.state == state
    assert not AuditEvent.objects.filter(verb="post.sent_again").exists()


def test_on_the_network_is_refused_unless_the_outcome_is_unknown(team, unknown):
    transition(unknown, TargetState.FAILED, error_message="refused")
    with pytest.raises(ValidationError) as caught:
        actions.mark_on_network(unknown, team.manager)
    assert "outcome is unknown" in " ".join(caught.value.messages)


def test_retry_refuses_an_unknown_outcome(team, unknown):
    with pytest.raises(ValidationError) as caught:
        actions.retry_target(unknown, team.owner)
    message = " ".join(caught.value.messages)
    assert "could not confirm" in message and "send it again" in message
    unknown.refresh_from_db()
    assert unknown.state == TargetState.UNKNOWN


@pytest.mark.parametrize("role", ["editor", "contributor", "client"])
def test_only_owners_and_managers_settle_an_unknown_outcome(team, unknown, role):
    user = getattr(team, role)
    with pytest.raises(PermissionDenied):
        actions.mark_on_network(unknown, user)
    with pytest.raises(PermissionDenied):
        actions.send_again(unknown, user)
    unknown.refresh_from_db()
    assert unknown.state == TargetState.UNKNOWN


# --- the post page and its two pages --------------------------------------------------------------


def test_the_post_page_offers_both_answers_instead_of_retry(client, team, unknown):
    as_user(client, team.manager)
    html = client.get(unknown.post.get_absolute_url()).content.decode()
    assert "It is on Mastodon" in html
    assert "It is not there: send it again" in html
    assert url("target_on_network", team, unknown) in html
    assert url("target_send_again", team, unknown) in html
    assert ">Retry<" not in html


def test_an_editor_is_told_who_can_settle_it(client, team, unknown):
    as_user(client, team.editor)
    html = client.get(unknown.post.get_absolute_url()).content.decode()
    assert "It is on Mastodon" not in html and ">Retry<" not in html
    assert "An owner or a manager" in html


def test_on_the_network_from_the_post_page(client, team, unknown):
    as_user(client, team.manager)
    link = "https://social.example/@acme/113512345678901234"
    response = client.post(url("target_on_network", team, unknown), {"url": link}, follow=True)
    assert response.redirect_chain[-1][0] == unknown.post.get_absolute_url()
    html = response.content.decode()
    assert "Marked published on" in html
    unknown.refresh_from_db()
    assert (unknown.state, unknown.remote_id) == (TargetState.PUBLISHED, "113512345678901234")
    assert "View on Mastodon" in html


def test_a_bad_link_comes_back_with_what_was_typed_and_why(client, team, unknown):
    as_user(client, team.manager)
    response = client.post(url("target_on_network", team, unknown), {"url": "javascript:alert(1)"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="javascript:alert(1)"' in html
    assert "web address" in html
    unknown.refresh_from_db()
    assert unknown.state == TargetState.UNKNOWN


def test_send_again_asks_first_and_says_what_happens_if_it_is_there(client, team, unknown):
    as_user(client, team.manager)
    # when the manager asks to send it again, a confirmation page says it plainly
    page = client.get(url("target_send_again", team, unknown))
    assert page.status_code == 200
    html = page.content.decode()
    assert "appear twice" in html and "@acme@social.example" in html
    unknown.refresh_from_db()
    assert unknown.state == TargetState.UNKNOWN  # asking changed nothing
    # when they confirm
    response = client.post(url("target_send_again", team, unknown), follow=True)
    assert response.redirect_chain[-1][0] == unknown.post.get_absolute_url()
    assert "Sending it again" in response.content.decode()
    unknown.refresh_from_db()
    assert unknown.state == TargetState.SCHEDULED


def test_send_again_on_a_published_target_is_refused_with_a_message(client, team, unknown):
    transition(unknown, TargetState.PUBLISHED)
    as_user(client, team.manager)
    response = client.post(url("target_send_again", team, unknown), follow=True)
    assert "already published" in response.content.decode()
    unknown.refresh_from_db()
    assert unknown.state == TargetState.PUBLISHED


def test_retry_on_the_post_page_no_longer_sends_an_unknown_outcome(client, team, unknown):
    as_user(client, team.owner)
    response = client.post(
        reverse("posts:action", kwargs={"ws": team.workspace.slug, "post_id": unknown.post_id, "name": "retry"}),
        {"target": unknown.pk},
        follow=True,
    )
    assert "could not confirm" in response.content.decode()
    unknown.refresh_from_db()
    assert unknown.state == TargetState.UNKNOWN


@pytest.mark.parametrize("role", ["editor", "contributor", "client"])
@pytest.mark.parametrize("name", ["target_on_network", "target_send_again"])
def test_other_roles_get_403(client, team, unknown, role, name):
    as_user(client, getattr(team, role))
    assert client.get(url(name, team, unknown)).status_code == 403
    assert client.post(url(name, team, unknown), {"url": ""}).status_code == 403
    unknown.refresh_from_db()
    assert unknown.state == TargetState.UNKNOWN


@pytest.mark.parametrize("name", ["target_on_network", "target_send_again"])
def test_another_workspaces_target_is_404(client, team, unknown, name, make_workspace, make_member):
    # an owner of another workspace, with their own slug and this workspace's ids
    other = make_workspace("Other")
    stranger = make_member(other, "owner", username="stranger")
    as_user(client, stranger)
    there = reverse(f"posts:{name}", kwargs={"ws": other.slug, "post_id": unknown.post_id, "target_id": unknown.pk})
    assert client.post(there, {"url": ""}).status_code == 404
    assert client.post(url(name, team, unknown), {"url": ""}).status_code == 404
    unknown.refresh_from_db()
    assert unknown.state == TargetState.UNKNOWN
