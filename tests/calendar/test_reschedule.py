"""Dragging a post on the calendar: the composer's rules decide, the reason comes back in
plain words, and every move lands in the post's history."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.urls import reverse

from posts.models import PostStatus, TargetState
from smm.models import AuditEvent

pytestmark = pytest.mark.django_db


def move(client, post, start, workspace=None):
    workspace = workspace or post.workspace
    url = reverse("calendar:reschedule", kwargs={"ws": workspace.slug, "post_id": post.pk})
    return client.post(url, data=json.dumps({"start": start}), content_type="application/json")


def test_an_editor_moves_a_scheduled_post(client, studio, make_post, future):
    # given: a scheduled post on Monday 10:00 UTC (11:00 in Paris)
    post = make_post(studio.roast, future + dt.timedelta(hours=10))
    client.force_login(studio.editor)

    # when: it is dragged to Wednesday 14:30 Paris time (the offset FullCalendar sends)
    wednesday = (future + dt.timedelta(days=2)).date()
    response = move(client, post, f"{wednesday.isoformat()}T14:30:00+01:00")

    # then: it moved on the server, its targets follow, the reply is the updated card
    assert response.status_code == 200, response.content
    body = response.json()
    post.refresh_from_db()
    expected = dt.datetime.combine(wednesday, dt.time(13, 30), tzinfo=dt.UTC)
    assert post.scheduled_at == expected
    assert post.status == PostStatus.SCHEDULED
    assert {t.due_at for t in post.targets.all()} == {expected}
    assert body["ok"] is True
    assert body["message"].startswith("Moved to ")
    assert body["event"]["start"] == f"{wednesday.isoformat()}T14:30:00+01:00"

    # and: the move is in the post's history
    event = AuditEvent.objects.get(subject_type="posts.post", subject_id=str(post.pk), verb="post.rescheduled")
    assert event.actor == studio.editor


def test_a_time_without_offset_is_the_viewers_local_time(client, studio, make_post, future):
    post = make_post(studio.leaf, future + dt.timedelta(hours=10))
    client.force_login(studio.owner)  # in Paris

    response = move(client, post, (future + dt.timedelta(days=1)).strftime("%Y-%m-%dT09:15"))

    assert response.status_code == 200
    post.refresh_from_db()
    assert post.scheduled_at == future + dt.timedelta(days=1, hours=8, minutes=15)  # 09:15 CET = 08:15 UTC


def test_a_published_post_cannot_move_and_the_reason_is_given(client, studio, make_post, future):
    # given: a post already published
    when = future + dt.timedelta(hours=10)
    post = make_post(studio.roast, when, status=PostStatus.PUBLISHED)
    client.force_login(studio.owner)

    # when: someone drags it
    response = move(client, post, (future + dt.timedelta(days=3)).isoformat())

    # then: refused with the reason, nothing changed, nothing in the history
    assert response.status_code == 400
    assert response.json() == {
        "ok": False,
        "error": "This post is publishing or published already, so it cannot move.",
    }
    post.refresh_from_db()
    assert post.scheduled_at == when
    assert not AuditEvent.objects.filter(verb="post.rescheduled").exists()


def test_a_move_into_the_past_is_refused(client, studio, make_post, future):
    post = make_post(studio.roast, future)
    client.force_login(studio.owner)

    response = move(client, post, "2020-01-01T09:00:00+01:00")

    assert response.status_code == 400
    assert "has already passed" in response.json()["error"]


def test_a_contributors_move_goes_back_to_approval(client, studio, make_post, future):
    # given: an approved, scheduled post; the workspace wants contributors' posts approved
    post = make_post(studio.roast, future + dt.timedelta(hours=10), author=studio.contributor)
    client.force_login(studio.contributor)

    # when: the contributor drags it
    response = move(client, post, (future + dt.timedelta(days=1, hours=10)).isoformat())

    # then: it moved and waits for approval again, and says so
    assert response.status_code == 200
    assert "needs approval again" in response.json()["message"]
    post.refresh_from_db()
    assert post.status == PostStatus.PENDING_APPROVAL
    assert set(post.targets.values_list("state", flat=True)) == {TargetState.PENDING_APPROVAL}


def test_a_client_cannot_move_posts(client, studio, make_post, future):
    when = future + dt.timedelta(hours=10)
    post = make_post(studio.roast, when)
    client.force_login(studio.client)

    response = move(client, post, (future + dt.timedelta(days=1)).isoformat())

    assert response.status_code == 403
    assert response.json() == {"ok": False, "error": "Your role (Client) cannot move posts."}
    post.refresh_from_db()
    assert post.scheduled_at == when


def test_another_workspaces_post_is_404(client, studio, make_post, future, make_workspace, make_member, make_brand):
    # given: a post in another workspace, and its owner
    other = make_workspace("Other")
    mallory = make_member(other, "owner", username="mallory")
    their_post = make_post(make_brand(other, "Theirs"), future)
    client.force_login(studio.owner)

    # when: moving their post through my workspace, or through theirs
    through_mine = move(client, their_post, (future + dt.timedelta(days=1)).isoformat(), workspace=studio.workspace)
    through_theirs = move(client, their_post, (future + dt.timedelta(days=1)).isoformat())

    # then: both 404, and the post is where it was
    assert through_mine.status_code == 404
    assert through_theirs.status_code == 404
    their_post.refresh_from_db()
    assert their_post.scheduled_at == future
    assert mallory  # their owner exists; only the URL's workspace membership counts


def test_a_move_needs_the_csrf_header(studio, make_post, future):
    # given: a browser-like client that enforces CSRF
    post = make_post(studio.roast, future + dt.timedelta(hours=10))
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(studio.owner)
    page = browser.get(reverse("calendar:view", kwargs={"ws": studio.workspace.slug}))
    token = page.context["config"]["csrfToken"]
    url = reverse("calendar:reschedule", kwargs={"ws": studio.workspace.slug, "post_id": post.pk})
    body = json.dumps({"start": (future + dt.timedelta(days=1)).isoformat()})

    # when / then: without the header, refused; with it (as calendar.js sends it), moved
    assert browser.post(url, data=body, content_type="application/json").status_code == 403
    response = browser.post(url, data=body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200


def test_garbage_is_refused_in_plain_words(client, studio, make_post, future):
    post = make_post(studio.roast, future)
    client.force_login(studio.owner)
    url = reverse("calendar:reschedule", kwargs={"ws": studio.workspace.slug, "post_id": post.pk})

    assert client.post(url, data="not json", content_type="application/json").status_code == 400
    response = move(client, post, "next tuesday")
    assert response.json() == {"ok": False, "error": "start must be an ISO date or date-time, not 'next tuesday'."}
